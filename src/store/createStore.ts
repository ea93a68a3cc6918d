import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { packageRoot } from '../paths';
import { StoreUnavailableError } from './StoreUnavailableError';

export { StoreUnavailableError };

/** Something SQL can be sent to: the store itself or one of its transactions. */
export interface Queryable {
  query<T extends object = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs a script of several statements, without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/**
 * The gateway's own store (consents, audit trail): PostgreSQL in production, an
 * embedded PostgreSQL (PGlite) by default — the same SQL and migrations for both.
 */
export interface Store extends Queryable {
  readonly kind: 'postgres' | 'pglite';
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** True when the store answers a write right now (readiness). */
  writable(): Promise<boolean>;
  close(): Promise<void>;
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', '57P01', '57P02', '57P03']);

/** Connection-level failures become StoreUnavailableError; SQL errors stay as they are. */
function classify(err: unknown): unknown {
  const e = err as { code?: string; message?: string };
  if ((e.code && (CONNECTION_CODES.has(e.code) || e.code.startsWith('08'))) || /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(e.message ?? '')) {
    return new StoreUnavailableError(`store unavailable: ${e.code ?? e.message}`);
  }
  return err;
}

export interface StoreOptions {
  /** `postgres://…`; absent means the embedded store under `dataDir`. */
  databaseUrl: string | null;
  dataDir: string;
  /** Called when an idle PostgreSQL connection fails (never throws out of the pool). */
  onError?: (err: Error) => void;
}

/** Arbitrary but fixed: serialises migrations across gateway processes sharing one database. */
const MIGRATION_LOCK = 74_200_001;

export async function createStore(options: StoreOptions): Promise<Store> {
  const store = options.databaseUrl ? postgresStore(options.databaseUrl, options.onError) : await pgliteStore(options.dataDir);
  try {
    await migrate(store);
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

function postgresStore(url: string, onError?: (err: Error) => void): Store {
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 2000, idleTimeoutMillis: 30_000 });
  pool.on('error', (err) => onError?.(err));
  const query = async <T extends object>(sql: string, params?: unknown[]) => {
    try {
      return (await pool.query(sql, params)).rows as T[];
    } catch (err) {
      throw classify(err);
    }
  };
  return {
    kind: 'postgres',
    query,
    exec: async (sql) => {
      await query(sql);
    },
    async transaction(fn) {
      const client = await pool.connect().catch((err: unknown) => {
        throw classify(err);
      });
      let failed: unknown;
      try {
        await client.query('BEGIN');
        const result = await fn({
          query: async (sql, params) => (await client.query(sql, params)).rows,
          exec: async (sql) => {
            await client.query(sql);
          },
        });
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        failed = classify(err);
        throw failed;
      } finally {
        // A client whose connection broke is destroyed rather than returned to the pool.
        client.release(failed instanceof StoreUnavailableError ? true : undefined);
      }
    },
    writable: () => writable(query),
    close: () => pool.end(),
  };
}

async function pgliteStore(dataDir: string): Promise<Store> {
  const dir = path.join(dataDir, 'pglite');
  mkdirSync(dir, { recursive: true });
  const db = new PGlite(dir);
  await db.waitReady;
  const query = async <T extends object>(sql: string, params?: unknown[]) => (await db.query<T>(sql, params)).rows;
  return {
    kind: 'pglite',
    query,
    exec: async (sql) => {
      await db.exec(sql);
    },
    transaction: (fn) =>
      db.transaction((tx) =>
        fn({
          query: async (sql, params) => (await tx.query(sql, params)).rows as never,
          exec: async (sql) => {
            await tx.exec(sql);
          },
        }),
      ),
    writable: () => writable(query),
    close: () => db.close(),
  };
}

async function writable(query: Queryable['query']): Promise<boolean> {
  try {
    // A write that changes nothing: fails on a read-only or unreachable database.
    await query('UPDATE schema_migrations SET version = version WHERE false');
    return true;
  } catch {
    return false;
  }
}

/** Applies `src/store/migrations/*.sql` in order, once each, under an advisory lock. */
async function migrate(store: Store): Promise<void> {
  const dir = path.join(packageRoot(), 'src', 'store', 'migrations');
  const files = readdirSync(dir).filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f)).sort();
  await store.query('CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
  await store.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    const applied = new Set((await tx.query<{ version: string }>('SELECT version FROM schema_migrations')).map((r) => r.version));
    for (const file of files) {
      const version = file.slice(0, 3);
      if (applied.has(version)) continue;
      await tx.exec(readFileSync(path.join(dir, file), 'utf8'));
      await tx.query('INSERT INTO schema_migrations (version) VALUES ($1)', [version]);
    }
  });
}

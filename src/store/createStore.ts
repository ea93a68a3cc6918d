import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { packageRoot } from '../paths';
import { defaultTemplateDir, discardTemplate, seedEmbeddedCluster } from './embeddedTemplate';
import { acquireStoreLock } from './acquireStoreLock';
import { DEFAULT_POSTGRES_SETTINGS, type PostgresSettings } from './postgresSettings';
import { StoreLockedError } from './StoreLockedError';
import { StoreUnavailableError } from './StoreUnavailableError';

export { StoreLockedError, StoreUnavailableError };

/**
 * `name`: PostgreSQL keeps the statement parsed and planned under this name (with a digest
 * of its text appended, so that one name never stands for two texts, whichever gateway
 * version sent them) on each connection, for a fixed statement sent many times a second (the
 * audit's batch insert). Calls outside a transaction only; the embedded store parses every
 * statement anyway. A named statement must not return rows of a table's shape (`RETURNING *`
 * at its top level): a later column change would fail it on every connection.
 */
export interface QueryOptions {
  name?: string;
}

/** Something SQL can be sent to: the store itself or one of its transactions. */
export interface Queryable {
  query<T extends object = Record<string, unknown>>(sql: string, params?: unknown[], options?: QueryOptions): Promise<T[]>;
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

/**
 * Connection classes 08 (connection exception) and 57P0x (shutdown), and: 57014 a
 * statement cancelled by statement_timeout, 25P03 a session ended by
 * idle_in_transaction_session_timeout, 53300 too many connections.
 */
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', '57P01', '57P02', '57P03', '57014', '25P03', '53300']);
/**
 * A named statement the server does not have (26000 invalid_sql_statement_name), or has
 * already under that name though this connection never prepared it (42P05
 * duplicate_prepared_statement): the statement did not run.
 */
const LOST_STATEMENT = new Set(['26000', '42P05']);
/** The name a statement is prepared under: its given name and a digest of its text (a few µs a call). */
function statementName(name: string, sql: string): string {
  return `${name}_${createHash('sha256').update(sql).digest('hex').slice(0, 12)}`;
}

/** pg's own messages for a lost connection and a connect timeout. */
const UNAVAILABLE_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|timeout expired|Client has encountered a connection error|Connection is closed/i;

/** Connection-level failures and missed deadlines become StoreUnavailableError; SQL errors stay as they are. */
function classify(err: unknown): unknown {
  if (err instanceof StoreUnavailableError) return err;
  const e = err as { code?: string; message?: string };
  if ((e.code && (UNAVAILABLE_CODES.has(e.code) || e.code.startsWith('08'))) || UNAVAILABLE_MESSAGES.test(e.message ?? '')) {
    return new StoreUnavailableError(`store unavailable: ${e.code ?? e.message}`);
  }
  return err;
}

export interface StoreOptions {
  /** `postgres://…`; absent means the embedded store under `dataDir`. */
  databaseUrl: string | null;
  dataDir: string;
  /** Pool size and deadlines of PostgreSQL calls; the defaults when absent. */
  postgres?: Partial<PostgresSettings>;
  /** Called when an idle PostgreSQL connection fails (never throws out of the pool). */
  onError?: (err: Error) => void;
  /**
   * The embedded store only: where the empty cluster that fresh data directories are copied
   * from is kept (src/store/embeddedTemplate.ts); null makes every fresh one with initdb.
   */
  embeddedTemplateDir?: string | null;
}

/** Arbitrary but fixed: serialises migrations across gateway processes sharing one database. */
const MIGRATION_LOCK = 74_200_001;

/**
 * Opens the store and applies its migrations. PostgreSQL when `databaseUrl` is set;
 * otherwise the embedded store under `dataDir`, which one process at a time may open
 * (a second gets a {@link StoreLockedError} naming the first).
 */
export async function createStore(options: StoreOptions): Promise<Store> {
  const store = options.databaseUrl
    ? postgresStore(options.databaseUrl, { ...DEFAULT_POSTGRES_SETTINGS, ...options.postgres }, options.onError)
    : await pgliteStore(options.dataDir, options.embeddedTemplateDir === undefined ? defaultTemplateDir() : options.embeddedTemplateDir);
  try {
    await migrate(store);
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}

function postgresStore(url: string, settings: PostgresSettings, onError?: (err: Error) => void): Store {
  const pool = new pg.Pool({
    connectionString: url,
    max: settings.poolMax,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    statement_timeout: settings.statementTimeoutMs,
    idle_in_transaction_session_timeout: settings.idleInTransactionTimeoutMs,
    // Finds a peer that vanished without a word (host down, connection dropped by a firewall).
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    // Names the gateway's sessions in pg_stat_activity, unless the URL names them.
    fallback_application_name: 'vn-registry-gateway',
  });
  pool.on('error', (err) => onError?.(err));
  // Every client is known so that close() can cut those a frozen server never lets go.
  const clients = new Set<pg.PoolClient>();
  pool.on('connect', (client) => clients.add(client));
  pool.on('remove', (client) => clients.delete(client));

  /**
   * One statement on a checked-out client, given up after `queryTimeoutMs`. The
   * connection is then destroyed: its state is unknown, and the server rolls back what
   * it had begun when it sees the connection go.
   */
  const send = (client: pg.PoolClient, sql: string, params?: unknown[], options?: QueryOptions) =>
    new Promise<pg.QueryResult>((resolve, reject) => {
      let done = false;
      const timer = setTimeout(() => {
        // Timers run before I/O in each turn of the event loop: after a stall (a busy CPU, a
        // long garbage collection) the answer may be waiting unread. It is read first, then judged.
        setImmediate(() => {
          if (done) return;
          done = true;
          reject(new StoreUnavailableError(`store unavailable: no answer within ${settings.queryTimeoutMs} ms`));
          client.connection.stream.destroy();
        });
      }, settings.queryTimeoutMs);
      (options?.name ? client.query({ name: statementName(options.name, sql), text: sql, values: params }) : client.query(sql, params)).then(
        (result) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          resolve(result);
        },
        (err: unknown) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          reject(err);
        },
      );
    });

  /** A pooled connection for one call or one transaction; destroyed on release once it broke. */
  const checkout = async () => {
    const client = await pool.connect().catch((err: unknown) => {
      throw classify(err);
    });
    let broken = false;
    // A checked-out client has no listener of the pool's: a session the server ends while
    // it is checked out (idle_in_transaction_session_timeout, shutdown) would otherwise be
    // an unhandled 'error' event. The next statement then fails.
    const lost = () => {
      broken = true;
    };
    client.on('error', lost);
    return {
      async query<T extends object>(sql: string, params?: unknown[], options?: QueryOptions): Promise<T[]> {
        try {
          return (await send(client, sql, params, options)).rows as T[];
        } catch (err) {
          const failure = classify(err);
          if (failure instanceof StoreUnavailableError) broken = true;
          throw failure;
        }
      },
      broken: () => broken,
      /** Destroys the connection on release: its state is not known. */
      discard() {
        broken = true;
      },
      release() {
        client.off('error', lost);
        client.release(broken ? true : undefined);
      },
    };
  };

  /**
   * False once the server has lost a statement this process named, or holds one it did not
   * prepare — a pooler in transaction mode between them (PgBouncer before 1.21 keeps no
   * prepared statements and shares server connections between clients): names are then
   * left out, and the call that met it is sent again unnamed (a statement whose name is
   * unknown did not run).
   */
  let naming = true;
  const query = async <T extends object>(sql: string, params?: unknown[], options?: QueryOptions) => {
    const session = await checkout();
    try {
      if (options?.name && naming) {
        try {
          return await session.query<T>(sql, params, options);
        } catch (err) {
          if (!LOST_STATEMENT.has((err as { code?: string }).code ?? '')) throw err;
          naming = false;
        }
      }
      return await session.query<T>(sql, params);
    } finally {
      session.release();
    }
  };
  return {
    kind: 'postgres',
    query,
    exec: async (sql) => {
      await query(sql);
    },
    async transaction(fn) {
      const session = await checkout();
      try {
        await session.query('BEGIN');
        const result = await fn({
          query: (sql, params) => session.query(sql, params),
          exec: async (sql) => {
            await session.query(sql);
          },
        });
        await session.query('COMMIT');
        return result;
      } catch (err) {
        // A connection that broke or missed its deadline gets no ROLLBACK (it would wait out
        // a second deadline): it is destroyed, and the server rolls back when it sees that.
        if (!session.broken()) await session.query('ROLLBACK').catch(() => session.discard());
        throw classify(err);
      } finally {
        session.release();
      }
    },
    writable: () => writable(query),
    async close() {
      // A frozen server never answers the goodbye: wait a bounded time, then cut the sockets.
      let timer: NodeJS.Timeout | undefined;
      const ended = pool.end().then(() => true);
      const late = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), settings.connectTimeoutMs);
      });
      const done = await Promise.race([ended, late]);
      clearTimeout(timer);
      if (!done) for (const client of clients) client.connection.stream.destroy();
    },
  };
}

/**
 * PGlite is a development dependency (the embedded store is for `npm start`, production
 * uses DATABASE_URL), so it is loaded only when the embedded store is opened.
 */
async function loadPGlite() {
  try {
    return (await import('@electric-sql/pglite')).PGlite;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND' && (err as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw err;
    const missing = new Error('the embedded store needs the development dependencies (npm ci, without --omit=dev); with a production install, set DATABASE_URL');
    missing.stack = missing.message;
    throw missing;
  }
}

/** The embedded store's buffer pool (PostgreSQL's default is 128MB). */
const EMBEDDED_SHARED_BUFFERS = '16MB';

async function pgliteStore(dataDir: string, template: string | null): Promise<Store> {
  const dir = path.join(dataDir, 'pglite');
  mkdirSync(dir, { recursive: true });
  const lock = acquireStoreLock(dataDir);
  let db: InstanceType<Awaited<ReturnType<typeof loadPGlite>>>;
  try {
    const PGliteClass = await loadPGlite();
    // PostgreSQL zeroes and lays out its whole buffer pool at every start: its default 128 MB
    // is 0.4 s of each embedded start, far more than a development audit store needs.
    const open = (d: string) => new PGliteClass({ dataDir: d, startParams: [...PGliteClass.defaultStartParams, '-c', `shared_buffers=${EMBEDDED_SHARED_BUFFERS}`] });
    const seeded = await seedEmbeddedCluster(dir, template, open);
    try {
      db = open(dir);
      await db.waitReady;
    } catch (err) {
      if (!seeded || !template) throw err;
      // A damaged template gave a cluster PGlite cannot open: drop both, and let initdb make this one.
      discardTemplate(template);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      db = open(dir);
      await db.waitReady;
    }
  } catch (err) {
    lock.release();
    throw err;
  }
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
    async close() {
      try {
        await db.close();
      } finally {
        lock.release();
      }
    },
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

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../src/config';
import { createStore, StoreUnavailableError, type Store } from '../src/store/createStore';
import type { PostgresSettings } from '../src/store/postgresSettings';
import { startPostgresInstance, type PostgresInstance } from './helpers/postgresInstance';

/** Deadlines short enough to keep the tests quick, long enough for a loaded machine's ordinary calls. */
const SETTINGS: PostgresSettings = { poolMax: 3, connectTimeoutMs: 3000, statementTimeoutMs: 1000, queryTimeoutMs: 2000, idleInTransactionTimeoutMs: 1000 };

/** Retries `fn` until it resolves: each attempt is itself bounded by the store's deadlines. */
async function eventually<T>(fn: () => Promise<T>, attempts = 400): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

describe('PostgreSQL deadlines', () => {
  let server: PostgresInstance;
  let store: Store;
  let dataDir: string;

  beforeAll(async () => {
    server = await startPostgresInstance();
    dataDir = mkdtempSync(path.join(tmpdir(), 'gw-deadlines-'));
    store = await eventually(() => createStore({ databaseUrl: server.url, dataDir, postgres: SETTINGS }));
    await store.exec('CREATE TABLE deadline_probe (n int)');
  });
  afterAll(async () => {
    server?.thaw();
    await store?.close();
    server?.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('fails every call with StoreUnavailableError while the server is frozen, and answers again after it is thawed, without a restart', async () => {
    // Open every pooled connection first: frozen with the server, they are the ones a naive pool would hang on.
    await eventually(() => Promise.all(Array.from({ length: SETTINGS.poolMax }, () => store.query('SELECT pg_sleep(0.05)'))));
    server.freeze();
    let whileFrozen: PromiseSettledResult<unknown>[];
    let writableWhileFrozen: boolean;
    try {
      // More calls than connections: the ones that find none free wait for one, within the connect deadline.
      whileFrozen = await Promise.allSettled([
        ...Array.from({ length: 2 * SETTINGS.poolMax }, () => store.query('SELECT 1')),
        store.transaction((tx) => tx.query('INSERT INTO deadline_probe VALUES (1)')),
        store.exec('SELECT 1'),
      ]);
      writableWhileFrozen = await store.writable();
      // Connections opened while frozen are given up on too.
      whileFrozen.push(...(await Promise.allSettled([store.query('SELECT 2')])));
    } finally {
      server.thaw();
    }
    expect(whileFrozen.map((r) => r.status)).toEqual(whileFrozen.map(() => 'rejected'));
    for (const r of whileFrozen) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(StoreUnavailableError);
    expect(writableWhileFrozen).toBe(false);

    await eventually(() => store.query('SELECT 1'));
    const again = await eventually(() => Promise.all(Array.from({ length: 2 * SETTINGS.poolMax }, (_, i) => store.query<{ n: number }>('SELECT $1::int AS n', [i]))));
    expect(again.map((rows) => rows[0]?.n)).toEqual([0, 1, 2, 3, 4, 5]);
    await eventually(() => store.transaction((tx) => tx.query('INSERT INTO deadline_probe VALUES (2)')));
    expect(await eventually(() => store.writable())).toBe(true);
    // The transaction abandoned while frozen never committed.
    expect(new Set((await eventually(() => store.query<{ n: number }>('SELECT n FROM deadline_probe'))).map((r) => r.n))).toEqual(new Set([2]));
  });

  it('fails a statement that runs past the statement timeout with StoreUnavailableError, and the next call succeeds', async () => {
    await expect(store.query('SELECT pg_sleep(5)')).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(await eventually(() => store.query('SELECT 1 AS one'))).toEqual([{ one: 1 }]);
  });

  it('rolls back a transaction left idle past the idle-in-transaction timeout, failing it with StoreUnavailableError', async () => {
    const outcome = store.transaction(async (tx) => {
      await tx.query('INSERT INTO deadline_probe VALUES (3)');
      const [{ pid }] = (await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')) as [{ pid: number }];
      // Idle inside the transaction until the server has ended the session.
      await eventually(async () => {
        const rows = await store.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]);
        if (rows.length > 0) throw new Error('session still there');
      });
      await tx.query('INSERT INTO deadline_probe VALUES (4)');
    });
    await expect(outcome).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(await eventually(() => store.query('SELECT n FROM deadline_probe WHERE n > 2'))).toEqual([]);
  });

  it('answers a call whose reply came while this process was too busy to read it until past the deadline', async () => {
    const busy = await eventually(() => createStore({ databaseUrl: server.url, dataDir, postgres: { ...SETTINGS, poolMax: 1 } }));
    try {
      const [{ pid }] = (await eventually(() => busy.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'))) as [{ pid: number }];
      // The server's view of the call: its answer sent longer ago than the call's deadline, not yet, or the connection gone.
      const answer = `SELECT CASE
          WHEN NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = ${pid}) THEN 'gone'
          WHEN EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = ${pid} AND state = 'idle' AND query = 'SELECT 42 AS answer'
                         AND now() - state_change > interval '${SETTINGS.queryTimeoutMs + 100} milliseconds') THEN 'answered long ago'
          ELSE 'not yet' END`;
      let stalled = false;
      // The stall has to begin after the call is sent and before its answer is read; when
      // the answer is read first (the server was quicker than this process), the call is made again.
      for (let attempt = 1; !stalled; attempt++) {
        if (attempt > 200) throw new Error('the answer was read before every stall');
        // From a timer callback, so that the stall below comes before the next look at timers.
        await new Promise((r) => setTimeout(r, 0));
        let settled = false;
        const call = busy.query('SELECT 42 AS answer');
        void call.then(
          () => (settled = true),
          () => (settled = true),
        );
        stalled = await new Promise<boolean>((resolve) =>
          setImmediate(() => {
            if (settled) return resolve(false);
            // A stall (a busy CPU, a long garbage collection): nothing runs in this process
            // until the server has answered and its answer has waited past the call's deadline.
            // Bounded, as a stall cannot be interrupted: a call that never reached the server would block the run.
            for (let polls = 0, view = server.psqlSync(answer); view !== 'answered long ago'; polls++, view = server.psqlSync(answer)) {
              if (view === 'gone' || polls > 3000) throw new Error(`the call was not answered during the stall (${view})`);
            }
            resolve(true);
          }),
        );
        expect(await call).toEqual([{ answer: 42 }]);
      }
    } finally {
      await busy.close();
    }
  });

  it('passes an SQL error on as it is, rolls back its transaction and keeps the connection, when a statement fails', async () => {
    // The default deadlines: nothing here is about them.
    const one = await createStore({ databaseUrl: server.url, dataDir, postgres: { poolMax: 1 } });
    try {
      const before = await one.query('SELECT pg_backend_pid() AS pid');
      const failing = one.transaction(async (tx) => {
        await tx.query('INSERT INTO deadline_probe VALUES (7)');
        await tx.query('SELECT * FROM no_such_table');
      });
      await expect(failing).rejects.toMatchObject({ code: '42P01' });
      await expect(failing).rejects.not.toBeInstanceOf(StoreUnavailableError);
      await expect(one.query('SELECT * FROM no_such_table')).rejects.toMatchObject({ code: '42P01' });
      expect(await one.query('SELECT n FROM deadline_probe WHERE n = 7')).toEqual([]);
      expect(await one.query('SELECT pg_backend_pid() AS pid')).toEqual(before);
    } finally {
      await one.close();
    }
  });

  it('fails calls with StoreUnavailableError when the server refuses connections', async () => {
    const refused = await eventually(() => createStore({ databaseUrl: server.url, dataDir, postgres: SETTINGS }));
    server.stop();
    try {
      await expect(refused.query('SELECT 1')).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(refused.transaction((tx) => tx.query('SELECT 1'))).rejects.toBeInstanceOf(StoreUnavailableError);
    } finally {
      server.start();
      await refused.close();
    }
    await eventually(() => store.query('SELECT 1'));
  });
});

describe('PostgreSQL pool size', () => {
  let server: PostgresInstance;
  let dataDir: string;
  beforeAll(async () => {
    server = await startPostgresInstance();
    dataDir = mkdtempSync(path.join(tmpdir(), 'gw-pool-'));
  });
  afterAll(() => {
    server?.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('opens at most DATABASE_POOL_MAX connections, named after the gateway, when more calls come at once', async () => {
    const config = loadConfig({ NODE_ENV: 'development', DATABASE_URL: server.url, DATA_DIR: dataDir, DATABASE_POOL_MAX: '2' });
    expect(config.postgres.poolMax).toBe(2);
    const store = await createStore({ databaseUrl: config.databaseUrl, dataDir, postgres: config.postgres });
    try {
      const rows = await Promise.all(Array.from({ length: 8 }, () => store.query<{ pid: number; name: string }>("SELECT pg_backend_pid() AS pid, current_setting('application_name') AS name, pg_sleep(0.05)")));
      expect(new Set(rows.map((r) => r[0]?.pid)).size).toBeLessThanOrEqual(2);
      expect(new Set(rows.map((r) => r[0]?.name))).toEqual(new Set(['vn-registry-gateway']));
      const [timeouts] = await store.query<{ statement: string; idle: string }>(
        "SELECT current_setting('statement_timeout') AS statement, current_setting('idle_in_transaction_session_timeout') AS idle",
      );
      expect(timeouts).toEqual({ statement: '5s', idle: '10s' });
    } finally {
      await store.close();
    }
  });

  it('keeps a named statement prepared on its connection, under its name and a digest of its text: parsed once, run with new values each time', async () => {
    const store = await createStore({ databaseUrl: server.url, dataDir, postgres: { poolMax: 1 } });
    try {
      const named = { name: 'probe_ratio' };
      const sql = 'SELECT $1::int / $2::int AS q';
      expect(await store.query(sql, [10, 2], named)).toEqual([{ q: 5 }]);
      expect(await store.query(sql, [9, 3], named)).toEqual([{ q: 3 }]);
      await expect(store.query(sql, [1, 0], named)).rejects.toMatchObject({ code: '22012' });
      expect(await store.query(sql, [8, 4], named)).toEqual([{ q: 2 }]);
      const prepared = await store.query<{ name: string; statement: string; runs: number }>(
        'SELECT name, statement, (generic_plans + custom_plans)::int AS runs FROM pg_prepared_statements',
      );
      // Parsed once, planned for each call that ran (the division by zero fails while its plan is made).
      expect(prepared).toEqual([{ name: expect.stringMatching(/^probe_ratio_[0-9a-f]{12}$/), statement: sql, runs: 3 }]);
    } finally {
      await store.close();
    }
  });

  it('sends a named statement again without its name, once, and names none after, when the server has lost it (a pooler in transaction mode)', async () => {
    const store = await createStore({ databaseUrl: server.url, dataDir, postgres: { poolMax: 1 } });
    try {
      await store.exec('CREATE TABLE named_probe (n int)');
      const insert = 'INSERT INTO named_probe VALUES ($1)';
      await store.query(insert, [1], { name: 'probe_insert' });
      // What a pooler does when it hands the next call another server connection.
      await store.exec('DEALLOCATE ALL');
      await store.query(insert, [2], { name: 'probe_insert' });
      await store.query(insert, [3], { name: 'probe_insert' });
      expect(await store.query('SELECT n FROM named_probe ORDER BY n')).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
      expect(await store.query('SELECT $1::int + 1 AS s', [1], { name: 'probe_other' })).toEqual([{ s: 2 }]);
      expect(await store.query('SELECT name FROM pg_prepared_statements')).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('sends a named statement unnamed when the server already holds one of that name this connection never prepared (a pooler sharing connections)', async () => {
    const sql = 'SELECT $1::int * $2::int AS p';
    // The name this text is prepared under, learnt from a first connection.
    const first = await createStore({ databaseUrl: server.url, dataDir, postgres: { poolMax: 1 } });
    let name: string | undefined;
    try {
      await first.query(sql, [1, 1], { name: 'probe_product' });
      name = (await first.query<{ name: string }>('SELECT name FROM pg_prepared_statements'))[0]?.name;
    } finally {
      await first.close();
    }
    const store = await createStore({ databaseUrl: server.url, dataDir, postgres: { poolMax: 1 } });
    try {
      // Prepared on this server connection by "another client", under that name.
      expect(name).toMatch(/^probe_product_[0-9a-f]{12}$/);
      await store.exec(`PREPARE ${name as string} AS SELECT 0 AS p`);
      expect(await store.query(sql, [6, 7], { name: 'probe_product' })).toEqual([{ p: 42 }]);
      expect(await store.query(sql, [2, 3], { name: 'probe_product' })).toEqual([{ p: 6 }]);
    } finally {
      await store.close();
    }
  });

  it('lists every bad PostgreSQL setting at once when the configuration is invalid', () => {
    let error: unknown;
    try {
      loadConfig({ NODE_ENV: 'development', DATABASE_POOL_MAX: '0', DATABASE_CONNECT_TIMEOUT_MS: 'soon', DATABASE_STATEMENT_TIMEOUT_MS: '5000', DATABASE_QUERY_TIMEOUT_MS: '1000' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'DATABASE_POOL_MAX must be an integer between 1 and 1000, got "0"',
      'DATABASE_CONNECT_TIMEOUT_MS must be an integer between 50 and 120000, got "soon"',
      'DATABASE_QUERY_TIMEOUT_MS (1000) must be greater than DATABASE_STATEMENT_TIMEOUT_MS (5000)',
    ]);
  });
});

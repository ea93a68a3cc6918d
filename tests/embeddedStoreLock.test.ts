import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createStore, StoreLockedError } from '../src/store/createStore';
import { spawnGateway } from './helpers/gatewayProcess';
import { TSX_NODE_FLAGS } from './helpers/tsxNode';

interface StoreProcess {
  child: ChildProcess;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  /** Everything the process printed so far, stdout and stderr. */
  output(): string;
  /** Resolves once the process printed `line`; rejects if it ends first. */
  printed(line: string): Promise<void>;
}

/** A separate process that opens the embedded store in `dataDir` (openEmbeddedStore.ts). */
function openInAnotherProcess(dataDir: string): StoreProcess {
  const child = spawn(process.execPath, [...TSX_NODE_FLAGS, path.join(__dirname, 'helpers', 'openEmbeddedStore.ts'), dataDir], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const waiting = new Set<() => void>();
  const onOutput = (chunk: Buffer) => {
    output += chunk.toString();
    for (const check of waiting) check();
  };
  child.stdout?.on('data', onOutput);
  child.stderr?.on('data', onOutput);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    exited,
    output: () => output,
    printed: (line) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (output.split('\n').includes(line)) {
            waiting.delete(check);
            resolve();
          }
        };
        waiting.add(check);
        check();
        void exited.then((code) => {
          if (waiting.delete(check)) reject(new Error(`exited with ${code} before printing "${line}":\n${output}`));
        });
      }),
  };
}

async function rowsIn(dataDir: string, lines: string[]): Promise<{ pid: number; line: string }[]> {
  const store = await createStore({ databaseUrl: null, dataDir });
  try {
    return await store.query<{ pid: number; line: string }>('SELECT pid, line FROM lock_probe WHERE line = ANY($1) ORDER BY line', [lines]);
  } finally {
    await store.close();
  }
}

/** Each test starts processes that open an embedded PostgreSQL: seconds of CPU each, many more on a loaded machine. */
const SLOW = 240_000;

describe('one process per embedded store', () => {
  // One store directory, opened in turn by the processes below: creating an embedded store costs seconds of CPU.
  let dir: string;
  const children: ChildProcess[] = [];
  const open = (dataDir: string) => {
    const p = openInAnotherProcess(dataDir);
    children.push(p.child);
    return p;
  };
  // The store is created once, here: its first opening is its most expensive.
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'gw-lock-'));
    const store = await createStore({ databaseUrl: null, dataDir: dir });
    await store.exec('CREATE TABLE lock_probe (pid int, line text)');
    await store.close();
  }, SLOW);
  afterAll(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a second process, naming the first one and DATABASE_URL, while the first has the store open; the first keeps writing', async () => {
    const first = open(dir);
    await first.printed(`open ${first.child.pid}`);
    expect(readFileSync(path.join(dir, 'pglite.lock'), 'utf8')).toBe(`${first.child.pid}\n`);

    const second = open(dir);
    expect(await second.exited).toBe(1);
    expect(second.output()).toContain(`in use by process ${first.child.pid}`);
    expect(second.output()).toContain('DATABASE_URL');
    expect(second.output()).not.toMatch(/\n\s+at /);

    first.child.stdin?.write('after-refusal\n');
    await first.printed('wrote after-refusal');
    first.child.stdin?.end();
    expect(await first.exited).toBe(0);
    expect(existsSync(path.join(dir, 'pglite.lock'))).toBe(false);
    expect(await rowsIn(dir, ['after-refusal'])).toEqual([{ pid: first.child.pid, line: 'after-refusal' }]);
  }, SLOW);

  it('takes over the lock of a process that was killed, when the next one opens the store', async () => {
    const killed = open(dir);
    await killed.printed(`open ${killed.child.pid}`);
    killed.child.stdin?.write('before-kill\n');
    await killed.printed('wrote before-kill');
    killed.child.kill('SIGKILL');
    await killed.exited;
    expect(readFileSync(path.join(dir, 'pglite.lock'), 'utf8')).toBe(`${killed.child.pid}\n`);

    const next = open(dir);
    await next.printed(`open ${next.child.pid}`);
    expect(readFileSync(path.join(dir, 'pglite.lock'), 'utf8')).toBe(`${next.child.pid}\n`);
    next.child.stdin?.write('after-takeover\n');
    await next.printed('wrote after-takeover');
    next.child.stdin?.end();
    expect(await next.exited).toBe(0);
    expect(await rowsIn(dir, ['before-kill', 'after-takeover'])).toEqual([
      { pid: next.child.pid, line: 'after-takeover' },
      { pid: killed.child.pid, line: 'before-kill' },
    ]);
  }, SLOW);

  it('refuses to open the store twice in one process, with StoreLockedError', async () => {
    const store = await createStore({ databaseUrl: null, dataDir: dir });
    try {
      await expect(createStore({ databaseUrl: null, dataDir: dir })).rejects.toThrow(StoreLockedError);
      await expect(createStore({ databaseUrl: null, dataDir: dir })).rejects.toThrow(`already open in this process (pid ${process.pid})`);
    } finally {
      await store.close();
    }
    const reopened = await createStore({ databaseUrl: null, dataDir: dir });
    await reopened.close();
  }, SLOW);

  it('refuses to start a gateway, naming the process that has the store open, when its DATA_DIR is in use', async () => {
    const holder = open(dir);
    await holder.printed(`open ${holder.child.pid}`);
    try {
      const refusal = await spawnGateway({ DATA_DIR: dir, MOCK_CITIZENS: '100', MOCK_LATENCY_MS: '0' }).then(
        () => new Error('the gateway started'),
        (err: Error) => err,
      );
      expect(refusal.message).toContain('exited with 1 before it was ready');
      expect(refusal.message).toContain(`in use by process ${holder.child.pid}`);
      expect(refusal.message).toContain('DATABASE_URL');
      expect(refusal.message).not.toMatch(/\n\s+at /);
      holder.child.stdin?.write('after-gateway-refused\n');
      await holder.printed('wrote after-gateway-refused');
    } finally {
      holder.child.stdin?.end();
      expect(await holder.exited).toBe(0);
    }
  }, SLOW);
});

describe('a stop during start-up', () => {
  it('closes the embedded store and the registries, never listens, and exits 0', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gw-stop-early-'));
    const child = spawn(process.execPath, [...TSX_NODE_FLAGS, path.join(__dirname, '..', 'src', 'main.ts')], {
      env: { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'silent', PORT: '0', DATA_DIR: dir, MOCK_CITIZENS: '100', MOCK_LATENCY_MS: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      // The lock is taken as the store starts to open: the gateway is then mid-start.
      const lock = path.join(dir, 'pglite.lock');
      for (let i = 0; i < 6000 && !existsSync(lock) && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 10));
      expect(existsSync(lock)).toBe(true);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      // Closed, not abandoned: the lock goes with the store.
      expect(existsSync(lock)).toBe(false);
      expect(output).not.toMatch(/\n\s+at /);
      // Stopped before it was ready, it never announces itself (a stop that lands after ready is a plain stop).
      if (!output.includes('Gateway ready')) expect(output).toContain('SIGTERM: stopping during start-up');
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, SLOW);
});

describe('a fresh embedded store', () => {
  const dirs: string[] = [];
  const fresh = () => {
    const d = mkdtempSync(path.join(tmpdir(), 'gw-fresh-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  /** Set by initdb, kept by copies: two stores share it only when one cluster was copied into both. */
  const systemIdentifier = async (store: Awaited<ReturnType<typeof createStore>>) =>
    (await store.query<{ id: string }>('SELECT system_identifier::text AS id FROM pg_control_system()'))[0]?.id;

  it('starts as a copy of the empty cluster kept in node_modules/.cache, with its own migrations and nothing of another store', async () => {
    const first = await createStore({ databaseUrl: null, dataDir: fresh() });
    await first.exec('CREATE TABLE only_in_first (n int)');
    const firstId = await systemIdentifier(first);
    await first.close();
    const { version } = JSON.parse(readFileSync(path.join(__dirname, '..', 'node_modules', '@electric-sql', 'pglite', 'package.json'), 'utf8')) as { version: string };
    expect(existsSync(path.join(__dirname, '..', 'node_modules', '.cache', 'vn-registry-gateway', `pglite-${version}`, 'PG_VERSION'))).toBe(true);

    const second = await createStore({ databaseUrl: null, dataDir: fresh() });
    try {
      expect(await systemIdentifier(second)).toBe(firstId);
      expect(await second.query("SELECT to_regclass('only_in_first') IS NULL AS absent")).toEqual([{ absent: true }]);
      expect(await second.query('SELECT count(*)::int AS n FROM audit_log')).toEqual([{ n: 0 }]);
      expect((await second.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations'))[0]?.n).toBeGreaterThan(0);
    } finally {
      await second.close();
    }
  }, SLOW);

  it('drops a damaged template and opens the fresh store from initdb instead', async () => {
    const shared = await createStore({ databaseUrl: null, dataDir: fresh() });
    const sharedId = await systemIdentifier(shared);
    await shared.close();
    const { version } = JSON.parse(readFileSync(path.join(__dirname, '..', 'node_modules', '@electric-sql', 'pglite', 'package.json'), 'utf8')) as { version: string };
    // A private copy of the template, damaged: its control file cut short.
    const template = path.join(fresh(), 'template');
    cpSync(path.join(__dirname, '..', 'node_modules', '.cache', 'vn-registry-gateway', `pglite-${version}`), template, { recursive: true });
    truncateSync(path.join(template, 'global', 'pg_control'), 100);

    const store = await createStore({ databaseUrl: null, dataDir: fresh(), embeddedTemplateDir: template });
    try {
      expect(await systemIdentifier(store)).not.toBe(sharedId);
      expect(await store.query('SELECT count(*)::int AS n FROM audit_log')).toEqual([{ n: 0 }]);
    } finally {
      await store.close();
    }
    expect(existsSync(template)).toBe(false);
  }, SLOW);
});

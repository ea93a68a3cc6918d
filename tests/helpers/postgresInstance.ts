import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A PostgreSQL server of the test's own, on a free port, that the test may stop, start,
 * freeze and thaw without disturbing anything else. Uses the machine's PostgreSQL
 * binaries (`apt-get install -y postgresql`); as root it runs them as the postgres user,
 * as PostgreSQL requires.
 */
export interface PostgresInstance {
  /** Superuser URL of the `postgres` database (trust authentication). */
  url: string;
  /** The postmaster's process id (its backends are its children). */
  pid(): number;
  stop(): void;
  start(): void;
  /** SIGSTOP to the postmaster and every backend: connections stay open and go silent. */
  freeze(): void;
  /** SIGCONT to the same processes. */
  thaw(): void;
  /** Runs SQL with psql, blocking this process until it is done; its output, unaligned. */
  psqlSync(sql: string): string;
  destroy(): void;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  let versions: string[] = [];
  try {
    versions = readdirSync(root).filter((v) => /^\d+$/.test(v));
  } catch {
    // no PostgreSQL at all
  }
  const version = versions.sort((a, b) => Number(a) - Number(b)).pop();
  if (!version) throw new Error('no PostgreSQL binaries under /usr/lib/postgresql (apt-get install -y postgresql, or run .ci/run)');
  return path.join(root, version, 'bin');
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Direct children of a process, from /proc. */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command may contain spaces and parentheses: the fields after its closing ')' are fixed.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/**
 * Removes the server when this process ends, however it ends: normally, or on SIGINT,
 * SIGTERM or SIGHUP (the signal is then raised again, so the process still ends by it).
 * For servers that outlive a test file; one that a test file starts, it removes itself.
 */
export function removeOnExit(server: PostgresInstance): void {
  process.once('exit', () => server.destroy());
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      server.destroy();
      process.kill(process.pid, signal);
    });
  }
}

/**
 * `durable`: PostgreSQL's defaults (fsync, synchronous commit, full-page writes), as in
 * production — for the benchmark, which measures how long answers wait for their audit
 * records to be durable. Without it, durability is off: tests do not measure it.
 */
export async function startPostgresInstance(options: { durable?: boolean } = {}): Promise<PostgresInstance> {
  const bin = binDir();
  const dir = mkdtempSync(path.join(tmpdir(), 'gw-pg-'));
  const data = path.join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]) =>
    asRoot
      ? execFileSync('runuser', ['-u', 'postgres', '--', path.join(bin, cmd), ...args], { stdio: 'pipe' })
      : execFileSync(path.join(bin, cmd), args, { stdio: 'pipe' });
  if (asRoot) execFileSync('chown', ['postgres:postgres', dir]);
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const running = () => {
    try {
      run('pg_ctl', ['-D', data, 'status']);
      return true;
    } catch {
      return false;
    }
  };
  // Durability is not under test here; a whole test run's gateways and processes share one server.
  const settings = [`-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', ...(options.durable ? [] : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off']), '-c max_connections=300'];
  const start = () => {
    if (running()) return;
    run('pg_ctl', ['-D', data, '-l', path.join(dir, 'server.log'), '-w', '-o', settings.join(' '), 'start']);
  };
  const postmaster = () => Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  let frozen: number[] = [];
  let destroyed = false;
  const thaw = () => {
    // In the reverse order: the postmaster last, once every process it watches runs again.
    for (const pid of [...frozen].reverse()) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // gone
      }
    }
    frozen = [];
  };
  start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    pid: postmaster,
    stop: () => {
      if (running()) run('pg_ctl', ['-D', data, '-w', '-m', 'fast', 'stop']);
    },
    start,
    freeze: () => {
      const main = postmaster();
      // The postmaster first, so that it forks no backend that would escape the freeze.
      process.kill(main, 'SIGSTOP');
      frozen = [main, ...childrenOf(main)];
      for (const pid of frozen.slice(1)) process.kill(pid, 'SIGSTOP');
    },
    thaw,
    psqlSync: (sql) => run('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-XAtq', '-c', sql]).toString().trim(),
    destroy: () => {
      if (destroyed) return;
      destroyed = true;
      thaw();
      try {
        run('pg_ctl', ['-D', data, '-w', '-m', 'immediate', 'stop']);
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

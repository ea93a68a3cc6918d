import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

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

function cli(port: number, ...args: string[]): string {
  // stderr is dropped: while a node starts, "Could not connect" is expected and polled past.
  return execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
}

async function waitFor(test: () => boolean, what: string, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      if (test()) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Redis nodes of the test's own, on free ports, that it may stop and start again. */
export interface RedisSetup {
  kind: 'single' | 'cluster';
  /** Gateway settings pointing at it. */
  env: Record<string, string>;
  ports: number[];
  /** Every key with its value, across all nodes. */
  dump(): Map<string, string>;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** SIGSTOP: the node keeps its connections open and answers nothing (a hung Redis). */
  freeze(): void;
  /** SIGCONT after freeze(). */
  thaw(): void;
  destroy(): Promise<void>;
}

function signal(nodes: Map<number, ChildProcess>, sig: NodeJS.Signals): void {
  for (const child of nodes.values()) child.kill(sig);
}

async function startNodes(ports: number[], dir: string, extra: (port: number) => string[]): Promise<Map<number, ChildProcess>> {
  const nodes = new Map<number, ChildProcess>();
  let missing: Error | undefined;
  for (const port of ports) {
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extra(port)], { stdio: 'ignore' });
    child.once('error', (err) => {
      missing = err;
    });
    nodes.set(port, child);
  }
  for (const port of ports) {
    await waitFor(() => missing !== undefined || cli(port, 'ping') === 'PONG', `redis on ${port}`);
    if (missing) throw new Error(`cannot run redis-server (apt-get install -y redis-server, or run .ci/run): ${missing.message}`);
  }
  return nodes;
}

async function stopNodes(nodes: Map<number, ChildProcess>): Promise<void> {
  // A frozen node ignores everything but SIGKILL; let it go on so that it exits cleanly.
  signal(nodes, 'SIGCONT');
  await Promise.all(
    [...nodes.values()].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}

function dumpNode(port: number, out: Map<string, string>): void {
  const keys = cli(port, '--scan').split('\n').filter(Boolean);
  for (const key of keys) out.set(key, cli(port, 'get', key));
}

export async function startRedis(): Promise<RedisSetup> {
  const dir = mkdtempSync(path.join(tmpdir(), 'gw-redis-'));
  const port = await freePort();
  let nodes = await startNodes([port], dir, () => []);
  return {
    kind: 'single',
    env: { REDIS_URL: `redis://127.0.0.1:${port}` },
    ports: [port],
    dump: () => {
      const out = new Map<string, string>();
      dumpNode(port, out);
      return out;
    },
    stop: () => stopNodes(nodes),
    start: async () => {
      nodes = await startNodes([port], dir, () => []);
    },
    freeze: () => signal(nodes, 'SIGSTOP'),
    thaw: () => signal(nodes, 'SIGCONT'),
    destroy: async () => {
      await stopNodes(nodes);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Three masters, no replicas, created with redis-cli --cluster create. */
export async function startRedisCluster(): Promise<RedisSetup> {
  const dir = mkdtempSync(path.join(tmpdir(), 'gw-redis-cluster-'));
  const ports = [await freePort(), await freePort(), await freePort()];
  const clusterArgs = (port: number) => ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '2000'];
  let nodes = await startNodes(ports, dir, clusterArgs);
  execFileSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { stdio: 'pipe' });
  const ready = () => waitFor(() => ports.every((p) => cli(p, 'cluster', 'info').includes('cluster_state:ok')), 'cluster_state:ok', 60_000);
  await ready();
  return {
    kind: 'cluster',
    env: { REDIS_CLUSTER_NODES: ports.map((p) => `127.0.0.1:${p}`).join(',') },
    ports,
    dump: () => {
      const out = new Map<string, string>();
      for (const p of ports) dumpNode(p, out);
      return out;
    },
    stop: () => stopNodes(nodes),
    start: async () => {
      // The nodes keep their cluster configuration files, so they find each other again.
      nodes = await startNodes(ports, dir, clusterArgs);
      await ready();
    },
    freeze: () => signal(nodes, 'SIGSTOP'),
    thaw: () => signal(nodes, 'SIGCONT'),
    destroy: async () => {
      await stopNodes(nodes);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { generateDataset } from '../mocks/data/generateDataset';
import { startMockRegistries } from '../mocks/startMockRegistries';
import { rotateKeys } from '../src/keys/loadKeyRing';
import { buildManifest } from '../src/persisted/manifest';
import { removeOnExit, startPostgresInstance } from '../tests/helpers/postgresInstance';
import { externalServices } from '../tests/helpers/externalServices';
import { startRedis } from '../tests/helpers/redisInstances';
import { startTestIdentityProvider } from '../tests/helpers/testIdentityProvider';
import { HOUSEHOLD, OPERATIONS, PING, PREFILL, type QueryName } from './queries';

/**
 * `npm run bench`: the gateway in production mode (authentication, access control,
 * audit, persisted operations) against two baselines started in the same run — a bare
 * Apollo Server 5 serving the same shapes from memory, and a raw node:http server
 * returning the pre-built JSON — under the same load from a separate process.
 */
const ROOT = path.join(__dirname, '..');
const CONNECTIONS = numberKnob('BENCH_CONNECTIONS', 50, 1);
/**
 * A number named by the variable `name`, or `fallback` when it is unset or blank; a value that
 * is not a finite number of at least `min` (a whole one when `whole`) stops the run before
 * anything starts. Durations are whole seconds: autocannon measures in one-second samples.
 */
function numberKnob(name: string, fallback: number, min: number, whole = true): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || (whole && !Number.isInteger(value))) {
    throw new Error(`${name}: ${whole ? 'a whole number' : 'a number'} of at least ${min}, not ${JSON.stringify(process.env[name])}`);
  }
  return value;
}
const DURATION = numberKnob('BENCH_DURATION_S', 8, 1);
/**
 * Load before each measurement, on the same process and query: long enough for V8 to have
 * compiled the path (with 2 s its optimising compiler was still at work in the measured
 * seconds, and the first query of each gateway measured partly unoptimised code).
 */
const WARMUP = numberKnob('BENCH_WARMUP_S', 10, 0);
/** The measured load of the `profile` part, and the part of its profile summarised. */
const PROFILED_S = 5;
/** The fixed-rate run after each throughput run: this share of the throughput measured, for this long. */
const FIXED_RATE_SHARE = numberKnob('BENCH_FIXED_RATE_SHARE', 0.5, 0, false);
const FIXED_DURATION = numberKnob('BENCH_FIXED_DURATION_S', 5, 0);
/** The in-process layer of decoded records, for the `decoded` target (and `BENCH_AGAINST_MODE=decoded`). */
const DECODED_TTL_MS = numberKnob('BENCH_DECODED_TTL_MS', 2000, 1);
/** Workers of the `workers` target. */
const WORKERS = numberKnob('BENCH_WORKERS', 2, 1);
const PARTS = ['cold', 'warm', 'decoded', 'workers', 'frozen', 'apollo', 'raw', 'profile'];
/** While iterating on one path: `BENCH_ONLY=warm,apollo` runs only those parts (see PARTS). */
const ONLY = new Set((process.env.BENCH_ONLY ?? PARTS.join(',')).split(',').map((s) => s.trim()));
for (const part of ONLY) if (part !== 'none' && !PARTS.includes(part)) throw new Error(`BENCH_ONLY: no part named ${JSON.stringify(part)} (parts: ${PARTS.join(', ')}, or none)`);
/** `BENCH_AGAINST=<git revision>`: also measures that revision, alternating with this checkout. */
const AGAINST = process.env.BENCH_AGAINST;
const ROUNDS = numberKnob('BENCH_ROUNDS', 3, 1);
/**
 * Which path the comparison measures: `warm` (default), `cold` (cache off, every record from
 * the registries) or `decoded` (warm, with CACHE_DECODED_TTL_MS set for both builds: a build
 * that does not know the setting runs without the layer).
 */
const AGAINST_MODE = oneOf('BENCH_AGAINST_MODE', ['warm', 'cold', 'decoded'] as const, 'warm');
/** One of `allowed`, named by the variable `name` (or its default); a value it does not know stops the run. */
function oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
  const value = process.env[name] ?? fallback;
  const known = allowed.find((a) => a === value);
  if (known === undefined) throw new Error(`${name}: one of ${allowed.join(', ')}, not ${JSON.stringify(value)}`);
  return known;
}
/** What the `profile` part profiles: `warm` (default) or `decoded`, under `BENCH_PROFILE_QUERY` (household). */
const PROFILE_MODE = oneOf('BENCH_PROFILE', ['warm', 'decoded'] as const, 'warm');
const PROFILE_QUERY = oneOf('BENCH_PROFILE_QUERY', Object.keys(OPERATIONS) as QueryName[], 'household');

interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  cpuSeconds: number;
}

/** The machine's load average (1, 5, 15 minutes): a busy machine shows here, whoever made it busy. */
type Load = [number, number, number];
const loadAverage = (): Load => loadavg().map((x) => Math.round(x * 100) / 100) as Load;

interface Run extends LoadResult {
  target: string;
  query: QueryName;
  /** Load average before the throughput run and after the fixed-rate run. */
  loadBefore: Load;
  loadAfter?: Load;
  /** At a fixed rate of `FIXED_RATE_SHARE` of the throughput measured: latency below saturation. */
  fixedRate?: { rate: number; requests: number; rps: number; p50: number; p99: number; errors: number; gatewayCpuMsPerQuery?: number };
  registryCallsPerQuery?: number;
  redisRoundTripsPerQuery?: number;
  /** Redis calls that failed (a timeout of a busy Redis included) or were skipped by its breaker: the gateway went to the registries instead. */
  redisFailuresPerQuery?: number;
  auditTransactionsPerQuery?: number;
  auditRecordsPerQuery?: number;
  auditWaitMsPerQuery?: number;
  /** CPU time the gateway's processes (the one started, and its workers) spent per query: steadier than req/s on a shared machine. */
  gatewayCpuMsPerQuery?: number;
  cpu?: { machineBusyPercent: number; byProcessPercent: Record<string, number> };
}

/** The Node flags `npm start` runs the gateway with, read from a checkout's package.json. */
function gatewayFlags(root: string): string[] {
  const start = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  return /node ((?:--\S+ )*)(?:dist\/src\/main\.js|src\/start\.cjs)/.exec(start)?.[1]?.trim().split(' ').filter(Boolean) ?? [];
}

/** `BENCH_NODE_FLAGS`: Node or V8 flags added to the gateway's own, to try one (e.g. a garbage collector setting) before changing `npm start`. */
const EXTRA_NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);

/** The gateway of a checkout, started as `npm start` starts it (after its build). */
function gatewayArgs(root: string, extra: string[] = []): string[] {
  return [...gatewayFlags(root), ...EXTRA_NODE_FLAGS, ...extra, path.join(root, 'dist/src/main.js')];
}

function startProcess(args: string[], env: Record<string, string>): Promise<{ child: ChildProcess; port: number; startupMs: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')} did not start:\n${out}`)), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /Gateway ready at http:\/\/[^:]+:(\d+)|^ready (\d+)/m.exec(out);
      if (m) {
        clearTimeout(timer);
        // Keep draining: the gateway logs a line per request.
        child.stdout?.removeAllListeners('data');
        child.stdout?.resume();
        resolve({ child, port: Number(m[1] ?? m[2]), startupMs: Math.round(performance.now() - started) });
      }
    });
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}:\n${out}`)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** The load before a measurement, on the same process and query; none with `BENCH_WARMUP_S=0`. */
async function warmUp(url: string, body: string, headers: Record<string, string>): Promise<void> {
  if (WARMUP > 0) await load(url, body, headers, WARMUP);
}

/** Runs the load generator in its own process; this process stays free to serve the mock registries. */
function load(url: string, body: string, headers: Record<string, string>, duration: number, rate?: number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'load.ts'), JSON.stringify({ url, body, headers, connections: CONNECTIONS, duration, rate })], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop() as string) as LoadResult) : reject(new Error(`load generator exited with ${code}`))));
  });
}

/** CPU time (clock ticks) of the whole machine, busy and total, from /proc/stat. */
function machineTicks(): { busy: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
  const total = cpu.reduce((a, b) => a + b, 0);
  return { busy: total - (cpu[3] ?? 0) - (cpu[4] ?? 0), total };
}

/**
 * CPU ticks (USER_HZ, 100 a second) used so far by process `pid` and every process under
 * it — the workers of a gateway started with WORKERS — from /proc: their own time, and that
 * of their children already reaped. Only processes this run started are ever counted, by
 * pid: nothing else on the machine (other PostgreSQL clients, other users) is attributed to them.
 */
function treeTicks(pid: number): number {
  const stats = new Map<number, string[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      stats.set(Number(d), readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []);
    } catch {
      // the process ended meanwhile
    }
  }
  const children = new Map<number, number[]>();
  for (const [p, f] of stats) {
    const parent = Number(f[1]);
    children.set(parent, [...(children.get(parent) ?? []), p]);
  }
  let ticks = 0;
  const walk = (p: number) => {
    const f = stats.get(p);
    // utime, stime, cutime, cstime: fields 14-17 of /proc/<pid>/stat.
    if (f) ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    for (const c of children.get(p) ?? []) walk(c);
  };
  walk(pid);
  return ticks;
}

/** This process's CPU in ticks: the runner serves the mock registries and the identity provider. */
const runnerTicks = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 10_000;
};

async function metric(base: string, name: string): Promise<number> {
  let text = '';
  for (let attempt = 0; ; attempt++) {
    try {
      text = await (await fetch(`${base}/metrics`)).text();
      break;
    } catch (err) {
      if (attempt === 2) throw new Error(`cannot read ${base}/metrics: ${(err as { cause?: Error }).cause?.message ?? (err as Error).message}`);
    }
  }
  return text
    .split('\n')
    .filter((l) => l.startsWith(name) && !l.startsWith('#'))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

/**
 * Self time per function in a V8 CPU profile, and per area (library or gateway module), over
 * its last `lastMs` only: the measured load, not the start-up and warm-up before it.
 */
function summarizeProfile(file: string, lastMs: number): { top: { ms: number; share: number; fn: string }[]; areas: { ms: number; share: number; area: string }[] } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const at: number[] = [];
  let t = 0;
  for (const delta of profile.timeDeltas) at.push((t += delta));
  const from = t - lastMs * 1000;
  profile.samples.forEach((s, i) => {
    if ((at[i] ?? 0) >= from) self.set(s, (self.get(s) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const fns = new Map<string, number>();
  const areas = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    const n = byId.get(id);
    if (!n) continue;
    total += us;
    const url = n.callFrame.url.replace(/^file:\/\//, '');
    const module = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url)?.[1];
    const area = n.callFrame.functionName === '(idle)' ? '(idle)' : n.callFrame.functionName === '(garbage collector)' ? '(garbage collector)' : module ?? (url.includes('/dist/') ? `gateway ${url.split('/dist/')[1]?.split('/').slice(0, 2).join('/')}` : url.startsWith('node:') ? 'node internals' : '(native/program)');
    areas.set(area, (areas.get(area) ?? 0) + us);
    const fn = `${n.callFrame.functionName || '(anonymous)'} ${module ?? url.split('/dist/')[1] ?? url}:${n.callFrame.lineNumber + 1}`;
    fns.set(fn, (fns.get(fn) ?? 0) + us);
  }
  const busy = total - (areas.get('(idle)') ?? 0);
  const rank = <K extends string>(m: Map<string, number>, key: K) =>
    [...m].filter(([k]) => k !== '(idle)' && !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, 15).map(([k, us]) => ({ ms: Math.round(us / 1000), share: Math.round((us / busy) * 1000) / 10, [key]: k }) as { ms: number; share: number } & Record<K, string>);
  return { top: rank(fns, 'fn'), areas: rank(areas, 'area') };
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const loadAtStart = loadAverage();
  process.stdout.write(`building...\n`);
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  const dataset = generateDataset({ seed: 'vn-registry-gateway', size: 20_000 });
  const mocks = await startMockRegistries({ seed: dataset.seed, size: dataset.people.size, dataset, latency: { minMs: 5, maxMs: 20 } });
  const idp = await startTestIdentityProvider();
  // A PostgreSQL server of this run's own, durable as in production (the tests' is not): the
  // audit's wait for durable records is part of what is measured, and its CPU is counted by pid.
  const postgres = await startPostgresInstance({ durable: true });
  removeOnExit(postgres);
  postgres.psqlSync('CREATE DATABASE gw_bench');
  const db = { url: postgres.url.replace(/\/postgres$/, '/gw_bench') };
  const dir = mkdtempSync(path.join(tmpdir(), 'gw-bench-'));
  await rotateKeys(path.join(dir, 'keys'));
  const manifest = buildManifest([{ file: 'bench/queries.ts', text: `${HOUSEHOLD}\n${PREFILL}\n${PING}` }]);
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  const subject = dataset.personas.find((p) => p.key === 'household-of-five')?.personalId as string;
  const token = await idp.sign({ sub: 'canbo.bench', agency: 'CA_HN', scope: 'residence.process' }, { expiresIn: '2h' });
  const headers = { authorization: `Bearer ${token}`, 'x-purpose': 'CT01_RESIDENCE' };
  const bodyFor = (query: QueryName) =>
    JSON.stringify({
      extensions: { persistedQuery: { version: 1, sha256Hash: manifest.operations.find((o) => o.name === OPERATIONS[query].name)?.id } },
      ...(OPERATIONS[query].takesId ? { variables: { id: subject } } : {}),
    });
  // As a client that is not the gateway sends them: the document itself.
  const documentFor = (query: QueryName) =>
    JSON.stringify({ query: OPERATIONS[query].text.replace('PersonalId!', 'ID!'), ...(OPERATIONS[query].takesId ? { variables: { id: subject } } : {}) });
  const baseEnv = {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'info',
    ...externalServices(mocks, idp, db.url),
    SIGNING_KEY_DIR: path.join(dir, 'keys'),
    DATA_DIR: dir,
    PERSISTED_OPERATIONS: path.join(dir, 'manifest.json'),
    RATE_LIMIT_OFFICIAL_LOOKUPS: '10000000',
    RATE_LIMIT_AGENCY_LOOKUPS: '10000000',
  };
  const warmEnv = {
    CACHE_MODE: 'redis',
    REDIS_URL: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
    CACHE_PREFIX: `bench-${randomBytes(4).toString('hex')}:`,
    CACHE_HMAC_SECRET: randomBytes(32).toString('base64'),
    CACHE_ENCRYPTION_KEYS: `b1:${randomBytes(32).toString('base64')}`,
  };

  const runs: Run[] = [];
  /** `gateway_cache_up` read at the end of the frozen-Redis target: 0 when the gateway saw Redis was gone. */
  let cacheUpWhileFrozen: number | null = null;
  const captured: Record<string, unknown> = {};
  const startups: Record<string, number> = {};
  let rssMb = 0;
  const registryCalls = () => Object.values(mocks.servers).reduce((sum, s) => sum + s.stats().requests, 0);

  /**
   * One target under one query: the most it does (closed loop, `CONNECTIONS`), then the
   * latency at a fixed rate of `FIXED_RATE_SHARE` of that. CPU is counted for the processes
   * this run started, by pid: the target (with its workers), the load generator, this runner.
   */
  const measure = async (pid: number, url: string, body: string, reqHeaders: Record<string, string>) => {
    const loadBefore = loadAverage();
    const cpuBefore = machineTicks();
    const targetBefore = treeTicks(pid);
    const runnerBefore = runnerTicks();
    const postgresBefore = treeTicks(postgres.pid());
    const result = await load(url, body, reqHeaders, DURATION);
    const cpuAfter = machineTicks();
    const targetTicks = treeTicks(pid) - targetBefore;
    const spent = Math.max(1, cpuAfter.total - cpuBefore.total);
    const share = (ticks: number) => Math.round((ticks / spent) * 100);
    const machineBusy = cpuAfter.busy - cpuBefore.busy;
    const ours = {
      target: targetTicks,
      'PostgreSQL (started by the bench)': treeTicks(postgres.pid()) - postgresBefore,
      'load generator': result.cpuSeconds * 100,
      'runner (mock registries, identity provider)': runnerTicks() - runnerBefore,
    };
    const cpu = {
      machineBusyPercent: share(machineBusy),
      // Shares of all the machine's CPU time (every core) during the run; "not started by the bench" is the rest of the busy time (Redis, anyone else).
      byProcessPercent: {
        ...Object.fromEntries(Object.entries(ours).map(([k, v]) => [k, share(v)])),
        'not started by the bench': share(Math.max(0, machineBusy - Object.values(ours).reduce((a, b) => a + b, 0))),
      },
    };
    let fixedRate: Run['fixedRate'];
    if (FIXED_RATE_SHARE > 0 && FIXED_DURATION > 0 && result.rps > 0) {
      const rate = Math.max(1, Math.round(result.rps * FIXED_RATE_SHARE));
      const before = treeTicks(pid);
      const fixed = await load(url, body, reqHeaders, FIXED_DURATION, rate);
      fixedRate = { rate, requests: fixed.requests, rps: Math.round(fixed.rps), p50: fixed.p50, p99: fixed.p99, errors: fixed.errors + fixed.non2xx, gatewayCpuMsPerQuery: round(((treeTicks(pid) - before) * 10) / Math.max(1, fixed.requests)) };
    }
    return { result, cpu, targetCpuMsPerQuery: round((targetTicks * 10) / Math.max(1, result.requests)), fixedRate, loadBefore, loadAfter: loadAverage() };
  };

  const modes = {
    cold: { target: 'gateway (cache off)', env: { CACHE_MODE: 'off' }, queries: ['household', 'prefill'] as const, metrics: true },
    // The pipeline's own cost does not depend on the cache: ping is measured warm.
    warm: { target: 'gateway (cache warm)', env: warmEnv, queries: ['household', 'prefill', 'ping'] as const, metrics: true },
    decoded: { target: `gateway (cache warm, decoded ${DECODED_TTL_MS} ms)`, env: { ...warmEnv, CACHE_DECODED_TTL_MS: String(DECODED_TTL_MS) }, queries: ['household', 'prefill'] as const, metrics: true },
    // A scrape of /metrics reaches one worker: the figures read from it would be partial.
    workers: { target: `gateway (cache warm, WORKERS=${WORKERS})`, env: { ...warmEnv, WORKERS: String(WORKERS) }, queries: ['household', 'prefill', 'ping'] as const, metrics: false },
    // A Redis of the run's own, warmed, then frozen (SIGSTOP: the socket stays open and says nothing).
    frozen: { target: 'gateway (Redis frozen)', env: warmEnv, queries: ['household', 'prefill'] as const, metrics: true },
  };
  for (const mode of (['cold', 'warm', 'decoded', 'workers', 'frozen'] as const).filter((m) => ONLY.has(m))) {
    const { target, env, queries, metrics } = modes[mode];
    const frozenRedis = mode === 'frozen' ? await startRedis() : null;
    const gateway = await startProcess(gatewayArgs(ROOT), { ...baseEnv, ...env, ...frozenRedis?.env });
    startups[target] = gateway.startupMs;
    const base = `http://127.0.0.1:${gateway.port}`;
    for (const query of queries) {
      const body = bodyFor(query);
      const first = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
      const json = (await first.json()) as { data?: unknown; errors?: unknown };
      if (!json.data || json.errors) throw new Error(`the ${query} query failed: ${JSON.stringify(json).slice(0, 500)}`);
      captured[query] ??= json.data;
      await warmUp(`${base}/graphql`, body, headers);
      if (frozenRedis && query === queries[0]) frozenRedis.freeze();
      const snapshot = async () =>
        metrics
          ? {
              redis: await metric(base, 'gateway_cache_round_trips_total'),
              redisFailed: (await metric(base, 'gateway_cache_errors_total')) + (await metric(base, 'gateway_cache_skipped_total')),
              tx: await metric(base, 'gateway_audit_transactions_total'),
              rec: await metric(base, 'gateway_audit_records_total'),
              wait: await metric(base, 'gateway_audit_wait_seconds_sum'),
            }
          : null;
      const callsBefore = registryCalls();
      const before = await snapshot();
      const m = await measure(gateway.child.pid as number, `${base}/graphql`, body, headers);
      const calls = registryCalls() - callsBefore;
      const n = Math.max(1, m.result.requests + (m.fixedRate?.requests ?? 0));
      const after = await snapshot();
      runs.push({
        target,
        query,
        ...m.result,
        loadBefore: m.loadBefore,
        loadAfter: m.loadAfter,
        fixedRate: m.fixedRate,
        // Counted over both runs (the counters cannot tell them apart).
        registryCallsPerQuery: round(calls / n),
        ...(before && after
          ? {
              redisRoundTripsPerQuery: round((after.redis - before.redis) / n),
              redisFailuresPerQuery: round((after.redisFailed - before.redisFailed) / n),
              auditTransactionsPerQuery: round((after.tx - before.tx) / n),
              auditRecordsPerQuery: round((after.rec - before.rec) / n),
              auditWaitMsPerQuery: round(((after.wait - before.wait) * 1000) / n),
            }
          : {}),
        gatewayCpuMsPerQuery: m.targetCpuMsPerQuery,
        cpu: m.cpu,
      });
      process.stdout.write(`  ${target} ${query}: ${Math.round(m.result.rps)} req/s; at ${m.fixedRate?.rate ?? '-'} req/s p50 ${m.fixedRate?.p50 ?? '-'} p99 ${m.fixedRate?.p99 ?? '-'} ms; load ${m.loadBefore[0]} -> ${m.loadAfter[0]}\n`);
    }
    if (mode === 'warm') rssMb = Math.round((await metric(base, 'process_resident_memory_bytes')) / 1_048_576);
    if (frozenRedis) cacheUpWhileFrozen = await metric(base, 'gateway_cache_up');
    await stop(gateway.child);
    await frozenRedis?.destroy();
  }

  if (Object.keys(captured).length === 0 && (ONLY.has('apollo') || ONLY.has('raw'))) {
    throw new Error('the baselines serve what the gateway answered: BENCH_ONLY must include cold, warm or decoded');
  }
  const bodies = { household: JSON.stringify({ data: captured.household }), prefill: JSON.stringify({ data: captured.prefill }), ping: JSON.stringify({ data: captured.ping ?? { __typename: 'Query' } }) };
  const baselines = [
    ['apollo', 'bare Apollo Server 5', 'baselineApollo.ts', () => ({ BENCH_DATA: JSON.stringify({ household: (captured.household as { citizen: unknown }).citizen, prefill: (captured.prefill as { prefill: unknown }).prefill }) })],
    ['raw', 'raw node:http', 'baselineRaw.ts', () => ({ BENCH_BODIES: JSON.stringify(bodies) })],
  ] as const;
  for (const [, name, script, env] of baselines.filter(([key]) => ONLY.has(key))) {
    const baseline = await startProcess(['--import', 'tsx', path.join(__dirname, script)], env());
    startups[name] = baseline.startupMs;
    const base = `http://127.0.0.1:${baseline.port}`;
    for (const query of ['household', 'prefill', 'ping'] as const) {
      const body = documentFor(query);
      await warmUp(base, body, {});
      const m = await measure(baseline.child.pid as number, base, body, {});
      runs.push({ target: name, query, ...m.result, loadBefore: m.loadBefore, loadAfter: m.loadAfter, fixedRate: m.fixedRate, gatewayCpuMsPerQuery: m.targetCpuMsPerQuery, cpu: m.cpu });
      process.stdout.write(`  ${name} ${query}: ${Math.round(m.result.rps)} req/s; at ${m.fixedRate?.rate ?? '-'} req/s p50 ${m.fixedRate?.p50 ?? '-'} p99 ${m.fixedRate?.p99 ?? '-'} ms; load ${m.loadBefore[0]} -> ${m.loadAfter[0]}\n`);
    }
    await stop(baseline.child);
  }

  // Before and after: this checkout against another revision, built in a temporary worktree and
  // measured in alternating rounds, so that drift in the machine's speed falls on both alike.
  let comparison: Record<string, unknown> | null = null;
  if (AGAINST) {
    const tree = mkdtempSync(path.join(tmpdir(), 'gw-bench-against-'));
    execFileSync('git', ['worktree', 'add', '--detach', tree, AGAINST], { cwd: ROOT, stdio: 'ignore' });
    try {
      symlinkSync(path.join(ROOT, 'node_modules'), path.join(tree, 'node_modules'));
      process.stdout.write(`building ${AGAINST}...\n`);
      execFileSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: tree, stdio: 'inherit' });
      const builds = [
        ['this checkout', ROOT],
        [AGAINST, tree],
      ] as const;
      const samples: Record<string, Record<string, { rps: number; p99: number; cpuMs: number; postgresCpuMs: number; load: [number, number] }[]>> = {};
      const againstEnv = AGAINST_MODE === 'cold' ? { CACHE_MODE: 'off' } : AGAINST_MODE === 'decoded' ? { ...warmEnv, CACHE_DECODED_TTL_MS: String(DECODED_TTL_MS) } : warmEnv;
      for (let turn = 0; turn < ROUNDS; turn++) {
        for (const [name, root] of turn % 2 ? [...builds].reverse() : builds) {
          const gateway = await startProcess(gatewayArgs(root), { ...baseEnv, ...againstEnv });
          const url = `http://127.0.0.1:${gateway.port}/graphql`;
          for (const query of ['household', 'prefill'] as const) {
            const body = bodyFor(query);
            await warmUp(url, body, headers);
            const loadBefore = loadAverage()[0];
            const ticks = treeTicks(gateway.child.pid as number);
            const postgresTicks = treeTicks(postgres.pid());
            const result = await load(url, body, headers, DURATION);
            const perQuery = (t: number) => round((t * 10) / Math.max(1, result.requests));
            const cpuMs = perQuery(treeTicks(gateway.child.pid as number) - ticks);
            const postgresCpuMs = perQuery(treeTicks(postgres.pid()) - postgresTicks);
            ((samples[query] ??= {})[name] ??= []).push({ rps: Math.round(result.rps), p99: result.p99, cpuMs, postgresCpuMs, load: [loadBefore, loadAverage()[0]] });
          }
          await stop(gateway.child);
        }
        process.stdout.write(`  comparison round ${turn + 1}/${ROUNDS} done\n`);
      }
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
      comparison = Object.fromEntries(
        Object.entries(samples).map(([query, byBuild]) => {
          const summary = Object.fromEntries(Object.entries(byBuild).map(([name, xs]) => [name, { rps: median(xs.map((x) => x.rps)), p99: median(xs.map((x) => x.p99)), cpuMsPerQuery: median(xs.map((x) => x.cpuMs)), postgresCpuMsPerQuery: median(xs.map((x) => x.postgresCpuMs)), samples: xs }]));
          const a = summary['this checkout'];
          const b = summary[AGAINST];
          return [
            query,
            {
              ...summary,
              rpsRatio: a && b ? round(a.rps / b.rps) : null,
              cpuRatio: a && b ? round(a.cpuMsPerQuery / b.cpuMsPerQuery) : null,
              postgresCpuRatio: a && b ? round(a.postgresCpuMsPerQuery / b.postgresCpuMsPerQuery) : null,
            },
          ];
        }),
      );
    } finally {
      execFileSync('git', ['worktree', 'remove', '--force', tree], { cwd: ROOT, stdio: 'ignore' });
    }
  }

  // A CPU profile of the warm household path (or `BENCH_PROFILE`, `BENCH_PROFILE_QUERY`), in a run of its own so it does not skew the figures.
  let profile: (ReturnType<typeof summarizeProfile> & { path: string; query: QueryName }) | null = null;
  if (ONLY.has('profile')) {
    const profileDir = path.join(ROOT, 'bench', 'results', 'profile');
    rmSync(profileDir, { recursive: true, force: true });
    mkdirSync(profileDir, { recursive: true });
    const profileEnv = PROFILE_MODE === 'decoded' ? { ...warmEnv, CACHE_DECODED_TTL_MS: String(DECODED_TTL_MS) } : warmEnv;
    const profiledQuery = PROFILE_QUERY;
    const profiled = await startProcess(gatewayArgs(ROOT, ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]), { ...baseEnv, ...profileEnv });
    const profiledBase = `http://127.0.0.1:${profiled.port}/graphql`;
    await warmUp(profiledBase, bodyFor(profiledQuery), headers);
    await load(profiledBase, bodyFor(profiledQuery), headers, PROFILED_S);
    await stop(profiled.child);
    const profileFile = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
    profile = profileFile ? { path: PROFILE_MODE, query: profiledQuery, ...summarizeProfile(path.join(profileDir, profileFile), PROFILED_S * 1000) } : null;
  }

  const rps = (target: string, query: string) => runs.find((r) => r.target === target && r.query === query)?.rps;
  const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined ? [round(a / b)] : []);
  const ratios = Object.fromEntries(
    (['household', 'prefill', 'ping'] as const).flatMap((q) =>
      [
        [`${q}: warm gateway / bare Apollo`, ...ratio(rps('gateway (cache warm)', q), rps('bare Apollo Server 5', q))],
        [`${q}: warm gateway / raw node:http`, ...ratio(rps('gateway (cache warm)', q), rps('raw node:http', q))],
        [`${q}: cold gateway / bare Apollo`, ...ratio(rps('gateway (cache off)', q), rps('bare Apollo Server 5', q))],
        [`${q}: warm gateway with decoded records / bare Apollo`, ...ratio(rps(modes.decoded.target, q), rps('bare Apollo Server 5', q))],
        [`${q}: warm gateway, WORKERS=${WORKERS} / bare Apollo`, ...ratio(rps(modes.workers.target, q), rps('bare Apollo Server 5', q))],
        [`${q}: Redis frozen / cache off`, ...ratio(rps(modes.frozen.target, q), rps(modes.cold.target, q))],
      ].filter((pair) => pair.length === 2),
    ),
  );
  const results = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
    settings: {
      connections: CONNECTIONS,
      durationSeconds: DURATION,
      warmupSeconds: WARMUP,
      registryLatencyMs: '5-20',
      mode: 'NODE_ENV=production, persisted operations, JWT, access control, audit',
      // Added to the gateway's flags only (this checkout's and a compared revision's), not to the baselines'.
      ...(EXTRA_NODE_FLAGS.length > 0 ? { gatewayNodeFlags: EXTRA_NODE_FLAGS } : {}),
    },
    startupMs: startups,
    rssMbAfterLoad: rssMb,
    ...(ONLY.has('frozen') ? { cacheUpWhileRedisFrozen: cacheUpWhileFrozen } : {}),
    runs,
    ratios,
    comparison: comparison ? { against: AGAINST, path: AGAINST_MODE, rounds: ROUNDS, ...comparison } : undefined,
    profile,
    elapsedSeconds: Math.round((performance.now() - t0) / 1000),
    loadAverage: { start: loadAtStart, end: loadAverage() },
  };
  const partial = PARTS.some((p) => !ONLY.has(p)) || AGAINST || EXTRA_NODE_FLAGS.length > 0;
  const name = `${results.date.slice(0, 10)}${partial ? `-${[...ONLY, ...(AGAINST ? ['against', AGAINST.replace(/[^\w.-]/g, '_'), AGAINST_MODE] : []), ...(EXTRA_NODE_FLAGS.length > 0 ? ['flags', EXTRA_NODE_FLAGS.join('_').replace(/[^\w.=-]/g, '_')] : [])].join('-')}` : ''}`;
  // A second run of the same day and parts keeps the first: its name gets the time of day.
  const taken = (file: string) => existsSync(path.join(ROOT, 'bench', 'results', file));
  const out = path.join(ROOT, 'bench', 'results', taken(`${name}.json`) ? `${name}-${results.date.slice(11, 19).replace(/:/g, '')}.json` : `${name}.json`);
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);

  const rows = runs.map((r) => [
    r.target,
    r.query,
    Math.round(r.rps),
    r.p50,
    r.p99,
    r.errors + r.non2xx,
    r.fixedRate ? `${r.fixedRate.rate}` : '',
    r.fixedRate ? `${r.fixedRate.p50}/${r.fixedRate.p99}` : '',
    r.registryCallsPerQuery ?? '',
    r.redisRoundTripsPerQuery ?? '',
    r.redisFailuresPerQuery ?? '',
    r.auditTransactionsPerQuery ?? '',
    r.auditRecordsPerQuery ?? '',
    r.auditWaitMsPerQuery ?? '',
    r.gatewayCpuMsPerQuery ?? '',
    `${r.loadBefore[0]}->${r.loadAfter?.[0] ?? '?'}`,
  ]);
  const head = ['target', 'query', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'fixed req/s', 'fixed p50/p99 ms', 'registry calls/q', 'redis trips/q', 'redis failed/q', 'audit tx/q', 'audit rows/q', 'audit wait ms/q', 'CPU ms/q (by pid)', 'load 1m'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells: (string | number)[]) => cells.map((c, i) => String(c).padEnd(widths[i] as number)).join('  ');
  process.stdout.write(`\n${line(head)}\n${rows.map(line).join('\n')}\n\n`);
  process.stdout.write(`machine load average (1, 5, 15 min): ${results.loadAverage.start.join(' ')} at the start, ${results.loadAverage.end.join(' ')} at the end, on ${cpus().length} CPUs\n`);
  for (const [k, v] of Object.entries(ratios)) process.stdout.write(`${k}: ${v}\n`);
  for (const r of runs.filter((x) => x.cpu)) process.stdout.write(`CPU during ${r.target} ${r.query}: machine ${r.cpu?.machineBusyPercent} % busy; ${Object.entries(r.cpu?.byProcessPercent ?? {}).map(([k, v]) => `${k} ${v} %`).join(', ')}\n`);
  process.stdout.write(`start-up: ${JSON.stringify(startups)}; RSS after load: ${rssMb} MB\n`);
  if (cacheUpWhileFrozen !== null) process.stdout.write(`gateway_cache_up while Redis was frozen: ${cacheUpWhileFrozen}\n`);
  if (comparison) {
    process.stdout.write(`\n${AGAINST_MODE} path, this checkout against ${AGAINST} (medians of ${ROUNDS} alternating rounds):\n`);
    type Summary = { rps: number; p99: number; cpuMsPerQuery: number; postgresCpuMsPerQuery: number };
    for (const [query, c] of Object.entries(comparison) as [string, Record<string, Summary | number | null>][]) {
      const a = c['this checkout'] as Summary;
      const b = c[AGAINST as string] as Summary;
      process.stdout.write(
        `  ${query}: ${a.rps} vs ${b.rps} req/s (x${String(c.rpsRatio)}), p99 ${a.p99} vs ${b.p99} ms, gateway CPU ${a.cpuMsPerQuery} vs ${b.cpuMsPerQuery} ms/q (x${String(c.cpuRatio)}), ` +
          `PostgreSQL CPU ${a.postgresCpuMsPerQuery} vs ${b.postgresCpuMsPerQuery} ms/q (x${String(c.postgresCpuRatio)})\n`,
      );
      const loads = Object.values(c).flatMap((v) => (v && typeof v === 'object' ? (v as unknown as { samples: { load: number[] }[] }).samples.flatMap((x) => x.load) : []));
      process.stdout.write(`    load average (1 min) during these rounds: ${Math.min(...loads)}-${Math.max(...loads)}\n`);
    }
  }
  if (profile) {
    process.stdout.write(`\n${profile.path === 'decoded' ? 'warm path with decoded records' : 'warm path'}, ${profile.query}, CPU by area:\n`);
    for (const a of profile.areas.slice(0, 10)) process.stdout.write(`  ${String(a.share).padStart(5)} %  ${a.area}\n`);
  }
  process.stdout.write(`\nresults: ${path.relative(ROOT, out)} (${results.elapsedSeconds} s)\n`);

  await mocks.stop();
  await idp.stop();
  postgres.destroy();
  rmSync(dir, { recursive: true, force: true });
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});

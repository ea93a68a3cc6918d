import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startMockRegistries, type MockRegistries } from '../mocks/startMockRegistries';
import { createTestDatabase, type TestDatabase } from './helpers/database';
import { envPairs, execForm, readDockerfile, type DockerStage } from './helpers/dockerfile';
import { externalServices } from './helpers/externalServices';
import { startRedis, type RedisSetup } from './helpers/redisInstances';
import { assertNoPersonalData, testDataset } from './helpers/stack';
import { startTestIdentityProvider, type TestIdentityProvider } from './helpers/testIdentityProvider';

const ROOT = path.join(__dirname, '..');
/** The image's unprivileged user (`USER node`), stood in for by nobody when the test runs as root. */
const UNPRIVILEGED = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

interface Ran {
  code: number | null;
  output: string;
}

function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; uid?: number; gid?: number }): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

async function mustRun(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<void> {
  const { code, output } = await run(command, args, options);
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output.slice(-4000)}`);
}

/** What a stage leaves behind: its WORKDIR's content in `dir`, the settings its last instructions gave. */
interface BuiltStage {
  workdir: string;
  dir: string;
  env: Record<string, string>;
  user: string | null;
  cmd: string[] | null;
  healthcheck: string[] | null;
}

/**
 * Does what `docker build` would do for one stage, into `dir`: COPY from the build
 * context or an earlier stage, ENV, USER, CMD, HEALTHCHECK, and the two kinds of RUN the
 * Dockerfile has — `npm ci` and `npm run <script>`. The build stage's development install
 * is this checkout's own node_modules (the same lockfile); the runtime stage's production
 * install is a real `npm ci`. Anything else fails the test rather than being skipped.
 */
async function reproduceStage(stage: DockerStage, dir: string, built: Map<string, BuiltStage>): Promise<BuiltStage> {
  const result: BuiltStage = { workdir: '/', dir, env: {}, user: null, cmd: null, healthcheck: null };
  const inStage = (p: string) => {
    const absolute = path.posix.resolve(result.workdir, p);
    if (!absolute.startsWith(result.workdir)) throw new Error(`${p} is outside the WORKDIR ${result.workdir}`);
    return path.join(dir, path.posix.relative(result.workdir, absolute));
  };
  for (const { keyword, flags, args } of stage.instructions) {
    switch (keyword) {
      case 'FROM':
      case 'ARG':
      case 'EXPOSE':
      case 'STOPSIGNAL':
        break;
      case 'WORKDIR':
        result.workdir = args;
        mkdirSync(dir, { recursive: true });
        break;
      case 'ENV':
        for (const [k, v] of envPairs(args)) result.env[k] = v;
        break;
      case 'USER':
        result.user = args;
        break;
      case 'CMD':
        result.cmd = execForm(args);
        break;
      case 'HEALTHCHECK': {
        if (!args.startsWith('CMD ')) throw new Error(`HEALTHCHECK in a form this test does not know: ${args}`);
        result.healthcheck = execForm(args.slice(4));
        break;
      }
      case 'COPY': {
        const parts = args.split(/\s+/);
        const dest = parts.pop() as string;
        const from = flags.from ? built.get(flags.from) : undefined;
        if (flags.from && !from) throw new Error(`COPY --from=${flags.from}: no such stage`);
        const sources = parts.flatMap((source) => {
          const base = from ? path.join(from.dir, path.posix.relative(from.workdir, source)) : path.join(ROOT, source);
          if (!path.basename(base).includes('*')) return [base];
          const pattern = new RegExp(`^${path.basename(base).replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
          return readdirSync(path.dirname(base)).filter((f) => pattern.test(f)).map((f) => path.join(path.dirname(base), f));
        });
        const target = inStage(dest);
        for (const source of sources) {
          if (!existsSync(source)) throw new Error(`COPY ${args}: ${source} does not exist`);
          const intoDirectory = dest.endsWith('/') || sources.length > 1;
          cpSync(source, intoDirectory && !readdirSafe(source) ? path.join(target, path.basename(source)) : target, { recursive: true });
        }
        break;
      }
      case 'RUN': {
        const command = args.split(/\s+/);
        const env = { ...process.env, ...result.env };
        if (command[0] === 'npm' && command[1] === 'ci' && !command.includes('--omit=dev')) {
          symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
        } else if (command[0] === 'npm' && command[1] === 'ci') {
          await mustRun('npm', [...command.slice(1), '--prefer-offline'], { cwd: dir, env });
        } else if (command[0] === 'npm' && command[1] === 'run' && command.length === 3) {
          await mustRun('npm', command.slice(1), { cwd: dir, env });
        } else {
          throw new Error(`RUN ${args}: this test does not know how to reproduce it`);
        }
        break;
      }
      default:
        throw new Error(`${keyword} ${args}: this test does not know how to reproduce it`);
    }
  }
  return result;
}

/** A directory's entries, or null for a file. */
function readdirSafe(p: string): string[] | null {
  try {
    return readdirSync(p);
  } catch {
    return null;
  }
}

describe('the production install, as the Dockerfile builds it', () => {
  const dataset = testDataset();
  let work: string;
  let image: BuiltStage;
  let mocks: MockRegistries;
  let idp: TestIdentityProvider;
  let db: TestDatabase;
  let redis: RedisSetup;
  let env: Record<string, string>;
  let gateway: ChildProcess;
  let exited: Promise<number | null>;
  let output = '';
  let url: string;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'gw-image-'));
    chmodSync(work, 0o755);
    const stages = readDockerfile(path.join(ROOT, 'Dockerfile'));
    const built = new Map<string, BuiltStage>();
    for (const [i, stage] of stages.entries()) built.set(stage.name, await reproduceStage(stage, path.join(work, `stage-${i}`), built));
    image = built.get((stages[stages.length - 1] as DockerStage).name) as BuiltStage;

    [mocks, idp, db, redis] = await Promise.all([
      startMockRegistries({ seed: dataset.seed, size: dataset.people.size, dataset, latency: { minMs: 0, maxMs: 1 } }),
      startTestIdentityProvider(),
      createTestDatabase(),
      startRedis(),
    ]);
    const keyDir = path.join(work, 'keys');
    env = {
      ...image.env,
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOST: '127.0.0.1',
      PORT: '0',
      ...externalServices(mocks, idp, db.url),
      ...redis.env,
      CACHE_HMAC_SECRET: randomBytes(32).toString('base64'),
      CACHE_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      SIGNING_KEY_DIR: keyDir,
    };
    // The first signing key, made with the installed command, as docs/DEPLOY.md says.
    await mustRun(process.execPath, ['dist/src/keys/cli.js'], { cwd: image.dir, env });
    if (UNPRIVILEGED.uid !== undefined) {
      chownSync(keyDir, UNPRIVILEGED.uid, UNPRIVILEGED.gid as number);
      for (const f of readdirSync(keyDir)) chownSync(path.join(keyDir, f), UNPRIVILEGED.uid, UNPRIVILEGED.gid as number);
    }

    const [command, ...args] = image.cmd as string[];
    expect(command).toBe('node');
    gateway = spawn(process.execPath, args, { cwd: image.dir, env, stdio: ['ignore', 'pipe', 'pipe'], ...UNPRIVILEGED });
    exited = new Promise((resolve) => gateway.once('exit', (code) => resolve(code)));
    url = await new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const m = /Gateway ready at (http:\/\/\S+)/.exec(output);
        if (m) resolve(m[1] as string);
      };
      gateway.stdout?.on('data', onData);
      gateway.stderr?.on('data', onData);
      void exited.then((code) => reject(new Error(`the gateway exited with ${code} before it was ready:\n${output}`)));
    });
  }, 300_000);

  afterAll(async () => {
    if (gateway && gateway.exitCode === null && gateway.signalCode === null) {
      gateway.kill('SIGKILL');
      await exited;
    }
    await Promise.all([mocks?.stop(), idp?.stop(), redis?.destroy()]);
    await db?.drop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('has no development-only package in node_modules when installed with npm ci --omit=dev', () => {
    const modules = path.join(image.dir, 'node_modules');
    expect(readdirSafe(modules)?.length).toBeGreaterThan(0);
    for (const dev of ['@electric-sql/pglite', 'graphiql', 'react', 'react-dom', 'typescript', 'jest', 'tsx', 'playwright-core']) {
      expect([dev, existsSync(path.join(modules, dev))]).toEqual([dev, false]);
    }
  });

  it('is started in production mode as the unprivileged user the Dockerfile names', () => {
    expect(image.user).toBe('node');
    expect(image.env.NODE_ENV).toBe('production');
  });

  it('answers /healthz, and the Dockerfile HEALTHCHECK passes, when started with NODE_ENV=production', async () => {
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    const [command, ...args] = image.healthcheck as string[];
    expect(command).toBe('node');
    const check = await run(process.execPath, args, { cwd: image.dir, env: { PATH: env.PATH, PORT: new URL(url).port }, ...UNPRIVILEGED });
    expect(check).toEqual({ code: 0, output: '' });
  });

  it('reports ready on /readyz, with the store writable and Redis connected, when both are up', async () => {
    let body: { status?: string; checks?: Record<string, string>; cache?: { kind?: string; up?: boolean } } = {};
    for (let i = 0; i < 600 && body.status !== 'ready'; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 50));
      body = (await (await fetch(`${url}/readyz`)).json()) as typeof body;
    }
    expect(body).toMatchObject({ status: 'ready', checks: { store: 'ok' }, cache: { kind: 'redis', up: true } });
  });

  it("answers an agency's query, records it in PostgreSQL and caches in Redis, when the token comes from the identity provider", async () => {
    const id = dataset.personas.find((p) => p.key === 'household-of-five')?.personalId as string;
    const token = await idp.sign({ sub: 'canbo.01', agency: 'CA_HN', scope: 'residence.process' });
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': 'CT01_RESIDENCE', 'x-request-id': 'image-smoke-1' },
      body: JSON.stringify({ query: 'query($id: PersonalId!) { citizen(id: $id) { person { fullName } } }', variables: { id } }),
    });
    const body = (await res.json()) as { data?: { citizen?: { person?: { fullName?: string } } }; errors?: unknown };
    expect(res.status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data?.citizen?.person?.fullName).toBe(dataset.people.get(id)?.fullName);

    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const rows = await client.query("SELECT outcome FROM audit_log WHERE request_id = 'image-smoke-1'");
      expect(rows.rows).toEqual([{ outcome: 'disclosed' }]);
    } finally {
      await client.end();
    }
    let cached = redis.dump().size;
    for (let i = 0; i < 600 && cached === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      cached = redis.dump().size;
    }
    expect(cached).toBeGreaterThan(0);
  });

  it('has no development routes, playground or demo when NODE_ENV=production', async () => {
    const token = await fetch(`${url}/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ role: 'citizen', sub: '001099000001' }) });
    expect(token.status).toBe(404);
    expect((await fetch(`${url}/dev/personas`)).status).toBe(404);
    expect((await fetch(`${url}/dev/registries`)).status).toBe(404);
    expect((await fetch(`${url}/demo/`)).status).toBe(404);
    const playground = await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } });
    expect(playground.headers.get('content-type') ?? '').not.toContain('text/html');
    expect((await fetch(`${url}/playground/graphiql.min.js`)).status).toBe(404);
  });

  it('reports the audit chain OK with the installed command when the gateway has written to it', async () => {
    const verify = await run(process.execPath, ['dist/src/audit/cli.js', 'verify'], { cwd: image.dir, env, ...UNPRIVILEGED });
    expect(verify.output).toMatch(/^audit chain OK: \d+ record\(s\)/);
    expect(verify.code).toBe(0);
  });

  it('refuses to start on the embedded store, pointing at DATABASE_URL, when started without a database outside production', async () => {
    const { DATABASE_URL: _unused, ...withoutDatabase } = env;
    const dataDir = mkdtempSync(path.join(tmpdir(), 'gw-image-data-'));
    try {
      const [, ...args] = image.cmd as string[];
      const res = await run(process.execPath, args, { cwd: image.dir, env: { ...withoutDatabase, NODE_ENV: 'staging', DATA_DIR: dataDir } });
      expect(res.code).toBe(1);
      expect(res.output).toContain('set DATABASE_URL');
      expect(res.output).not.toContain('Gateway ready');
      expect(res.output).not.toMatch(/\n\s+at /);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('exits 0, having logged no personal data, when sent SIGTERM', async () => {
    gateway.kill('SIGTERM');
    expect(await exited).toBe(0);
    assertNoPersonalData(output, dataset);
  });
});

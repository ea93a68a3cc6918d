import { readdirSync, readFileSync, mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startMockRegistries, type MockRegistries } from '../mocks/startMockRegistries';
import { ConfigError, loadConfig } from '../src/config';
import { createTestDatabase, type TestDatabase } from './helpers/database';
import { externalServices } from './helpers/externalServices';
import { spawnGateway, type GatewayProcess } from './helpers/gatewayProcess';
import { startRedis, type RedisSetup } from './helpers/redisInstances';
import { testDataset } from './helpers/stack';
import { startTestIdentityProvider, type TestIdentityProvider } from './helpers/testIdentityProvider';

/** Gateway processes whose parent is `pid`, from /proc (not the compiler service tsx starts). */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        // The fourth field after the command's closing parenthesis is the parent's pid.
        const parent = Number(readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]);
        return parent === pid && readFileSync(`/proc/${d}/cmdline`, 'utf8').includes('main.ts');
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** A request over a connection of its own (no keep-alive), so that the cluster may hand it to any worker. */
function fresh(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false, method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    })
      .on('error', reject)
      .end(options.body);
  });
}

/** The pid of the worker that answered a /metrics scrape. */
async function answeringPid(url: string): Promise<number> {
  const { body } = await fresh(`${url}/metrics`);
  return Number(/^gateway_worker_info\{[^}]*pid="(\d+)"/m.exec(body)?.[1]);
}

describe('WORKERS', () => {
  it('is refused over the embedded store, without Redis, with the embedded identity provider or the embedded registries', () => {
    let problems: string[] = [];
    try {
      loadConfig({ NODE_ENV: 'development', WORKERS: '2' });
    } catch (err) {
      problems = (err as ConfigError).problems;
    }
    expect(problems).toEqual([
      expect.stringMatching(/^WORKERS=2 needs DATABASE_URL \(PostgreSQL\): the embedded store \(PGlite\) serves one process/),
      expect.stringMatching(/^WORKERS=2 needs REDIS_URL or REDIS_CLUSTER_NODES/),
      expect.stringMatching(/^WORKERS=2 needs AUTH_JWKS_URL/),
      expect.stringMatching(/^WORKERS=2 needs POPULATION_URL, RESIDENCE_URL and DOCUMENTS_URL/),
    ]);
    expect(loadConfig({ NODE_ENV: 'development' }).workers).toBe(1);
  });

  it.each([['0'], ['65'], ['two'], ['-1'], ['2.5']])('refuses WORKERS=%s with a clear error', (value) => {
    expect(() => loadConfig({ NODE_ENV: 'development', WORKERS: value })).toThrow(/WORKERS must be an integer between 1 and 64/);
  });
});

describe('WORKERS=2 on PostgreSQL and Redis', () => {
  let mocks: MockRegistries;
  let idp: TestIdentityProvider;
  let db: TestDatabase;
  let redis: RedisSetup;
  let gateway: GatewayProcess;
  let token: string;
  const dataset = testDataset();
  const ids = [...dataset.people.keys()].slice(200, 210);
  const ask = (id: string) =>
    fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': 'CT01_RESIDENCE' },
      body: JSON.stringify({ query: 'query($id: PersonalId!) { citizen(id: $id) { person { fullName } } }', variables: { id } }),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as { data?: { citizen?: { person?: { fullName: string } } }; errors?: unknown } }));
  /** Both workers answer: a few scrapes over fresh connections until two pids are seen. */
  const answering = async () => {
    const seen = new Set<number>();
    for (let i = 0; i < 40 && seen.size < 2; i++) seen.add(await answeringPid(gateway.url));
    return [...seen].sort();
  };

  beforeAll(async () => {
    mocks = await startMockRegistries({ seed: dataset.seed, size: dataset.people.size, dataset, latency: { minMs: 1, maxMs: 3 } });
    idp = await startTestIdentityProvider();
    db = await createTestDatabase();
    redis = await startRedis();
    gateway = await spawnGateway({
      ...externalServices(mocks, idp, db.url),
      ...redis.env,
      CACHE_MODE: 'redis',
      DATA_DIR: mkdtempSync(path.join(tmpdir(), 'gw-workers-')),
      WORKERS: '2',
      REGISTRY_TIMEOUT_MS: '15000',
      // What is tested is that the workers share Redis, not how fast it answers: on a loaded
      // machine a reply later than the default 100 ms counts as Redis down, and the record
      // then comes from the registry (6 calls of 10 in one such run).
      REDIS_COMMAND_TIMEOUT_MS: '5000',
    });
    token = await idp.sign({ sub: 'canbo.11', agency: 'CA_HN', scope: 'residence.process' });
  });
  afterAll(async () => {
    if (gateway?.child.exitCode === null) {
      gateway.child.kill('SIGKILL');
      await gateway.exited;
    }
    await mocks?.stop();
    await idp?.stop();
    await db?.drop();
    await redis?.destroy();
  });

  it('serves requests from two worker processes sharing the port', async () => {
    const workers = childrenOf(gateway.child.pid as number).sort();
    expect(workers).toHaveLength(2);
    expect(await answering()).toEqual(workers);
    const answers = await Promise.all(ids.map((id) => ask(id)));
    expect(answers.map((a) => a.status)).toEqual(ids.map(() => 200));
    expect(answers.map((a) => a.body.data?.citizen?.person?.fullName)).toEqual(ids.map((id) => dataset.people.get(id)?.fullName));
  });

  it('shares the cache between workers: a record one fetched, the other serves from Redis', async () => {
    const id = ids[0] as string;
    mocks.servers.POPULATION.resetStats();
    // Ten requests on connections of their own, handed round the two workers.
    for (let i = 0; i < 10; i++) {
      const res = await fresh(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': 'CT01_RESIDENCE' },
        body: JSON.stringify({ query: 'query($id: PersonalId!) { citizen(id: $id) { person { fullName } } }', variables: { id } }),
      });
      expect(JSON.parse(res.body)).toEqual({ data: { citizen: { person: { fullName: dataset.people.get(id)?.fullName } } } });
    }
    expect(mocks.servers.POPULATION.stats().requests).toBe(0);
  });

  it('starts another worker when one dies', async () => {
    const [victim] = childrenOf(gateway.child.pid as number);
    process.kill(victim as number, 'SIGKILL');
    let workers: number[] = [];
    for (let i = 0; i < 300; i++) {
      workers = childrenOf(gateway.child.pid as number);
      if (workers.length === 2 && !workers.includes(victim as number)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(workers).toHaveLength(2);
    expect(workers).not.toContain(victim);
    // Once the new one listens, both answer again.
    let pids: number[] = [];
    for (let i = 0; i < 100 && pids.length < 2; i++) {
      pids = await answering();
      if (pids.length < 2) await new Promise((r) => setTimeout(r, 50));
    }
    expect(pids).toEqual([...workers].sort());
  });

  it('drains every worker on SIGTERM: requests in flight complete, then the gateway exits 0', async () => {
    const workers = childrenOf(gateway.child.pid as number);
    mocks.servers.POPULATION.setFault({ mode: 'slow', latencyMs: 1500 });
    mocks.servers.POPULATION.resetStats();
    const fresh = [...dataset.people.keys()].slice(400, 410);
    const inFlight = fresh.map((id) => ask(id));
    for (let i = 0; i < 300 && mocks.servers.POPULATION.stats().requests < fresh.length; i++) await new Promise((r) => setTimeout(r, 10));
    expect(mocks.servers.POPULATION.stats().requests).toBe(fresh.length);
    gateway.child.kill('SIGTERM');
    const done = await Promise.all(inFlight);
    mocks.servers.POPULATION.setFault({ mode: 'ok' });
    expect(done.map((r) => r.status)).toEqual(fresh.map(() => 200));
    expect(await gateway.exited).toBe(0);
    expect(workers.filter((pid) => readdirSync('/proc').includes(String(pid)))).toEqual([]);
  });
});

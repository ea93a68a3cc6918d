import { randomBytes } from 'node:crypto';
import { startMockRegistries, type MockRegistries } from '../../mocks/startMockRegistries';
import type { RedisSetup } from './redisInstances';
import { metric, startStack, testDataset, type Stack } from './stack';

const HOUSEHOLD = /* GraphQL */ `
  query Household($id: PersonalId!) {
    citizen(id: $id) {
      person { fullName provenance { asOf } }
      household { members { relationshipToHead citizen { id person { fullName dateOfBirth father { person { fullName } } } documents(types: [BIRTH_CERTIFICATE]) { number } } } }
    }
  }
`;
const headers = { 'x-purpose': 'CT01_RESIDENCE' };

const counted = (stack: Stack, result: string) =>
  Promise.all(
    ['population', 'residence', 'documents'].map((r) => metric(stack, 'gateway_cache_requests_total', `registry="${r}",result="${result}"`).catch(() => 0)),
  ).then((xs) => xs.reduce((a, b) => a + b, 0));
const hits = (stack: Stack) => counted(stack, 'hit');
const misses = (stack: Stack) => counted(stack, 'miss');

/** Polls /readyz (at most `polls` times, 100 ms apart) until it reports the cache up; no request reaches Redis meanwhile. */
async function cacheUpWithin(stack: Stack, polls: number): Promise<boolean> {
  for (let i = 0; i < polls; i++) {
    const readyz = (await (await fetch(`${stack.url}/readyz`)).json()) as { cache: { up: boolean } };
    if (readyz.cache.up) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/**
 * The cache's behaviour against a Redis of the test's own — a single node
 * (tests/cache.test.ts) or a three-master cluster (tests/cacheCluster.test.ts), one file
 * each so that the two run side by side.
 */
export function describeSharedCache(name: string, startBackend: () => Promise<RedisSetup>): void {
  describe(`shared cache on ${name}`, () => {
    let redis: RedisSetup;
    let mocks: MockRegistries;
    let a: Stack;
    let b: Stack;
    let agencyA: string;
    let agencyB: string;
    const dataset = testDataset();
    const secrets = {
      CACHE_HMAC_SECRET: randomBytes(32).toString('base64'),
      CACHE_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      CACHE_PREFIX: 'gwtest:',
    };

    beforeAll(async () => {
      redis = await startBackend();
      mocks = await startMockRegistries({ seed: dataset.seed, size: dataset.people.size, dataset, latency: { minMs: 1, maxMs: 3 } });
      // These tests are about what is cached and shared, not about deadlines (tests/cacheFailures.test.ts): a
      // deadline a busy machine's Redis can meet, so that a slow reply is not taken for a hung Redis and skipped.
      const env = { CACHE_MODE: 'redis', REDIS_COMMAND_TIMEOUT_MS: '5000', ...redis.env, ...secrets };
      // Only A receives the registries' change events; B learns through Redis.
      a = await startStack({ ...env, REGISTRY_WEBHOOK_SECRET: 'a-shared-webhook-secret' }, { mocks });
      b = await startStack(env, { mocks });
      // A cluster client is usable once it has read the slot map: until then each call fails at once.
      for (const stack of [a, b]) expect(await cacheUpWithin(stack, 600)).toBe(true);
      agencyA = await a.agencyToken();
      agencyB = await b.agencyToken();
    });
    afterAll(async () => {
      await a?.stop();
      await b?.stop();
      await mocks?.stop();
      await redis?.destroy();
    });

    it('answers the second identical household query with zero registry calls, all cache hits', async () => {
      const id = a.persona('household-of-five');
      await a.resetRegistryCalls();
      const missesBefore = await misses(a);
      const first = await a.graphql(HOUSEHOLD, { token: agencyA, variables: { id }, headers });
      expect(first.body.errors).toBeUndefined();
      const firstCalls = await a.registryCalls();
      expect(firstCalls.POPULATION).toBeGreaterThan(0);
      const firstMisses = (await misses(a)) - missesBefore;

      await a.resetRegistryCalls();
      const hitsBefore = await hits(a);
      const second = await a.graphql(HOUSEHOLD, { token: agencyA, variables: { id }, headers });
      expect(await a.registryCalls()).toEqual({ POPULATION: 0, RESIDENCE: 0, DOCUMENTS: 0 });
      expect((await hits(a)) - hitsBefore).toBe(firstMisses);
      expect(second.body.data).toEqual(first.body.data);
      // Whether a record came from the cache is shown to its subject only (to others it would tell who read it).
      const own = await a.graphql('{ me { person { provenance { fromCache } } } }', { token: await a.citizenToken(id) });
      expect(own.body.data).toEqual({ me: { person: { provenance: { fromCache: true } } } });
    });

    it('shares what one instance fetched with another', async () => {
      const id = a.persona('household-of-five');
      await b.resetRegistryCalls();
      const res = await b.graphql(HOUSEHOLD, { token: agencyB, variables: { id }, headers });
      expect(res.body.errors).toBeUndefined();
      expect(await b.registryCalls()).toEqual({ POPULATION: 0, RESIDENCE: 0, DOCUMENTS: 0 });
    });

    it('returns a record changed in the registry, on the other instance, at the next query', async () => {
      const id = a.persona('married-couple');
      const name = () => b.graphql('query($id: PersonalId!) { citizen(id: $id) { person { fullName } } }', { token: agencyB, variables: { id }, headers });
      const before = (await name()).body.data?.citizen as { person: { fullName: string } };
      await name(); // now cached
      const changed = `${before.person.fullName} Sửa`;
      const patch = await fetch(`${mocks.urls.POPULATION}/__admin/citizens/${id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ fullName: changed }) });
      expect(patch.status).toBe(200);
      let after = '';
      for (let i = 0; i < 400 && after !== changed; i++) {
        after = ((await name()).body.data?.citizen as { person: { fullName: string } }).person.fullName;
        if (after !== changed) await new Promise((r) => setTimeout(r, 50));
      }
      expect(after).toBe(changed);
    });

    it('makes one registry call for concurrent identical misses in one process', async () => {
      const id = a.persona('passport-holder');
      await a.resetRegistryCalls();
      const results = await Promise.all(
        Array.from({ length: 10 }, () => a.graphql('query($id: PersonalId!) { citizen(id: $id) { person { fullName } } }', { token: agencyA, variables: { id }, headers })),
      );
      expect(results.every((r) => !r.body.errors)).toBe(true);
      expect((await a.registryCalls()).POPULATION).toBe(1);
    });

    it('holds no personal ID in any key and no plaintext name in any value', async () => {
      const entries = redis.dump();
      expect(entries.size).toBeGreaterThan(10);
      const names = [...dataset.people.values()].slice(0, 2000).map((p) => p.fullName);
      for (const [key, value] of entries) {
        expect(key).not.toMatch(/\d{12}/);
        // Cache entries are sealed; the other keys are rate-limit counters (numbers).
        if (key.startsWith('gwtest:c:')) expect(value).toMatch(/^v1\.k1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
        else expect(value).toMatch(/^\d+$/);
      }
      // The lookup limits were counted in Redis (one script on a node, one command at a time on a Cluster), not in the process.
      expect([...entries.keys()].filter((k) => k.startsWith('gwtest:rl:')).length).toBeGreaterThan(0);
      const all = [...entries.values()].join('\n');
      expect(names.filter((n) => all.includes(n))).toEqual([]);
      expect(all).not.toMatch(/\d{12}/);
    });

    it('goes on from the registries while Redis is down, and uses the cache again when it returns', async () => {
      const ids = [...dataset.people.keys()].slice(3000, 3003);
      const ask = (stack: Stack, token: string, id: string) =>
        stack.graphql('query($id: PersonalId!) { citizen(id: $id) { person { fullName } } }', { token, variables: { id }, headers });
      await redis.stop();
      await a.resetRegistryCalls();
      const during = await ask(a, agencyA, ids[0] as string);
      expect(during.body.errors).toBeUndefined();
      expect((await a.registryCalls()).POPULATION).toBe(1);
      expect(await metric(a, 'gateway_cache_up', '')).toBe(0);
      const readyz = (await (await fetch(`${a.url}/readyz`)).json()) as { status: string; cache: { up: boolean } };
      expect(readyz).toMatchObject({ status: 'ready', cache: { up: false } });

      await redis.start();
      // No request in between: the open breaker probes Redis by itself once its reset time (5 s) has passed.
      expect(await cacheUpWithin(a, 200)).toBe(true);
      await ask(a, agencyA, ids[1] as string);
      await a.resetRegistryCalls();
      await ask(a, agencyA, ids[1] as string);
      expect((await a.registryCalls()).POPULATION).toBe(0);
      expect(await metric(a, 'gateway_cache_up', '')).toBe(1);
    });
  });
}

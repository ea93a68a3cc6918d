import { randomBytes } from 'node:crypto';
import type { PersonRecord } from '../connectors/types';
import { startMockRegistries, type MockRegistries } from '../mocks/startMockRegistries';
import { RedisBackend } from '../src/cache/backends';
import { CacheCrypto } from '../src/cache/CacheCrypto';
import { DecodedCache } from '../src/cache/DecodedCache';
import { RegistryCache, type CacheObserver } from '../src/cache/RegistryCache';
import { loadConfig } from '../src/config';
import { startRedis, type RedisSetup } from './helpers/redisInstances';
import { startStack, testDataset, type Stack } from './helpers/stack';

const HOUSEHOLD = /* GraphQL */ `
  query Household($id: PersonalId!) {
    citizen(id: $id) {
      person { fullName provenance { asOf } }
      household { members { relationshipToHead citizen { id person { fullName dateOfBirth } documents(types: [BIRTH_CERTIFICATE]) { number } } } }
    }
  }
`;
const NAME = 'query($id: PersonalId!) { citizen(id: $id) { person { fullName } } }';
const headers = { 'x-purpose': 'CT01_RESIDENCE' };

/** The sum of a metric's samples whose labels include all of `labels`; 0 when it has none yet. */
async function metric(stack: Stack, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${stack.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => (l.startsWith(`${name}{`) || l.startsWith(`${name} `)) && labels.split(',').every((p) => l.includes(p)))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}
const backendReads = (stack: Stack) => metric(stack, 'gateway_cache_round_trips_total', 'operation="get"');
const decodedHits = (stack: Stack) => metric(stack, 'gateway_cache_decoded_hits_total');

describe('the in-process layer of decoded records, over Redis', () => {
  let redis: RedisSetup;
  let mocks: MockRegistries;
  let a: Stack;
  let b: Stack;
  let tokenA: string;
  let tokenB: string;
  /** The gateways' clock: moved by the tests, never by waiting. */
  let clock = Date.now();
  const now = () => new Date(clock);
  const dataset = testDataset();

  beforeAll(async () => {
    redis = await startRedis();
    mocks = await startMockRegistries({ seed: dataset.seed, size: dataset.people.size, dataset, latency: { minMs: 1, maxMs: 3 } });
    const env = {
      CACHE_MODE: 'redis',
      ...redis.env,
      CACHE_HMAC_SECRET: randomBytes(32).toString('base64'),
      CACHE_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      CACHE_PREFIX: 'gwdecoded:',
      CACHE_DECODED_TTL_MS: '5000',
    };
    // Only A receives the registries' change events; B learns of them through Redis pub/sub.
    a = await startStack({ ...env, REGISTRY_WEBHOOK_SECRET: 'decoded-webhook-secret' }, { mocks, now });
    b = await startStack(env, { mocks, now });
    tokenA = await a.agencyToken();
    tokenB = await b.agencyToken();
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await mocks?.stop();
    await redis?.destroy();
  });

  it('is off unless configured', () => {
    expect(loadConfig({ NODE_ENV: 'development' }).cache.decoded.ttlMs).toBe(0);
    expect(loadConfig({ NODE_ENV: 'development', CACHE_DECODED_TTL_MS: '2000' }).cache.decoded).toEqual({ ttlMs: 2000, maxBytes: 32 * 1024 * 1024 });
  });

  it.each([['-1'], ['60001'], ['2s'], ['1e3']])('refuses CACHE_DECODED_TTL_MS=%s with a clear error', (value) => {
    expect(() => loadConfig({ NODE_ENV: 'development', CACHE_DECODED_TTL_MS: value })).toThrow(/CACHE_DECODED_TTL_MS must be an integer between 0 and 60000/);
  });

  it('answers a repeated query without a Redis round trip or a registry call', async () => {
    const id = a.persona('household-of-five');
    const first = await a.graphql(HOUSEHOLD, { token: tokenA, variables: { id }, headers });
    expect(first.body.errors).toBeUndefined();
    await a.resetRegistryCalls();
    const reads = await backendReads(a);
    const hits = await decodedHits(a);
    const second = await a.graphql(HOUSEHOLD, { token: tokenA, variables: { id }, headers });
    expect(second.body).toEqual(first.body);
    expect(await a.registryCalls()).toEqual({ POPULATION: 0, RESIDENCE: 0, DOCUMENTS: 0 });
    expect(await backendReads(a)).toBe(reads);
    // The head's residence and person, each member's person and documents.
    expect((await decodedHits(a)) - hits).toBeGreaterThanOrEqual(6);
  });

  it('keeps what it read from Redis: another instance reads it once, then not again', async () => {
    const id = a.persona('household-of-five');
    await b.resetRegistryCalls();
    const reads = await backendReads(b);
    await b.graphql(HOUSEHOLD, { token: tokenB, variables: { id }, headers });
    const afterFirst = await backendReads(b);
    expect(afterFirst).toBeGreaterThan(reads);
    await b.graphql(HOUSEHOLD, { token: tokenB, variables: { id }, headers });
    expect(await backendReads(b)).toBe(afterFirst);
    expect(await b.registryCalls()).toEqual({ POPULATION: 0, RESIDENCE: 0, DOCUMENTS: 0 });
  });

  it('goes back to Redis once its time is up (on the gateway clock), not to the registries', async () => {
    const id = a.persona('household-of-five');
    await a.graphql(HOUSEHOLD, { token: tokenA, variables: { id }, headers });
    await a.resetRegistryCalls();
    clock += 4_000;
    let reads = await backendReads(a);
    await a.graphql(HOUSEHOLD, { token: tokenA, variables: { id }, headers });
    expect(await backendReads(a)).toBe(reads);
    clock += 1_001;
    reads = await backendReads(a);
    await a.graphql(HOUSEHOLD, { token: tokenA, variables: { id }, headers });
    expect(await backendReads(a)).toBeGreaterThan(reads);
    expect(await a.registryCalls()).toEqual({ POPULATION: 0, RESIDENCE: 0, DOCUMENTS: 0 });
  });

  it('says truthfully that a record came from the cache, and how old it is', async () => {
    const id = a.persona('married-couple');
    const token = await a.citizenToken(id);
    const query = '{ me { person { fullName provenance { fromCache ageSeconds fetchedAt } } } }';
    const fresh = (await a.graphql(query, { token })).body.data?.me as { person: { provenance: { fromCache: boolean; ageSeconds: number; fetchedAt: string } } };
    expect(fresh.person.provenance).toMatchObject({ fromCache: false, ageSeconds: 0 });
    clock += 3_000;
    const hits = await decodedHits(a);
    const cached = (await a.graphql(query, { token })).body.data?.me as typeof fresh;
    expect(await decodedHits(a)).toBeGreaterThan(hits);
    expect(cached.person.provenance).toEqual({ fromCache: true, ageSeconds: 3, fetchedAt: fresh.person.provenance.fetchedAt });
  });

  it('is cleared by a change event on the instance that receives it, and through Redis on the others', async () => {
    const id = a.persona('divorced');
    const name = async (stack: Stack, token: string) => ((await stack.graphql(NAME, { token, variables: { id }, headers })).body.data?.citizen as { person: { fullName: string } }).person.fullName;
    const before = await name(a, tokenA);
    expect(await name(b, tokenB)).toBe(before);
    // Both now hold it decoded: a second read costs neither a round trip.
    const readsA = await backendReads(a);
    const readsB = await backendReads(b);
    expect(await name(a, tokenA)).toBe(before);
    expect(await name(b, tokenB)).toBe(before);
    expect([await backendReads(a), await backendReads(b)]).toEqual([readsA, readsB]);

    const sent = mocks.servers.POPULATION.stats().webhooksSent;
    const changed = `${before} Mới`;
    const patch = await fetch(`${mocks.urls.POPULATION}/__admin/citizens/${id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ fullName: changed }) });
    expect(patch.status).toBe(200);
    // The gateway clock does not move: only the invalidation can make either instance read it again.
    for (let i = 0; i < 100 && mocks.servers.POPULATION.stats().webhooksSent === sent; i++) await new Promise((r) => setTimeout(r, 20));
    expect(mocks.servers.POPULATION.stats().webhooksSent).toBe(sent + 1);
    expect(await name(a, tokenA)).toBe(changed);
    let onB = before;
    for (let i = 0; i < 100 && onB !== changed; i++) {
      onB = await name(b, tokenB);
      if (onB !== changed) await new Promise((r) => setTimeout(r, 20));
    }
    expect(onB).toBe(changed);
  });

  it('serves nothing from memory while Redis is down (invalidations could not reach it)', async () => {
    const id = a.persona('passport-holder');
    await a.graphql(NAME, { token: tokenA, variables: { id }, headers });
    await a.resetRegistryCalls();
    await a.graphql(NAME, { token: tokenA, variables: { id }, headers });
    expect((await a.registryCalls()).POPULATION).toBe(0);
    expect(a.gateway.caches.decoded?.stats().entries).toBeGreaterThan(0);
    await redis.stop();
    try {
      for (let i = 0; i < 100 && (await metric(a, 'gateway_cache_up')) !== 0; i++) await new Promise((r) => setTimeout(r, 20));
      // Emptied when the invalidation channel dropped.
      expect(a.gateway.caches.decoded?.stats()).toEqual({ entries: 0, bytes: 0 });
      await a.graphql(NAME, { token: tokenA, variables: { id }, headers });
      expect((await a.registryCalls()).POPULATION).toBe(1);
      expect(a.gateway.caches.decoded?.stats()).toEqual({ entries: 0, bytes: 0 });
    } finally {
      await redis.start();
    }
  });
});

describe('decoded records in one process', () => {
  let redis: RedisSetup;
  let backend: RedisBackend;
  let clock = 1_800_000_000_000;
  const now = () => clock;
  const dataset = testDataset();
  const people = [...dataset.people.values()].slice(100, 104);
  const silent: CacheObserver = { lookup: () => {}, roundTrip: () => {}, error: () => {} };
  const crypto = new CacheCrypto(randomBytes(32), [{ id: 'k1', key: randomBytes(32) }], 'gwfrozen:');
  const freshness = { ttlSeconds: 300, staleWhileRevalidateSeconds: 30, staleIfErrorSeconds: 3600, negativeTtlSeconds: 30 };
  /** A registry's records: a deep copy of the dataset's, as the connector would hand them over. */
  const record = (id: string): PersonRecord => {
    const p = dataset.people.get(id) as unknown as Record<string, unknown>;
    return { ...JSON.parse(JSON.stringify(p)), provenance: { registry: 'POPULATION', asOf: '2026-01-01T00:00:00Z', fetchedAt: new Date(clock).toISOString(), fromCache: false, ageSeconds: 0, stale: false } } as PersonRecord;
  };
  let calls = 0;
  const fetchRecords = async (ids: readonly string[]) => {
    calls++;
    return new Map(ids.map((id) => [id, record(id)]));
  };

  beforeAll(async () => {
    redis = await startRedis();
    backend = new RedisBackend({ url: redis.env.REDIS_URL, commandTimeoutMs: 1000, channel: 'gwfrozen:invalidate', now });
    for (let i = 0; i < 200 && !(backend.up() && backend.listening()); i++) await new Promise((r) => setTimeout(r, 20));
  });
  afterAll(async () => {
    await backend?.close();
    await redis?.destroy();
  });

  it('hands out frozen records: a mutation throws and reaches no other request', async () => {
    const decoded = new DecodedCache(5000, 1_000_000, () => backend.up() && backend.listening(), now);
    const cache = new RegistryCache<PersonRecord>('POPULATION', backend, crypto, freshness, silent, now, decoded);
    const id = people[0]?.id as string;
    calls = 0;
    const [fresh] = await cache.load([id], fetchRecords);
    // The record fetched for this request is its own: not the one kept.
    expect(Object.isFrozen(fresh)).toBe(false);
    (fresh as PersonRecord).fullName = 'Changed By One Request';
    clock += 2000;
    const [first] = (await cache.load([id], fetchRecords)) as PersonRecord[];
    expect(calls).toBe(1);
    expect(first?.fullName).toBe(dataset.people.get(id)?.fullName);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first?.otherNames)).toBe(true);
    expect(first?.provenance).toMatchObject({ fromCache: true, ageSeconds: 2 });
    expect(() => {
      (first as PersonRecord).fullName = 'x';
    }).toThrow(TypeError);
    expect(() => (first as PersonRecord).otherNames.push('x')).toThrow(TypeError);
    expect(() => {
      (first as PersonRecord).provenance.ageSeconds = 0;
    }).toThrow(TypeError);
    const [second] = (await cache.load([id], fetchRecords)) as PersonRecord[];
    expect(second).toEqual(first);
    expect(calls).toBe(1);
  });

  it('holds no more than its byte bound, dropping the least recently used', async () => {
    const sizes = people.map((p) => Buffer.byteLength(JSON.stringify({ at: clock, r: record(p.id) })));
    // Room for two records of these sizes, not three.
    const bound = Math.max(...sizes) * 2 + 10;
    const decoded = new DecodedCache(5000, bound, () => backend.up() && backend.listening(), now);
    const cache = new RegistryCache<PersonRecord>('POPULATION', backend, crypto, freshness, silent, now, decoded);
    const ids = people.map((p) => p.id);
    await cache.load(ids.slice(0, 3), fetchRecords);
    expect(decoded.stats().entries).toBe(2);
    expect(decoded.stats().bytes).toBeLessThanOrEqual(bound);
    // The first one was dropped: asking for it goes to Redis again.
    let reads = 0;
    const counting: CacheObserver = { ...silent, roundTrip: (op) => void (op === 'get' && reads++) };
    const again = new RegistryCache<PersonRecord>('POPULATION', backend, crypto, freshness, counting, now, decoded);
    await again.load(ids.slice(1, 3), fetchRecords);
    expect(reads).toBe(0);
    await again.load(ids.slice(0, 1), fetchRecords);
    expect(reads).toBe(1);
  });

  it('keeps no value read before an invalidation it heard of meanwhile', async () => {
    const decoded = new DecodedCache(5000, 1_000_000, () => backend.up() && backend.listening(), now);
    const cache = new RegistryCache<PersonRecord>('POPULATION', backend, crypto, freshness, silent, now, decoded);
    const id = people[3]?.id as string;
    await cache.load([id], fetchRecords);
    const key = crypto.keyFor('POPULATION', id);
    // Written back to Redis in the background: wait until it is there.
    for (let i = 0; i < 100 && (await backend.getMany([key]))[0] === null; i++) await new Promise((r) => setTimeout(r, 10));
    decoded.clear();
    // The backend read starts, then another instance's invalidation arrives before it returns.
    const reading = cache.load([id], fetchRecords);
    cache.forget([key]);
    const [served] = (await reading) as PersonRecord[];
    expect(served?.provenance.fromCache).toBe(true);
    expect(decoded.stats().entries).toBe(0);
  });
});

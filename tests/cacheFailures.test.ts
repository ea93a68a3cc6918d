import { randomBytes } from 'node:crypto';
import { CacheCrypto } from '../src/cache/CacheCrypto';
import { signRegistryEvent } from '../src/http/registryEvents';
import { MemoryBackend } from '../src/cache/backends';
import { startRedis, type RedisSetup } from './helpers/redisInstances';
import { metric, startStack, type Stack } from './helpers/stack';

/**
 * The cache when something fails: a registry down (stale-if-error), the embedded cache,
 * its building blocks, and a Redis that is frozen. The shared cache over Redis and Redis
 * Cluster is tests/cache.test.ts.
 */

const headers = { 'x-purpose': 'CT01_RESIDENCE' };

describe('stale data when a registry is down', () => {
  let stack: Stack;
  /** How far the gateway's clock is ahead of the wall clock. */
  let ahead = 0;
  beforeAll(async () => {
    // Records are stale at once, and may be served stale for an hour if the registry fails.
    stack = await startStack(
      { CACHE_MODE: 'memory', POPULATION_CACHE_TTL_S: '0', POPULATION_CACHE_SWR_S: '0', POPULATION_CACHE_SIE_S: '3600' },
      { now: () => new Date(Date.now() + ahead) },
    );
  });
  afterAll(() => stack.stop());

  it('serves the cached record with its age and a warning within the stale-if-error window', async () => {
    // Only the citizen sees whether their record came from the cache (it would tell others who read it).
    const id = stack.persona('minor');
    const token = await stack.citizenToken(id);
    const query = '{ me { person { fullName provenance { fromCache ageSeconds } } } }';
    const fresh = await stack.graphql(query, { token });
    ahead += 90_000;
    await stack.fault('POPULATION', 'down');
    try {
      const res = await stack.graphql(query, { token });
      expect(res.body.errors).toBeUndefined();
      const person = (res.body.data?.me as { person: { fullName: string; provenance: { fromCache: boolean; ageSeconds: number } } }).person;
      expect(person.fullName).toBe((fresh.body.data?.me as { person: { fullName: string } }).person.fullName);
      expect(person.provenance).toEqual({ fromCache: true, ageSeconds: 90 });
      expect((res.body as { extensions?: { warnings?: unknown[] } }).extensions?.warnings).toEqual([
        { code: 'STALE_DATA', message: expect.stringContaining('population registry is unavailable'), path: ['me', 'person'], registry: 'POPULATION', ageSeconds: 90 },
      ]);
    } finally {
      await stack.fault('POPULATION', 'ok');
    }
  });

  it('answers UPSTREAM_UNAVAILABLE for a record it never cached', async () => {
    const token = await stack.agencyToken();
    await stack.fault('POPULATION', 'down');
    try {
      const res = await stack.graphql('query($id: PersonalId!) { citizen(id: $id) { person { fullName } } }', { token, variables: { id: stack.persona('divorced') }, headers });
      expect(res.body.errors?.[0]?.extensions).toEqual({ messageVi: expect.any(String), code: 'UPSTREAM_UNAVAILABLE', registry: 'POPULATION' });
    } finally {
      await stack.fault('POPULATION', 'ok');
    }
  });
});

describe('the embedded (in-memory) cache', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ CACHE_MODE: 'memory', REGISTRY_WEBHOOK_SECRET: 'memory-webhook-secret-1' });
  });
  afterAll(() => stack.stop());

  it('caches and drops changed records', async () => {
    const token = await stack.agencyToken();
    const id = stack.persona('three-generations');
    const ask = () => stack.graphql('query($id: PersonalId!) { citizen(id: $id) { household { address { full } } } }', { token, variables: { id }, headers });
    await ask();
    await stack.resetRegistryCalls();
    await ask();
    expect(await stack.registryCalls()).toEqual({ POPULATION: 0, RESIDENCE: 0, DOCUMENTS: 0 });
    const household = stack.dataset.residences.get(id)?.householdId as string;
    await fetch(`${stack.mocks.urls.RESIDENCE}/__admin/households/${household}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ line: 'Số 1, đường Tràng Tiền' }) });
    let full = '';
    for (let i = 0; i < 800 && !full.startsWith('Số 1, đường Tràng Tiền'); i++) {
      full = ((await ask()).body.data?.citizen as { household: { address: { full: string } } }).household.address.full;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(full).toMatch(/^Số 1, đường Tràng Tiền, /);
  });

  it.each([
    ['no signature', {}],
    ['a wrong signature', { 'x-registry-signature': 'sha256=00' }],
  ])('refuses a registry event with %s', async (_name, extra) => {
    const res = await fetch(`${stack.url}/internal/registry-events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...extra },
      body: JSON.stringify({ registry: 'population', ids: ['001088000012'] }),
    });
    expect(res.status).toBe(401);
  });

  const sendEvent = (event: Record<string, unknown>) => {
    const body = JSON.stringify({ registry: 'population', ids: ['001088000012'], ...event });
    return fetch(`${stack.url}/internal/registry-events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-registry-signature': signRegistryEvent('memory-webhook-secret-1', body) },
      body,
    });
  };

  it('refuses a signed registry event replayed', async () => {
    const event = { changedAt: new Date().toISOString(), eventId: randomBytes(12).toString('hex') };
    expect((await sendEvent(event)).status).toBe(202);
    const replayed = await sendEvent(event);
    expect(replayed.status).toBe(409);
    expect(await replayed.json()).toEqual({ error: { code: 'BAD_REQUEST', message: expect.stringContaining('received already'), messageVi: expect.any(String) } });
  });

  it.each([
    ['dated an hour ago', { changedAt: new Date(Date.now() - 3_600_000).toISOString(), eventId: 'evt-old-000001' }],
    ['dated in an hour', { changedAt: new Date(Date.now() + 3_600_000).toISOString(), eventId: 'evt-new-000001' }],
    ['without a date', { eventId: 'evt-nodate-0001' }],
    ['without an id', { changedAt: new Date().toISOString() }],
  ])('refuses a signed registry event %s', async (_name, event) => {
    expect((await sendEvent(event)).status).toBe(400);
  });
});

describe('cache building blocks', () => {
  const key32 = () => randomBytes(32);

  it('refuses a value moved to another key, tampered with, or sealed with an unknown key', () => {
    const crypto = new CacheCrypto(key32(), [{ id: 'k1', key: key32() }], 'p:');
    const k = crypto.keyFor('POPULATION', '001088000012');
    const sealed = crypto.seal(k, '{"a":1}');
    expect(crypto.open(k, sealed)).toBe('{"a":1}');
    expect(crypto.open(crypto.keyFor('POPULATION', '001088000013'), sealed)).toBeNull();
    expect(crypto.open(k, sealed.slice(0, -4) + 'AAAA')).toBeNull();
    expect(new CacheCrypto(key32(), [{ id: 'k1', key: key32() }], 'p:').open(k, sealed)).toBeNull();
  });

  it('reads values sealed with a retired key after rotation', () => {
    const hmac = key32();
    const old = { id: 'old', key: key32() };
    const sealed = new CacheCrypto(hmac, [old], 'p:').seal('p:x', 'payload');
    const rotated = new CacheCrypto(hmac, [{ id: 'new', key: key32() }, old], 'p:');
    expect(rotated.open('p:x', sealed)).toBe('payload');
    expect(rotated.seal('p:x', 'payload').startsWith('v1.new.')).toBe(true);
  });

  it('keeps no personal ID in key names', () => {
    const crypto = new CacheCrypto(key32(), [{ id: 'k1', key: key32() }], 'gw:');
    expect(crypto.keyFor('POPULATION', '079301012345')).toMatch(/^gw:c:population:[A-Za-z0-9_-]{43}$/);
  });

  it('refuses short secrets at construction', () => {
    expect(() => new CacheCrypto(Buffer.alloc(8), [{ id: 'k', key: key32() }], 'p:')).toThrow(/at least 32 bytes, but got: 8/);
  });

  it('evicts the least recently used entry beyond its bound', async () => {
    const m = new MemoryBackend(2);
    await m.setMany([{ key: 'a', value: '1', ttlMs: 10_000 }, { key: 'b', value: '2', ttlMs: 10_000 }]);
    await m.getMany(['a']);
    await m.setMany([{ key: 'c', value: '3', ttlMs: 10_000 }]);
    expect(await m.getMany(['a', 'b', 'c'])).toEqual(['1', null, '3']);
  });
});

describe('a frozen Redis (connected, answering nothing)', () => {
  let redis: RedisSetup;
  let stack: Stack;
  /** How far the gateway's clock is ahead of the wall clock. */
  let ahead = 0;
  beforeAll(async () => {
    redis = await startRedis();
    stack = await startStack(
      {
        CACHE_MODE: 'redis',
        ...redis.env,
        CACHE_HMAC_SECRET: randomBytes(32).toString('base64'),
        CACHE_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
        REDIS_BREAKER_FAILURES: '3',
        REDIS_BREAKER_RESET_MS: '60000',
        // Long enough that a busy machine's slow reply is not taken for a frozen Redis before the freeze.
        REDIS_COMMAND_TIMEOUT_MS: '1000',
      },
      { now: () => new Date(Date.now() + ahead) },
    );
    // Connected before the first request: until then the cache is skipped (no offline queue), which counts as down.
    for (let i = 0; i < 600 && (await metric(stack, 'gateway_cache_up', '')) !== 1; i++) await new Promise((r) => setTimeout(r, 50));
  });
  afterAll(async () => {
    redis?.thaw();
    await stack?.stop();
    await redis?.destroy();
  });

  it('is skipped after a few timeouts, reported down, and used again once a probe succeeds', async () => {
    const token = await stack.agencyToken();
    const ask = (persona: string) =>
      stack.graphql('query($id: PersonalId!) { citizen(id: $id) { person { fullName } household { id } documents { type } } }', { token, variables: { id: stack.persona(persona) }, headers });
    expect((await ask('minor')).status).toBe(200);
    expect(await metric(stack, 'gateway_cache_up', '')).toBe(1);

    redis.freeze();
    const skippedBefore = await metric(stack, 'gateway_cache_skipped_total', '');
    // Every answer comes from the registries; the breaker opens after three timeouts, then Redis is not asked.
    for (const persona of ['married-couple', 'divorced', 'passport-holder', 'no-documents', 'household-of-four']) {
      const res = await ask(persona);
      expect(res.status).toBe(200);
      expect(res.body.errors).toBeUndefined();
    }
    expect((await metric(stack, 'gateway_cache_skipped_total', '')) - skippedBefore).toBeGreaterThan(5);
    expect(await metric(stack, 'gateway_cache_up', '')).toBe(0);
    expect(((await (await fetch(`${stack.url}/readyz`)).json()) as { cache: unknown }).cache).toEqual({ kind: 'redis', up: false });

    redis.thaw();
    // Past the breaker's reset time one call probes Redis, and it is used again.
    ahead += 61_000;
    await ask('minor');
    expect(await metric(stack, 'gateway_cache_up', '')).toBe(1);
    await stack.resetRegistryCalls();
    await ask('minor');
    await ask('minor');
    expect((await stack.registryCalls()).POPULATION).toBe(0);
  });
});

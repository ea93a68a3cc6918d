import { startRedis, type RedisSetup } from './helpers/redisInstances';
import { json, metric, startStack, type Stack } from './helpers/stack';
import type { MockRegistries } from '../mocks/startMockRegistries';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

const NONE = { POPULATION: 0, RESIDENCE: 0, DOCUMENTS: 0 };

/** Nested `father { person { ... } }` n levels deep. */
const deep = (n: number): string => (n === 0 ? 'fullName' : `father { person { ${deep(n - 1)} } }`);

describe('attack corpus: each refused cheaply, with its code, before any registry call', () => {
  let stack: Stack;
  let token: string;
  let id: string;
  beforeAll(async () => {
    stack = await startStack();
    token = await stack.agencyToken();
    id = stack.persona('household-of-five');
  });
  afterAll(() => stack.stop());

  const send = async (body: string, headers: Record<string, string> = {}) => {
    await stack.resetRegistryCalls();
    const res = await fetch(`${stack.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': 'CT01_RESIDENCE', ...headers },
      body,
    });
    return { status: res.status, body: await json(res), headers: res.headers, calls: await stack.registryCalls() };
  };
  const query = (q: string, variables: unknown = { id }) => send(JSON.stringify({ query: q, variables }));

  it('deep nesting: QUERY_TOO_COMPLEX (depth)', async () => {
    const r = await query(`query($id: PersonalId!) { citizen(id: $id) { person { ${deep(8)} } } }`);
    expect(r.body.errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'depth', max: 15 });
    expect(r.calls).toEqual(NONE);
  });

  it('a thousand aliases: QUERY_TOO_COMPLEX (tokens), refused by the parser', async () => {
    const fields = Array.from({ length: 1000 }, (_, i) => `a${i}: fullName`).join(' ');
    const r = await query(`query($id: PersonalId!) { citizen(id: $id) { person { ${fields} } } }`);
    expect(r.status).toBe(400);
    expect(r.body.errors[0].extensions).toEqual({ messageVi: expect.any(String), code: 'QUERY_TOO_COMPLEX', limit: 'tokens', max: 2000 });
    expect(r.calls).toEqual(NONE);
  });

  it('fifty aliases: QUERY_TOO_COMPLEX (aliases)', async () => {
    const fields = Array.from({ length: 50 }, (_, i) => `a${i}: fullName`).join(' ');
    const r = await query(`query($id: PersonalId!) { citizen(id: $id) { person { ${fields} } } }`);
    expect(r.body.errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'aliases', actual: 50 });
    expect(r.calls).toEqual(NONE);
  });

  it('too many root fields: QUERY_TOO_COMPLEX (rootFields)', async () => {
    const fields = Array.from({ length: 11 }, (_, i) => `c${i}: citizen(id: $id) { id }`).join(' ');
    const r = await query(`query($id: PersonalId!) { ${fields} }`);
    expect(r.body.errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'rootFields' });
    expect(r.calls).toEqual(NONE);
  });

  it('a fan-out over households and children: QUERY_TOO_COMPLEX (citizens)', async () => {
    const r = await query('query($id: PersonalId!) { citizen(id: $id) { household { members { citizen { person { children { person { children { id } } } } } } } } }');
    expect(r.body.errors[0].extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'citizens' });
    expect(r.calls).toEqual(NONE);
  });

  it('fragment cycles: GRAPHQL_VALIDATION_FAILED', async () => {
    const r = await query('query($id: PersonalId!) { citizen(id: $id) { ...A } } fragment A on Citizen { ...B } fragment B on Citizen { ...A }');
    expect(r.status).toBe(400);
    expect(r.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(r.calls).toEqual(NONE);
  });

  it('a huge variables object: 413', async () => {
    const variables: Record<string, string> = { id };
    for (let i = 0; i < 20_000; i++) variables[`v${i}`] = 'x';
    const r = await query('query($id: PersonalId!) { citizen(id: $id) { id } }', variables);
    expect(r.status).toBe(413);
    expect(r.calls).toEqual(NONE);
  });

  it('a long list in a variable: BAD_USER_INPUT for the first bad item', async () => {
    const types = Array.from({ length: 3000 }, (_, i) => (i === 2999 ? 'TAX_CARD' : 'PASSPORT'));
    const r = await query('query($id: PersonalId!, $t: [DocumentType!]) { citizen(id: $id) { documents(types: $t) { number } } }', { id, t: types });
    expect(r.status).toBe(400);
    expect(r.body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 't' });
    expect(r.calls).toEqual(NONE);
  });

  it('batch arrays: 400', async () => {
    const r = await send(JSON.stringify(Array.from({ length: 100 }, () => ({ query: '{ __typename }' }))));
    expect(r.status).toBe(400);
    expect(r.calls).toEqual(NONE);
  });

  it.each(['gzip', 'deflate', 'br'])('a body that does not decompress as %s: 400, not 500', async (encoding) => {
    await stack.resetRegistryCalls();
    const res = await fetch(`${stack.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': encoding, authorization: `Bearer ${token}`, 'x-purpose': 'CT01_RESIDENCE' },
      body: Buffer.from('this is not compressed at all'),
    });
    expect(res.status).toBe(400);
    expect(await json(res)).toEqual({ errors: [{ message: expect.stringContaining('does not decompress'), extensions: { code: 'BAD_REQUEST', messageVi: expect.any(String) } }] });
    expect(await stack.registryCalls()).toEqual(NONE);
  });

  it.each([
    ['a null literal', 'query($id: PersonalId!) { citizen(id: $id) @include(if: null) { id } }', { id: 'x' }],
    ['a null variable', 'query($id: PersonalId!, $v: Boolean!) { citizen(id: $id) { id @skip(if: $v) } }', { v: null }],
    ['a nullable variable', 'query($id: PersonalId!, $v: Boolean) { citizen(id: $id) { id @include(if: $v) } }', { v: null }],
  ])('a directive argument given as %s: 400, not 500', async (_name, q, variables) => {
    const r = await query(q, { id, ...variables });
    expect(r.status).toBe(400);
    expect(['GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT']).toContain(r.body.errors[0].extensions.code);
    expect(r.calls).toEqual(NONE);
  });

  it('an oversized body: 413', async () => {
    const r = await send(JSON.stringify({ query: `{ __typename } #${'x'.repeat(200_000)}` }));
    expect(r.status).toBe(413);
    expect(r.calls).toEqual(NONE);
  });

  it('registering an operation at run time (automatic persisted queries): nothing is registered', async () => {
    const text = '{ __typename }';
    const hash = require('node:crypto').createHash('sha256').update(text).digest('hex') as string;
    await send(JSON.stringify({ query: text, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }));
    const r = await send(JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }));
    // The APQ protocol answers these with 200 and the error code.
    expect(r.body).toEqual({ errors: [expect.objectContaining({ extensions: { code: 'PERSISTED_QUERY_NOT_SUPPORTED', messageVi: expect.any(String) } })] });
  });
});

describe('rate limits on citizen lookups', () => {
  it('counts citizens read, not requests, and answers RATE_LIMITED with Retry-After', async () => {
    const stack = await startStack({ RATE_LIMIT_OFFICIAL_LOOKUPS: '20', RATE_LIMIT_WINDOW_S: '3600' });
    try {
      const token = await stack.agencyToken();
      const household = 'query($id: PersonalId!) { citizen(id: $id) { household { members { citizen { id } } } } }';
      const ask = () => stack.graphql(household, { token, variables: { id: stack.persona('household-of-four') }, headers: { 'x-purpose': 'CT01_RESIDENCE' } });
      expect((await ask()).status).toBe(200); // 9 citizens at most
      expect((await ask()).status).toBe(200); // 18
      await stack.resetRegistryCalls();
      const third = await ask(); // 27 > 20
      expect(third.status).toBe(429);
      expect(third.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(third.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
      expect(await stack.registryCalls()).toEqual(NONE);
      // Another official of the same agency has a budget of their own.
      const other = await (await fetch(`${stack.url}/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ role: 'agency', sub: 'canbo.02', agency: 'CA_HN', scopes: ['residence.process'] }) })).json();
      expect((await stack.graphql(household, { token: other.token, variables: { id: stack.persona('household-of-four') }, headers: { 'x-purpose': 'CT01_RESIDENCE' } })).status).toBe(200);
    } finally {
      await stack.stop();
    }
  });

  it('counts through plain commands on a Redis that refuses scripts, keeping the cache in use', async () => {
    const redis = await startRedis();
    const admin = new Redis(redis.env.REDIS_URL as string);
    let stack: Stack | undefined;
    try {
      // An ACL without @scripting, as some managed services and proxies have it.
      await admin.call('ACL', 'SETUSER', 'default', 'on', 'nopass', '~*', '&*', '+@all', '-@scripting');
      stack = await startStack({ CACHE_MODE: 'redis', ...redis.env, CACHE_HMAC_SECRET: randomBytes(32).toString('base64'), CACHE_ENCRYPTION_KEYS: `k:${randomBytes(32).toString('base64')}`, RATE_LIMIT_OFFICIAL_LOOKUPS: '2', RATE_LIMIT_WINDOW_S: '3600' });
      const token = await stack.agencyToken();
      const ask = async () => (stack as Stack).graphql('query($id: PersonalId!) { citizen(id: $id) { id } }', { token, variables: { id: (stack as Stack).persona('minor') }, headers: { 'x-purpose': 'CT01_RESIDENCE' } });
      expect((await ask()).status).toBe(200);
      expect((await ask()).status).toBe(200);
      expect((await ask()).status).toBe(429);
      // Counted in Redis, where every instance sees it, and the cache was never given up.
      expect((await admin.keys('*rl:*')).length).toBe(2);
      expect(await metric(stack, 'gateway_cache_up', '')).toBe(1);
      // A counter first counted while Redis hangs is created with its expiry when Redis wakes
      // and runs what was sent: it never stays without one.
      const other = (await json(await fetch(`${stack.url}/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ role: 'agency', sub: 'canbo.moi', agency: 'CA_HN', scopes: ['residence.process'] }) }))).token as string;
      redis.freeze();
      expect((await stack.graphql('query($id: PersonalId!) { citizen(id: $id) { id } }', { token: other, variables: { id: stack.persona('minor') }, headers: { 'x-purpose': 'CT01_RESIDENCE' } })).status).toBe(200);
      redis.thaw();
      let keys: string[] = [];
      for (let i = 0; i < 1000 && keys.length < 3; i++) keys = await admin.keys('*rl:*');
      expect(keys).toHaveLength(3);
      for (const k of keys) expect(await admin.pttl(k)).toBeGreaterThan(0);
    } finally {
      await stack?.stop();
      admin.disconnect();
      await redis.destroy();
    }
  });

  it('keeps counting in the process while Redis hangs', async () => {
    const redis = await startRedis();
    let stack: Stack | undefined;
    try {
      stack = await startStack({ CACHE_MODE: 'redis', ...redis.env, CACHE_HMAC_SECRET: randomBytes(32).toString('base64'), CACHE_ENCRYPTION_KEYS: `k:${randomBytes(32).toString('base64')}`, RATE_LIMIT_OFFICIAL_LOOKUPS: '2', RATE_LIMIT_WINDOW_S: '3600' });
      const token = await stack.agencyToken();
      const ask = async () => (stack as Stack).graphql('query($id: PersonalId!) { citizen(id: $id) { id } }', { token, variables: { id: (stack as Stack).persona('minor') }, headers: { 'x-purpose': 'CT01_RESIDENCE' } });
      expect((await ask()).status).toBe(200);
      // Connected but silent: each count in Redis times out, and the process's own counters take over.
      redis.freeze();
      expect((await ask()).status).toBe(200);
      expect((await ask()).status).toBe(200);
      const refused = await ask();
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    } finally {
      redis.thaw();
      await stack?.stop();
      await redis.destroy();
    }
  });

  it('shares the count between instances through Redis', async () => {
    let redis: RedisSetup | undefined;
    let mocks: MockRegistries | undefined;
    const stacks: Stack[] = [];
    try {
      redis = await startRedis();
      const first = await startStack();
      stacks.push(first);
      mocks = first.mocks;
      const env = { CACHE_MODE: 'redis', ...redis.env, CACHE_HMAC_SECRET: randomBytes(32).toString('base64'), CACHE_ENCRYPTION_KEYS: `k:${randomBytes(32).toString('base64')}`, RATE_LIMIT_OFFICIAL_LOOKUPS: '2', RATE_LIMIT_AGENCY_LOOKUPS: '4', RATE_LIMIT_WINDOW_S: '3600' };
      const a = await startStack(env, { mocks });
      const b = await startStack(env, { mocks });
      stacks.push(a, b);
      const ask = async (s: Stack, token?: string) =>
        s.graphql('query($id: PersonalId!) { citizen(id: $id) { id } }', { token: token ?? (await s.agencyToken()), variables: { id: s.persona('minor') }, headers: { 'x-purpose': 'CT01_RESIDENCE' } });
      expect((await ask(a)).status).toBe(200);
      expect((await ask(b)).status).toBe(200);
      expect((await ask(a)).status).toBe(429);
      // Refused lookups spend nothing further: the agency's budget (4) still holds another official's two.
      for (let i = 0; i < 5; i++) expect((await ask(b)).status).toBe(429);
      // Each instance verifies tokens of its own development issuer: the same official, minted by each.
      const official = async (s: Stack, sub: string) =>
        (await json(await fetch(`${s.url}/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ role: 'agency', sub, agency: 'CA_HN', scopes: ['residence.process'] }) }))).token as string;
      expect((await ask(a, await official(a, 'canbo.khac'))).status).toBe(200);
      expect((await ask(b, await official(b, 'canbo.khac'))).status).toBe(200);
      // The agency's four are spent: a third official is refused on the agency's count.
      const third = await ask(a, await official(a, 'canbo.thu3'));
      expect(third.status).toBe(429);
      expect(third.body.errors?.[0]?.message).toMatch(/cơ quan này|this agency/);
    } finally {
      for (const s of stacks.reverse()) await s.stop();
      await redis?.destroy();
    }
  });
});

import { createHmac } from 'node:crypto';
import { createLocalJWKSet, type JWTVerifyGetKey } from 'jose';
import { createAuthenticator } from '../src/auth/createAuthenticator';
import { startStack, type Stack } from './helpers/stack';
import { startTestIdentityProvider, TEST_AUDIENCE, TEST_ISSUER, type TestIdentityProvider } from './helpers/testIdentityProvider';

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('authentication against a remote JWKS', () => {
  let idp: TestIdentityProvider;
  let stack: Stack;
  let citizenId: string;
  beforeAll(async () => {
    idp = await startTestIdentityProvider();
    stack = await startStack({ AUTH_JWKS_URL: idp.jwksUrl, AUTH_ISSUER: TEST_ISSUER, AUTH_AUDIENCE: TEST_AUDIENCE });
    citizenId = stack.persona('household-of-five');
  });
  afterAll(async () => {
    await stack.stop();
    await idp.stop();
  });

  async function expectUnauthenticated(authorization: string | undefined, reason: RegExp) {
    await stack.resetRegistryCalls();
    const res = await stack.graphql('{ me { person { fullName } } }', { headers: authorization === undefined ? {} : { authorization } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors?.[0]?.extensions).toEqual({ messageVi: expect.any(String), code: 'UNAUTHENTICATED', reason: expect.stringMatching(reason) });
    expect(await stack.registryCalls()).toEqual({ POPULATION: 0, RESIDENCE: 0, DOCUMENTS: 0 });
  }

  it('reads a citizen token signed by the provider', async () => {
    const token = await idp.sign({ sub: citizenId });
    const res = await stack.graphql('{ me { id } }', { token });
    expect(res.body).toEqual({ data: { me: { id: citizenId } } });
  });

  it('refuses a request with no token', () => expectUnauthenticated(undefined, /bearer token is required/));
  it('refuses another scheme', () => expectUnauthenticated('Basic dXNlcjpwYXNz', /Bearer <token>/));
  it('refuses a malformed token', () => expectUnauthenticated('Bearer not-a-jwt', /malformed/));
  it('refuses a token of three garbage parts', () => expectUnauthenticated('Bearer aaa.bbb.ccc', /malformed/));
  it('refuses an oversized header', () => expectUnauthenticated(`Bearer ${'a'.repeat(9000)}`, /Bearer <token>/));

  it('refuses an expired token', async () => {
    const token = await idp.sign({ sub: citizenId }, { expiresIn: Math.floor(Date.now() / 1000) - 120 });
    await expectUnauthenticated(`Bearer ${token}`, /expired/);
  });

  it('refuses a token without an expiry', async () => {
    const token = await idp.sign({ sub: citizenId }, { omitExp: true });
    await expectUnauthenticated(`Bearer ${token}`, /"exp" claim/);
  });

  it('refuses a token from another issuer', async () => {
    const token = await idp.sign({ sub: citizenId }, { issuer: 'https://evil.example' });
    await expectUnauthenticated(`Bearer ${token}`, /does not trust/);
  });

  it('refuses a token for another audience', async () => {
    const token = await idp.sign({ sub: citizenId }, { audience: 'some-other-api' });
    await expectUnauthenticated(`Bearer ${token}`, /another audience/);
  });

  it('refuses alg: none', async () => {
    const payload = { sub: citizenId, iss: TEST_ISSUER, aud: TEST_AUDIENCE, exp: Math.floor(Date.now() / 1000) + 600 };
    await expectUnauthenticated(`Bearer ${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(payload)}.`, /algorithm|malformed/);
  });

  it('refuses HS256 signed with the public key as the secret', async () => {
    const header = b64url({ alg: 'HS256', typ: 'JWT', kid: 'trusted-1' });
    const payload = b64url({ sub: citizenId, iss: TEST_ISSUER, aud: TEST_AUDIENCE, exp: Math.floor(Date.now() / 1000) + 600 });
    const signature = createHmac('sha256', JSON.stringify(idp.publicJwk)).update(`${header}.${payload}`).digest('base64url');
    await expectUnauthenticated(`Bearer ${header}.${payload}.${signature}`, /algorithm/);
  });

  it('refuses a token whose kid is unknown', async () => {
    const token = await idp.sign({ sub: citizenId }, { key: idp.strangerKey, kid: 'unknown-kid' });
    await expectUnauthenticated(`Bearer ${token}`, /unknown kid/);
  });

  it('refuses a token signed by another key under a known kid', async () => {
    const token = await idp.sign({ sub: citizenId }, { key: idp.strangerKey });
    await expectUnauthenticated(`Bearer ${token}`, /signature is invalid/);
  });

  it('refuses a citizen token whose subject is not a personal ID', async () => {
    const token = await idp.sign({ sub: '00108800001' });
    await expectUnauthenticated(`Bearer ${token}`, /valid personal ID/);
  });

  it('refuses an agency token with a malformed agency code', async () => {
    const token = await idp.sign({ sub: 'canbo.01', agency: 'ca hn; drop' });
    await expectUnauthenticated(`Bearer ${token}`, /agency code/);
  });
});

describe('who may read what (baseline)', () => {
  let stack: Stack;
  let self: string;
  let selfToken: string;
  let agency: string;
  beforeAll(async () => {
    stack = await startStack();
    self = stack.persona('household-of-five');
    selfToken = await stack.citizenToken(self);
    agency = await stack.agencyToken();
  });
  afterAll(() => stack.stop());

  async function expectRefused(query: string, token: string, code: string, headers: Record<string, string> = {}) {
    await stack.resetRegistryCalls();
    const res = await stack.graphql(query, { token, headers });
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors?.[0]?.extensions?.code).toBe(code);
    expect(await stack.registryCalls()).toEqual({ POPULATION: 0, RESIDENCE: 0, DOCUMENTS: 0 });
    return res;
  }

  it("gets FORBIDDEN, with no registry call, when citizen A asks for citizen B", async () => {
    const other = stack.persona('married-couple');
    const res = await expectRefused(`{ citizen(id: "${other}") { person { fullName } } }`, selfToken, 'FORBIDDEN');
    expect(res.status).toBe(403);
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ rule: 'OWN_RECORD_ONLY', denied: [{ path: 'citizen', field: 'Query.citizen' }] });
  });

  it('gets FORBIDDEN when citizen B is hidden behind a variable or an alias next to the own record', async () => {
    const other = stack.persona('married-couple');
    await stack.resetRegistryCalls();
    const res = await stack.graphql('query($a: PersonalId!, $b: PersonalId!) { mine: citizen(id: $a) { id } theirs: citizen(id: $b) { id } }', {
      token: selfToken,
      variables: { a: self, b: other },
    });
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', denied: [{ path: 'theirs' }] });
    expect(await stack.registryCalls()).toEqual({ POPULATION: 0, RESIDENCE: 0, DOCUMENTS: 0 });
  });

  it('lets a citizen read their own record in full, through me or citizen(id)', async () => {
    const res = await stack.graphql(`{ me { person { religion ethnicity } } citizen(id: "${self}") { residence { currentAddress { full } } } }`, {
      token: selfToken,
    });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.me).toMatchObject({ person: { religion: expect.any(String) } });
  });

  it("shows a citizen only the basic identity of their household's members", async () => {
    const res = await stack.graphql(
      '{ me { household { members { relationshipToHead citizen { id person { fullName dateOfBirth gender } } } } } }',
      { token: selfToken },
    );
    expect(res.body.errors).toBeUndefined();
    const members = (res.body.data?.me as { household: { members: unknown[] } }).household.members;
    expect(members).toHaveLength(5);
  });

  it.each([
    ['a sensitive field of a member', '{ me { household { members { citizen { person { religion } } } } } }'],
    ['a member through a named fragment', '{ me { household { members { citizen { ...M } } } } } fragment M on Citizen { person { ethnicity } }'],
    ['a member through an inline fragment and alias', '{ me { household { members { citizen { ... on Citizen { p: person { x: placeOfBirth } } } } } } }'],
    ["a member's documents", '{ me { household { members { citizen { documents { number } } } } } }'],
    ["a member's residence", '{ me { household { members { citizen { residence { permanentAddress { full } } } } } } }'],
    ["the father's religion", '{ me { person { father { person { religion } } } } }'],
    ["the father's father (two steps away)", '{ me { person { father { person { father { id } } } } } }'],
    ["a member's household", '{ me { household { members { citizen { household { id } } } } } }'],
  ])('gets FORBIDDEN with no registry call for %s', async (_name, query) => {
    const res = await expectRefused(query, selfToken, 'FORBIDDEN');
    expect(res.body.errors?.[0]?.extensions?.rule).toBe('RELATIVES_BASIC_IDENTITY');
  });

  it('gets FORBIDDEN when an agency calls me', async () => {
    await expectRefused('{ me { id } }', agency, 'FORBIDDEN', { 'x-purpose': 'CT01_RESIDENCE' });
  });

  it('gets PURPOSE_REQUIRED when an agency reads citizen data without X-Purpose', async () => {
    const res = await expectRefused(`{ citizen(id: "${self}") { person { fullName } } }`, agency, 'PURPOSE_REQUIRED');
    expect(res.body.errors?.[0]?.extensions).toEqual({
      messageVi: expect.any(String),
      code: 'PURPOSE_REQUIRED',
      field: 'X-Purpose',
      // The purposes of the agency's grants that allow the read, each with its scope.
      remedies: expect.arrayContaining([
        expect.objectContaining({ field: 'Person.fullName', rule: 'PURPOSE', kind: 'PURPOSE', purpose: 'CT01_RESIDENCE', scope: 'residence.process' }),
        expect.objectContaining({ field: 'Person.fullName', rule: 'PURPOSE', kind: 'PURPOSE', purpose: 'CRIMINAL_RECORD', scope: 'criminal-record.issue' }),
      ]),
    });
  });

  it.each([
    ['x-purpose', 'ct01 residence'],
    ['x-purpose', 'A'.repeat(200)],
    ['x-purpose', 'CT01, LLTP'],
    ['x-case-id', '../../etc/passwd'],
    ['x-case-id', 'HS 2026 0001'],
    ['x-case-id', '<script>'],
  ])('gets BAD_USER_INPUT naming the header for a hostile %s', async (name, value) => {
    await stack.resetRegistryCalls();
    const res = await stack.graphql(`{ citizen(id: "${self}") { id } }`, { token: agency, headers: { 'x-purpose': 'CT01_RESIDENCE', [name]: value } });
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: name === 'x-purpose' ? 'X-Purpose' : 'X-Case-Id' });
    expect(await stack.registryCalls()).toEqual({ POPULATION: 0, RESIDENCE: 0, DOCUMENTS: 0 });
  });

  it('lets an agency with a purpose read a citizen', async () => {
    const res = await stack.graphql(`{ citizen(id: "${self}") { person { fullName } } }`, {
      token: agency,
      headers: { 'x-purpose': 'CT01_RESIDENCE', 'x-case-id': 'HS-2026/000123' },
    });
    expect(res.body.errors).toBeUndefined();
  });

  it('lets the playground load the schema without a token, but nothing else', async () => {
    const intro = await stack.graphql('{ __schema { queryType { name } } }');
    expect(intro.body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    const mixed = await stack.graphql(`{ __schema { queryType { name } } citizen(id: "${self}") { id } }`);
    expect(mixed.status).toBe(401);
  });
});

describe('remembering verified tokens', () => {
  let idp: TestIdentityProvider;
  let citizenId: string;
  beforeAll(async () => {
    idp = await startTestIdentityProvider();
    citizenId = '001203000017';
  });
  afterAll(() => idp.stop());

  /** An authenticator over the provider's real key set, counting the signature checks it asks for. */
  function authenticator(options: { cacheSec: number; size?: number; clock: { t: number } }) {
    const local = createLocalJWKSet({ keys: [idp.publicJwk] });
    const counted = { lookups: 0 };
    const keySet: JWTVerifyGetKey = (header, token) => {
      counted.lookups++;
      return local(header, token);
    };
    const auth = createAuthenticator({
      keySet,
      issuer: TEST_ISSUER,
      audience: TEST_AUDIENCE,
      algorithms: ['ES256'],
      clockToleranceSec: 0,
      verifiedCacheSec: options.cacheSec,
      verifiedCacheSize: options.size,
      now: () => new Date(options.clock.t),
    });
    return { auth, counted };
  }
  const bearer = (t: string) => `Bearer ${t}`;

  it('checks the signature of a token once while it is remembered', async () => {
    const clock = { t: Date.now() };
    const { auth, counted } = authenticator({ cacheSec: 60, clock });
    const token = await idp.sign({ sub: citizenId }, { expiresIn: '10m' });
    for (let i = 0; i < 5; i++) expect(await auth.authenticate(bearer(token))).toEqual({ kind: 'citizen', personalId: citizenId });
    expect(counted.lookups).toBe(1);
    clock.t += 61_000;
    await auth.authenticate(bearer(token));
    expect(counted.lookups).toBe(2);
  });

  it('refuses a remembered token once it expires', async () => {
    const clock = { t: Date.now() };
    const { auth } = authenticator({ cacheSec: 600, clock });
    const token = await idp.sign({ sub: citizenId }, { expiresIn: '30s' });
    await auth.authenticate(bearer(token));
    clock.t += 31_000;
    await expect(auth.authenticate(bearer(token))).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED', reason: 'the token has expired' } });
  });

  it('checks every time when told to remember nothing', async () => {
    const { auth, counted } = authenticator({ cacheSec: 0, clock: { t: Date.now() } });
    const token = await idp.sign({ sub: citizenId });
    await auth.authenticate(bearer(token));
    await auth.authenticate(bearer(token));
    expect(counted.lookups).toBe(2);
  });

  it('does not remember refusals', async () => {
    const { auth, counted } = authenticator({ cacheSec: 60, clock: { t: Date.now() } });
    const forged = await idp.sign({ sub: citizenId }, { key: idp.strangerKey });
    for (let i = 0; i < 2; i++) {
      await expect(auth.authenticate(bearer(forged))).rejects.toMatchObject({ extensions: { reason: 'the token signature is invalid' } });
    }
    expect(counted.lookups).toBe(2);
  });

  it('forgets the oldest token when full', async () => {
    const { auth, counted } = authenticator({ cacheSec: 60, size: 2, clock: { t: Date.now() } });
    const [a, b, c] = await Promise.all([1, 2, 3].map((n) => idp.sign({ sub: citizenId, n })));
    for (const t of [a, b, c, c, b]) await auth.authenticate(bearer(t as string));
    expect(counted.lookups).toBe(3);
    await auth.authenticate(bearer(a as string));
    expect(counted.lookups).toBe(4);
  });

  it('hands out a caller that cannot be altered for the next request', async () => {
    const { auth } = authenticator({ cacheSec: 60, clock: { t: Date.now() } });
    const token = await idp.sign({ sub: 'canbo.01', agency: 'CA_HN', scope: 'citizen.read' });
    const first = await auth.authenticate(bearer(token));
    expect(() => (first as { scopes: string[] }).scopes.push('audit.read')).toThrow(TypeError);
    expect(await auth.authenticate(bearer(token))).toEqual({ kind: 'agency', officialId: 'canbo.01', agency: 'CA_HN', scopes: ['citizen.read'] });
  });
});

describe('keys the identity provider withdraws, and old tokens', () => {
  let idp: TestIdentityProvider;
  let stack: Stack;
  let citizenId: string;
  /** How far the gateway's clock is ahead of the wall clock. */
  let ahead = 0;
  beforeAll(async () => {
    idp = await startTestIdentityProvider();
    stack = await startStack(
      { AUTH_JWKS_URL: idp.jwksUrl, AUTH_ISSUER: TEST_ISSUER, AUTH_AUDIENCE: TEST_AUDIENCE, AUTH_JWKS_MAX_AGE_SEC: '60', AUTH_VERIFIED_CACHE_SEC: '60', AUTH_MAX_TOKEN_AGE_SEC: '600' },
      { now: () => new Date(Date.now() + ahead) },
    );
    citizenId = stack.persona('household-of-five');
  });
  afterAll(async () => {
    await stack.stop();
    await idp.stop();
  });
  const me = (token: string) => stack.graphql('{ me { id } }', { token });

  it('stops verifying new tokens signed with a withdrawn key once the key set is past its age, and forgets tokens it had verified', async () => {
    const before = await idp.sign({ sub: citizenId, jti: 'before' }, { expiresIn: '1h' });
    expect((await me(before)).status).toBe(200);
    idp.withdrawTrustedKey();
    // Within the key set's age the provider is not asked again.
    ahead += 30_000;
    const during = await idp.sign({ sub: citizenId, jti: 'during' }, { expiresIn: '1h' });
    expect((await me(during)).status).toBe(200);
    // Past it, the key set is fetched again and the withdrawn key is gone.
    ahead += 31_000;
    const fetched = idp.fetches();
    const after = await idp.sign({ sub: citizenId, jti: 'after' }, { expiresIn: '1h' });
    const refused = await me(after);
    expect(refused.status).toBe(401);
    expect(refused.body.errors?.[0]?.extensions?.reason).toMatch(/no key of the identity provider matches/);
    expect(idp.fetches()).toBeGreaterThan(fetched);
    // A token verified before is not trusted past AUTH_VERIFIED_CACHE_SEC either.
    expect((await me(before)).status).toBe(401);
    // Tokens from the new key work.
    const renewed = await idp.sign({ sub: citizenId }, { key: idp.strangerKey, kid: 'trusted-2' });
    expect((await me(renewed)).status).toBe(200);
  });

  it('refuses a token issued longer ago than AUTH_MAX_TOKEN_AGE_SEC, though not expired', async () => {
    const token = await idp.sign({ sub: citizenId, iat: Math.floor((Date.now() + ahead) / 1000) - 700 }, { key: idp.strangerKey, kid: 'trusted-2', expiresIn: '1h' });
    const res = await me(token);
    expect(res.status).toBe(401);
    expect(res.body.errors?.[0]?.extensions?.reason).toMatch(/issued too long ago/);
  });
});

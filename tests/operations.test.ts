import { connect } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startMockRegistries, type MockRegistries } from '../mocks/startMockRegistries';
import { rotateKeys } from '../src/keys/loadKeyRing';
import { ConfigError, loadConfig } from '../src/config';
import { createGateway, type Gateway } from '../src/createGateway';
import { json, startStack, testDataset, type Stack } from './helpers/stack';
import { createTestDatabase, type TestDatabase } from './helpers/database';
import { externalServices } from './helpers/externalServices';
import { startTestIdentityProvider, type TestIdentityProvider } from './helpers/testIdentityProvider';

describe('operations endpoints (development)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.stop());

  it('answers /healthz with 200', async () => {
    const res = await fetch(`${stack.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ status: 'ok' });
  });

  it("reports each registry's breaker and the cache on /readyz", async () => {
    const res = await fetch(`${stack.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({
      status: 'ready',
      checks: { config: 'ok', store: 'ok' },
      registries: { population: { breaker: 'closed' }, residence: { breaker: 'closed' }, documents: { breaker: 'closed' } },
      cache: { kind: 'off', up: true },
    });
  });

  it('exposes the contract metrics on /metrics after a query', async () => {
    const token = await stack.citizenToken(stack.persona('minor'));
    await stack.graphql('{ me { person { fullName } documents { type } } }', { token });
    const text = await (await fetch(`${stack.url}/metrics`)).text();
    expect(text).toMatch(/gateway_upstream_requests_total\{registry="population",outcome="ok"\} 1/);
    expect(text).toMatch(/gateway_upstream_duration_seconds_bucket\{le="[0-9.]+",registry="documents"\}/);
    expect(text).toMatch(/gateway_graphql_requests_total\{operation_type="query",outcome="success"\} 1/);
    expect(text).toMatch(/gateway_breaker_state\{registry="residence"\} 0/);
    // One own read of two fields from two registries: one record, one transaction, one wait observed.
    expect(text).toMatch(/^gateway_audit_records_total 1$/m);
    expect(text).toMatch(/^gateway_audit_transactions_total 1$/m);
    expect(text).toMatch(/^gateway_audit_wait_seconds_count 1$/m);
  });

  it('lists personas with a one-line description each', async () => {
    const { personas } = (await (await fetch(`${stack.url}/dev/personas`)).json()) as { personas: { key: string; personalId: string; description: string }[] };
    expect(personas.map((p) => p.key)).toEqual(
      expect.arrayContaining(['household-of-five', 'married-couple', 'minor', 'deceased', 'no-documents']),
    );
    for (const p of personas) {
      expect(p.personalId).toMatch(/^\d{12}$/);
      expect(p.description.length).toBeGreaterThan(5);
    }
  });

  it('lists the embedded registries with their Vietnamese names and breakers', async () => {
    const list = (await (await fetch(`${stack.url}/dev/registries`)).json()) as { name: string; title: string; url: string; breaker: string }[];
    expect(list).toEqual([
      { name: 'population', title: 'Cơ sở dữ liệu quốc gia về dân cư', url: stack.mocks.urls.POPULATION, breaker: 'closed' },
      { name: 'residence', title: 'Cơ sở dữ liệu về cư trú', url: stack.mocks.urls.RESIDENCE, breaker: 'closed' },
      { name: 'documents', title: 'Kho dữ liệu giấy tờ đã cấp', url: stack.mocks.urls.DOCUMENTS, breaker: 'closed' },
    ]);
  });

  it.each([
    ['an array', '[]', /JSON object/],
    ['an unknown role', '{"role":"admin","sub":"x"}', /role must be/],
    ['a citizen with a bad ID', '{"role":"citizen","sub":"12345"}', /sub: a personal ID has exactly 12 digits/],
    ['an agency without a code', '{"role":"agency","sub":"canbo.01"}', /agency:/],
    ['an agency with hostile scopes', '{"role":"agency","sub":"canbo.01","agency":"CA_HN","scopes":["a b"]}', /scopes:/],
    ['malformed JSON', '{"role":', /not valid JSON/],
  ])('answers 400 for a /dev/token request with %s', async (_name, body, message) => {
    const res = await fetch(`${stack.url}/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await json(res))).toMatch(message);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await fetch(`${stack.url}/admin`);
    expect(res.status).toBe(404);
    expect(await json(res)).toEqual({ error: { code: 'NOT_FOUND', message: 'No such route', messageVi: expect.any(String) } });
  });

  it('moves through its lifecycle phases when stopped', async () => {
    const other = await startStack();
    const stopping = other.gateway.stop();
    expect(other.gateway.phase()).toBe('draining');
    await stopping;
    expect(other.gateway.phase()).toBe('stopped');
    await other.mocks.stop();
  });
});

describe('production mode', () => {
  let mocks: MockRegistries;
  let idp: TestIdentityProvider;
  let gateway: Gateway;
  let url: string;
  let database: TestDatabase;
  let keyDir: string;
  beforeAll(async () => {
    database = await createTestDatabase();
    // Production never makes its own key: it is provisioned, like any secret.
    keyDir = mkdtempSync(path.join(tmpdir(), 'gw-keys-'));
    await rotateKeys(keyDir);
    const dataset = testDataset();
    mocks = await startMockRegistries({ seed: dataset.seed, size: dataset.people.size, dataset, latency: { minMs: 0, maxMs: 1 } });
    idp = await startTestIdentityProvider();
    const config = loadConfig({
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'silent',
      ...externalServices(mocks, idp, database.url),
      SIGNING_KEY_DIR: keyDir,
    });
    gateway = await createGateway({ config });
    url = await gateway.listen();
  });
  afterAll(async () => {
    await gateway.stop();
    await mocks.stop();
    await idp.stop();
    await database.drop();
  });

  it('refuses to start without registry URLs and identity-provider settings, listing every key', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    const problems = (() => {
      try {
        loadConfig({ NODE_ENV: 'production', PORT: 'eighty' });
        return [];
      } catch (err) {
        return (err as ConfigError).problems;
      }
    })();
    expect(problems).toEqual([
      'POPULATION_URL is required in production',
      'RESIDENCE_URL is required in production',
      'DOCUMENTS_URL is required in production',
      'AUTH_JWKS_URL is required in production',
      'PORT must be an integer between 0 and 65535, got "eighty"',
      'DATABASE_URL is required in production',
      'SIGNING_KEY_DIR is required',
    ]);
  });

  it('refuses registry connection bounds that are not a positive integer', () => {
    const dev = { NODE_ENV: 'development' };
    for (const value of ['0', '-1', '1e9', 'many', '64.5']) {
      expect(() => loadConfig({ ...dev, REGISTRY_MAX_CONNECTIONS: value })).toThrow(/REGISTRY_MAX_CONNECTIONS must be an integer between 1 and 4096/);
    }
    expect(() => loadConfig({ ...dev, RESIDENCE_MAX_CONNECTIONS: '0' })).toThrow(/RESIDENCE_MAX_CONNECTIONS/);
    expect(loadConfig({ ...dev, REGISTRY_MAX_CONNECTIONS: '8', DOCUMENTS_MAX_CONNECTIONS: '2' }).registries).toMatchObject({
      POPULATION: { maxConnections: 8 },
      DOCUMENTS: { maxConnections: 2 },
    });
  });

  it.each(['/dev/token', '/dev/personas', '/dev/registries', '/playground/graphiql.min.js'])('has no %s', async (path) => {
    const res = await fetch(`${url}${path}`, { method: path === '/dev/token' ? 'POST' : 'GET' });
    expect(res.status).toBe(404);
  });

  it('serves no playground to a browser', async () => {
    const res = await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } });
    expect(res.headers.get('content-type')).not.toMatch(/html/);
  });

  it('refuses introspection, even with a valid token', async () => {
    const token = await idp.sign({ sub: testDataset().personas[0]?.personalId });
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ __schema { types { name } } }' }),
    });
    expect(res.status).toBe(400);
    expect((await json(res)).data).toBeUndefined();
  });

  it('serves data to a valid token from the configured provider', async () => {
    const id = testDataset().personas[0]?.personalId;
    const token = await idp.sign({ sub: id });
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ me { id } }' }),
    });
    expect(await json(res)).toEqual({ data: { me: { id } } });
  });
});

describe('development only when asked for', () => {
  const registries = { POPULATION_URL: 'https://dancu.example.gov.vn', RESIDENCE_URL: 'https://cutru.example.gov.vn', DOCUMENTS_URL: 'https://giayto.example.gov.vn' };
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig(env);
      return [];
    } catch (err) {
      return (err as ConfigError).problems;
    }
  };

  it.each([
    ['NODE_ENV=staging', { NODE_ENV: 'staging' }],
    ['NODE_ENV unset', {}],
    ['NODE_ENV=test', { NODE_ENV: 'test' }],
  ])('refuses to start with %s, real registries and no identity provider, naming what is missing', (_name, mode) => {
    expect(problems({ ...mode, ...registries, HOST: '0.0.0.0' })).toEqual([expect.stringMatching(/^AUTH_JWKS_URL is required unless NODE_ENV=development/)]);
  });

  it('refuses to start outside development with neither registries nor identity provider, listing every one', () => {
    expect(problems({ NODE_ENV: 'staging' }).map((p) => p.split(' ')[0])).toEqual(['POPULATION_URL', 'RESIDENCE_URL', 'DOCUMENTS_URL', 'AUTH_JWKS_URL']);
  });

  it.each([
    ['listens beyond this machine', { HOST: '0.0.0.0' }, /HOST "0.0.0.0" is not a loopback address/],
    ['reads a registry on another machine', { POPULATION_URL: 'https://dancu.example.gov.vn' }, /POPULATION_URL points at another machine/],
  ])('refuses development that %s', (_name, env, message) => {
    expect(problems({ NODE_ENV: 'development', ...env })).toEqual([expect.stringMatching(message)]);
  });

  it('accepts development against mock registries on this machine', () => {
    expect(problems({ NODE_ENV: 'development', POPULATION_URL: 'http://127.0.0.1:4101', HOST: 'localhost' })).toEqual([]);
  });

  describe('a gateway in another mode, fully configured', () => {
    let mocks: MockRegistries;
    let idp: TestIdentityProvider;
    let gateway: Gateway;
    let url: string;
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase();
      const dataset = testDataset();
      mocks = await startMockRegistries({ seed: dataset.seed, size: dataset.people.size, dataset, latency: { minMs: 0, maxMs: 1 } });
      idp = await startTestIdentityProvider();
      const keyDir = mkdtempSync(path.join(tmpdir(), 'gw-keys-'));
      await rotateKeys(keyDir);
      const config = loadConfig({ NODE_ENV: 'staging', PORT: '0', LOG_LEVEL: 'silent', ...externalServices(mocks, idp, database.url), SIGNING_KEY_DIR: keyDir });
      gateway = await createGateway({ config });
      url = await gateway.listen();
    });
    afterAll(async () => {
      await gateway.stop();
      await mocks.stop();
      await idp.stop();
      await database.drop();
    });

    it.each(['/dev/token', '/dev/personas', '/dev/registries', '/playground/graphiql.min.js', '/demo/'])('has no %s', async (route) => {
      const res = await fetch(`${url}${route}`, { method: route === '/dev/token' ? 'POST' : 'GET', headers: { 'content-type': 'application/json' }, body: route === '/dev/token' ? '{"role":"agency","sub":"x","agency":"CA_HN","scopes":["residence.process"]}' : undefined });
      expect(res.status).toBe(404);
    });

    it('refuses introspection without a token', async () => {
      const res = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __schema { queryType { name } } }' }) });
      expect(res.status).toBe(401);
    });
  });
});

describe('the HTTP listener', () => {
  it('answers a client that sends its headers too slowly with 408 and closes the connection', async () => {
    const stack = await startStack({ HTTP_HEADERS_TIMEOUT_MS: '300', HTTP_REQUEST_TIMEOUT_MS: '1000' });
    try {
      const { port } = new URL(stack.url);
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1', () => socket.write('POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n'));
        let received = '';
        socket.on('data', (chunk) => (received += chunk.toString()));
        socket.on('close', () => resolve(received));
        socket.on('error', reject);
      });
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      await stack.stop();
    }
  });

  it('moves /metrics and /readyz to the admin listener when ADMIN_PORT is set, keeping /healthz on both', async () => {
    const stack = await startStack({ ADMIN_PORT: '0' });
    try {
      const admin = stack.gateway.adminUrl() as string;
      expect(admin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(`${admin}/metrics`)).status).toBe(200);
      expect((await fetch(`${admin}/readyz`)).status).toBe(200);
      expect((await fetch(`${admin}/healthz`)).status).toBe(200);
      expect((await fetch(`${admin}/graphql`, { method: 'POST' })).status).toBe(404);
      expect((await fetch(`${stack.url}/metrics`)).status).toBe(404);
      expect((await fetch(`${stack.url}/readyz`)).status).toBe(404);
      expect((await fetch(`${stack.url}/healthz`)).status).toBe(200);
    } finally {
      await stack.stop();
    }
  });
});

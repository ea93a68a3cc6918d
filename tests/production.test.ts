import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startMockRegistries, type MockRegistries } from '../mocks/startMockRegistries';
import { loadConfig } from '../src/config';
import { createGateway, type Gateway } from '../src/createGateway';
import { createLogger } from '../src/logger';
import { randomHex } from '../src/request/requestScope';
import { rotateKeys } from '../src/keys/loadKeyRing';
import { buildManifest } from '../src/persisted/manifest';
import { createTestDatabase, type TestDatabase } from './helpers/database';
import { externalServices } from './helpers/externalServices';
import { json, startStack, testDataset } from './helpers/stack';
import { startTestIdentityProvider, type TestIdentityProvider } from './helpers/testIdentityProvider';
import { TSX_NODE_FLAGS } from './helpers/tsxNode';

const PORTAL_OPERATIONS = `
query MyName { me { person { ...Name } } }
fragment Name on Person { fullName }
query Household($id: PersonalId!) { citizen(id: $id) { household { members { relationshipToHead citizen { id } } } } }
query Misspelt { me { person { fullNam } } }
`;

// Persisted operations are answered by the compiled lane (src/lane/) unless COMPILED_LANE=off: both ways are held to the same answers.
describe.each([
  ['the compiled lane', 'on'],
  ['Apollo Server', 'off'],
])('production mode: persisted operations, CORS, headers, served by %s', (_served, compiledLane) => {
  let mocks: MockRegistries;
  let idp: TestIdentityProvider;
  let db: TestDatabase;
  let gateway: Gateway;
  let url: string;
  let token: string;
  const warnings: string[] = [];
  // Made without the schema check (as by hand, or for another schema): Misspelt is listed.
  const manifest = buildManifest([{ file: 'portal.graphql', text: PORTAL_OPERATIONS }]);
  const hash = (name: string) => manifest.operations.find((o) => o.name === name)?.id as string;

  beforeAll(async () => {
    const dataset = testDataset();
    mocks = await startMockRegistries({ seed: dataset.seed, size: dataset.people.size, dataset, latency: { minMs: 0, maxMs: 1 } });
    idp = await startTestIdentityProvider();
    db = await createTestDatabase();
    const dir = mkdtempSync(path.join(tmpdir(), 'gw-prod-'));
    await rotateKeys(path.join(dir, 'keys'));
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
    const config = loadConfig({
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'silent',
      ...externalServices(mocks, idp, db.url),
      SIGNING_KEY_DIR: path.join(dir, 'keys'),
      PERSISTED_OPERATIONS: path.join(dir, 'manifest.json'),
      CORS_ORIGINS: 'https://dichvucong.example.gov.vn',
      COMPILED_LANE: compiledLane,
    });
    gateway = await createGateway({ config, logger: createLogger('warn', { write: (line: string) => void warnings.push(line) }) });
    url = await gateway.listen();
    token = await idp.sign({ sub: dataset.personas[0]?.personalId });
  });
  afterAll(async () => {
    await gateway.stop();
    await mocks.stop();
    await idp.stop();
    await db.drop();
  });

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers }, body: JSON.stringify(body) });

  it('runs a listed operation sent by its hash, Apollo-style or as documentId, by POST or GET', async () => {
    const byExtension = await json(await post({ extensions: { persistedQuery: { version: 1, sha256Hash: hash('MyName') } } }));
    expect(byExtension.data.me.person.fullName).toEqual(expect.any(String));
    expect((await json(await post({ documentId: `sha256:${hash('MyName')}` }))).data.me.person.fullName).toEqual(expect.any(String));
    const get = await fetch(`${url}/graphql?extensions=${encodeURIComponent(JSON.stringify({ persistedQuery: { version: 1, sha256Hash: hash('MyName') } }))}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect((await json(get)).data.me.person.fullName).toEqual(expect.any(String));
    // The two POSTs by the lane when it is on; a GET always by Apollo Server.
    const served = /^gateway_compiled_lane_requests_total (\d+)$/m.exec(await (await fetch(`${url}/metrics`)).text())?.[1];
    expect(served).toBe(compiledLane === 'on' ? '2' : '0');
  });

  it('runs the exact text of a listed operation', async () => {
    const op = manifest.operations.find((o) => o.name === 'MyName');
    expect((await json(await post({ query: op?.body }))).data.me).toBeTruthy();
  });

  it('answers PERSISTED_QUERY_NOT_FOUND to an unknown hash', async () => {
    const res = await post({ extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } });
    expect(res.status).toBe(404);
    expect((await json(res)).errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('refuses a document that is not in the manifest', async () => {
    const res = await post({ query: '{ me { person { fullName religion } } }' });
    expect(res.status).toBe(400);
    expect((await json(res)).errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('refuses a hash sent with a different text', async () => {
    const res = await post({ query: '{ me { id } }', extensions: { persistedQuery: { version: 1, sha256Hash: hash('MyName') } } });
    expect((await json(res)).errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('warns at start-up, once, of each listed operation the schema refuses, and of no other', () => {
    const refused = warnings.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => String(l.msg).startsWith('persisted operation the gateway refuses'));
    expect(refused).toEqual([expect.objectContaining({ operation: 'Misspelt', problems: 1 })]);
  });

  it('gives no field suggestions', async () => {
    const body = await json(await post({ extensions: { persistedQuery: { version: 1, sha256Hash: hash('Misspelt') } } }));
    expect(body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(body.errors[0].message).not.toMatch(/Did you mean/);
  });

  it('sends security headers', async () => {
    const res = await fetch(`${url}/healthz`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=/);
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('forbids any cache from keeping an answer, and sends no ETag', async () => {
    const res = await post({ documentId: `sha256:${hash('MyName')}` });
    expect((await json(res)).data.me.person.fullName).toEqual(expect.any(String));
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('etag')).toBeNull();
    expect((await fetch(`${url}/.well-known/jwks.json`)).headers.get('cache-control')).toBe('public, max-age=300');
  });

  it('answers CORS for the allowed portal only', async () => {
    const allowed = await fetch(`${url}/graphql`, { method: 'OPTIONS', headers: { origin: 'https://dichvucong.example.gov.vn', 'access-control-request-method': 'POST' } });
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://dichvucong.example.gov.vn');
    const other = await fetch(`${url}/graphql`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(other.status).toBe(403);
    const simple = await post({ documentId: hash('MyName') }, { origin: 'https://evil.example' });
    expect(simple.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('npm run persisted:manifest', () => {
  const cli = (args: string[]) =>
    new Promise<{ code: number; output: string }>((resolve) =>
      execFile(process.execPath, [...TSX_NODE_FLAGS, path.join(__dirname, '..', 'src', 'persistedManifest.ts'), ...args], (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr }),
      ),
    );
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'gw-manifest-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes the manifest of operations the gateway's schema validates", async () => {
    const ops = path.join(dir, 'portal.graphql');
    writeFileSync(ops, PORTAL_OPERATIONS.replace(/^query Misspelt.*$/m, ''));
    const { code, output } = await cli([path.join(dir, 'manifest.json'), ops]);
    expect([code, output]).toEqual([0, expect.stringContaining('2 operation(s) written')]);
    expect(JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'))).toEqual(buildManifest([{ file: ops, text: readFileSync(ops, 'utf8') }]));
  });

  it('refuses an operation the schema does not validate, naming it and why, and writes nothing', async () => {
    const ops = path.join(dir, 'misspelt.graphql');
    writeFileSync(ops, PORTAL_OPERATIONS);
    const { code, output } = await cli([path.join(dir, 'refused.json'), ops]);
    expect(code).toBe(1);
    expect(output).toContain(`${ops}: operation Misspelt is not valid against the gateway's schema`);
    expect(output).toContain('Cannot query field "fullNam" on type "Person"');
    expect(output).not.toMatch(/\n\s+at /);
    expect(existsSync(path.join(dir, 'refused.json'))).toBe(false);
  });

  it.each([
    ['a directory', () => dir, 'DIR: EISDIR'],
    ['a file that does not exist', () => path.join(dir, 'absent.graphql'), 'absent.graphql: ENOENT'],
    ['a file of fragments only', () => {
      writeFileSync(path.join(dir, 'fragments.graphql'), 'fragment Name on Person { fullName }\n');
      return path.join(dir, 'fragments.graphql');
    }, 'fragments.graphql: nothing written'],
  ])('refuses %s as operations, naming it, and writes nothing', async (_name, input, message) => {
    const { code, output } = await cli([path.join(dir, 'none.json'), input()]);
    expect(code).toBe(1);
    expect(output).toContain(message.replace('DIR', dir));
    expect(output).not.toMatch(/\n\s+at /);
    expect(existsSync(path.join(dir, 'none.json'))).toBe(false);
  });
});

describe('tracing', () => {
  it('draws trace ids that never repeat, across refills of its random pool', () => {
    const ids = Array.from({ length: 2000 }, () => randomHex(16));
    expect(ids.every((id) => /^[0-9a-f]{32}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('continues the caller\'s W3C trace into the registries, with a span of its own', async () => {
    const stack = await startStack();
    try {
      const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
      await stack.resetRegistryCalls();
      await stack.graphql('{ me { person { fullName } } }', { token: await stack.citizenToken(stack.persona('minor')), headers: { traceparent: `00-${trace}-00f067aa0ba902b7-01` } });
      const stats = await json(await fetch(`${stack.mocks.urls.POPULATION}/__stats`));
      expect(stats.traceparents).toHaveLength(1);
      expect(stats.traceparents[0]).toMatch(new RegExp(`^00-${trace}-[0-9a-f]{16}-01$`));
      expect(stats.traceparents[0]).not.toContain('00f067aa0ba902b7');
      await stack.graphql('{ me { id person { fullName } } }', { token: await stack.citizenToken(stack.persona('married-couple')), headers: { traceparent: 'garbage' } });
      const fresh = await json(await fetch(`${stack.mocks.urls.POPULATION}/__stats`));
      expect(fresh.traceparents[1]).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      expect(fresh.traceparents[1]).not.toContain(trace);
    } finally {
      await stack.stop();
    }
  });

  it("logs one line per request with its trace, caller, purpose, operation and each registry's calls and time", async () => {
    const stack = await startStack();
    try {
      const trace = '0af7651916cd43dd8448eb211c80319c';
      const id = stack.persona('household-of-five');
      const res = await stack.graphql('query Household($id: PersonalId!) { citizen(id: $id) { person { fullName } household { members { relationshipToHead } } } }', {
        token: await stack.agencyToken(),
        variables: { id },
        headers: { 'x-purpose': 'CT01_RESIDENCE', traceparent: `00-${trace}-b7ad6b7169203331-01`, 'x-request-id': 'log-line-1' },
      });
      expect(res.body.errors).toBeUndefined();
      const line = stack
        .logs()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.msg === 'graphql request' && l.requestId === 'log-line-1');
      expect(line).toMatchObject({
        traceId: trace,
        // Officials are people too: their ids are masked like personal IDs.
        caller: { kind: 'agency', agency: 'CA_HN', official: 'ca****01' },
        purpose: 'CT01_RESIDENCE',
        operation: { name: 'Household', type: 'query' },
        status: 200,
        outcome: 'success',
        durationMs: expect.any(Number),
        registries: { population: { calls: 1, ms: expect.any(Number) }, residence: { calls: 1, ms: expect.any(Number) } },
      });
      expect(line?.citizens).toBeGreaterThan(0);
      expect(JSON.stringify(line)).not.toContain(id);
      expect(JSON.stringify(line)).not.toContain('canbo.01');
    } finally {
      await stack.stop();
    }
  });
});

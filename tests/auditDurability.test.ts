import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startMockRegistries, type MockRegistries } from '../mocks/startMockRegistries';
import { verifyChain } from '../src/audit/verifyChain';
import { loadKeyRing, rotateKeys } from '../src/keys/loadKeyRing';
import { createStore } from '../src/store/createStore';
import { createTestDatabase, type TestDatabase } from './helpers/database';
import { externalServices } from './helpers/externalServices';
import { spawnGateway, type GatewayProcess } from './helpers/gatewayProcess';
import { startPostgresInstance, type PostgresInstance } from './helpers/postgresInstance';
import { startStack, testDataset, type Stack } from './helpers/stack';
import { startTestIdentityProvider, type TestIdentityProvider } from './helpers/testIdentityProvider';

const QUERY = 'query($id: PersonalId!) { citizen(id: $id) { person { fullName } } }';

async function ask(url: string, token: string, id: string, requestId: string) {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': 'CT01_RESIDENCE', 'x-request-id': requestId },
    body: JSON.stringify({ query: QUERY, variables: { id } }),
  });
  return { status: res.status, body: (await res.json()) as { data?: { citizen?: { person?: { fullName?: string } } }; errors?: { extensions?: { code?: string } }[] } };
}

describe('PostgreSQL stopped', () => {
  let pg: PostgresInstance;
  let stack: Stack;
  let token: string;
  let id: string;
  beforeAll(async () => {
    pg = await startPostgresInstance();
    stack = await startStack({ DATABASE_URL: pg.url });
    token = await stack.agencyToken();
    id = stack.persona('household-of-five');
  });
  afterAll(async () => {
    pg.start();
    await stack.stop();
    pg.destroy();
  });
  const readyz = async () => (await fetch(`${stack.url}/readyz`)).status;

  it('serves data while the store is up', async () => {
    expect((await ask(stack.url, token, id, 'pg-up')).body.data?.citizen?.person?.fullName).toEqual(expect.any(String));
    expect(await readyz()).toBe(200);
  });

  it('serves no citizen data, with STORE_UNAVAILABLE and 503, and turns /readyz red while it is down', async () => {
    pg.stop();
    const res = await ask(stack.url, token, id, 'pg-down');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ errors: [{ message: expect.stringMatching(/audit trail cannot be reached/), extensions: { code: 'STORE_UNAVAILABLE', messageVi: expect.any(String) } }] });
    expect(await readyz()).toBe(503);
  });

  it('recovers by itself when PostgreSQL returns', async () => {
    pg.start();
    let res = await ask(stack.url, token, id, 'pg-back');
    for (let i = 0; i < 300 && !res.body.data; i++) {
      await new Promise((r) => setTimeout(r, 100));
      res = await ask(stack.url, token, id, `pg-back-${i}`);
    }
    expect(res.body.data?.citizen?.person?.fullName).toEqual(expect.any(String));
    expect(await readyz()).toBe(200);
    expect(await verifyChain(stack.gateway.store, stack.gateway.keys)).toMatchObject({ ok: true });
    const down = await stack.gateway.store.query("SELECT 1 FROM audit_log WHERE request_id = 'pg-down'");
    expect(down).toEqual([]);
  });

  it('lets no response carry data about a citizen without a committed record, under load, while the store goes down', async () => {
    const queries = [
      QUERY,
      'query($id: PersonalId!) { citizen(id: $id) { documents(types: [IDENTITY_CARD]) { number } } }',
      'query($id: PersonalId!) { citizen(id: $id) { household { members { __typename } } } }',
    ];
    const carried: string[] = [];
    let stopped = false;
    const worker = async (w: number) => {
      for (let i = 0; i < 25; i++) {
        const requestId = `burst-${w}-${i}`;
        const res = await fetch(`${stack.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': 'CT01_RESIDENCE', 'x-request-id': requestId },
          body: JSON.stringify({ query: queries[i % queries.length], variables: { id } }),
        });
        const body = (await res.json()) as { data?: { citizen?: unknown } };
        if (body.data?.citizen) carried.push(requestId);
        if (!stopped && carried.length >= 20) {
          stopped = true;
          pg.stop();
        }
      }
    };
    await Promise.all(Array.from({ length: 6 }, (_, w) => worker(w)));
    pg.start();
    expect(stopped).toBe(true);
    expect(carried.length).toBeGreaterThanOrEqual(20);
    expect(carried.length).toBeLessThan(150);
    // Every response that carried data has its committed record, once the store is back.
    let committed = new Set<string>();
    for (let i = 0; i < 50; i++) {
      try {
        const rows = await stack.gateway.store.query<{ request_id: string }>("SELECT DISTINCT request_id FROM audit_log WHERE request_id LIKE 'burst-%' AND outcome = 'disclosed'");
        committed = new Set(rows.map((r) => r.request_id));
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    expect(carried.filter((r) => !committed.has(r))).toEqual([]);
  });
});

describe('gateway processes on one PostgreSQL', () => {
  let mocks: MockRegistries;
  let idp: TestIdentityProvider;
  let db: TestDatabase;
  let keyDir: string;
  let env: Record<string, string>;
  const running: GatewayProcess[] = [];
  const dataset = testDataset();
  const ids = [...dataset.people.keys()];

  beforeAll(async () => {
    mocks = await startMockRegistries({ seed: dataset.seed, size: dataset.people.size, dataset, latency: { minMs: 1, maxMs: 3 } });
    idp = await startTestIdentityProvider();
    db = await createTestDatabase();
    keyDir = mkdtempSync(path.join(tmpdir(), 'gw-keys-'));
    await rotateKeys(keyDir);
    env = {
      ...externalServices(mocks, idp, db.url),
      SIGNING_KEY_DIR: keyDir,
      DATA_DIR: keyDir,
      AUDIT_CHECKPOINT_EVERY: '25',
      // What is under test is the audit trail: a registry call that a CPU-starved machine (two
      // gateways, the mocks and other test files on two cores) cannot answer within the default
      // 2 s would fail a request for a reason of its own (UPSTREAM_TIMEOUT, seen once).
      REGISTRY_TIMEOUT_MS: '20000',
    };
  });
  afterAll(async () => {
    for (const p of running) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await mocks.stop();
    await idp.stop();
    await db.drop();
    rmSync(keyDir, { recursive: true, force: true });
  });

  async function chain() {
    const store = await createStore({ databaseUrl: db.url, dataDir: keyDir });
    try {
      const keys = await loadKeyRing({ dir: keyDir, createIfMissing: false });
      const report = await verifyChain(store, keys);
      const rows = await store.query<{ request_id: string; outcome: string }>('SELECT request_id, outcome FROM audit_log');
      return { report, byRequest: new Map(rows.map((r) => [r.request_id, r.outcome])) };
    } finally {
      await store.close();
    }
  }

  it('keeps a record of every response a client received when the gateway is killed mid-burst, and the chain verifies', async () => {
    const token = await idp.sign({ sub: 'canbo.07', agency: 'CA_HN', scope: 'residence.process' });
    const first = await spawnGateway(env);
    running.push(first);
    const received: string[] = [];
    let sent = 0;
    const worker = async (w: number) => {
      for (let i = 0; i < 60; i++) {
        const requestId = `crash-${w}-${i}`;
        sent++;
        try {
          const res = await ask(first.url, token, ids[(w * 60 + i) % ids.length] as string, requestId);
          if (res.body.data?.citizen?.person) received.push(requestId);
        } catch {
          return; // the gateway is gone
        }
        if (received.length === 40) first.child.kill('SIGKILL');
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)));
    expect(await first.exited).toBeNull();
    expect(received.length).toBeGreaterThanOrEqual(40);
    expect(received.length).toBeLessThan(sent);

    const second = await spawnGateway(env);
    running.push(second);
    expect((await ask(second.url, token, ids[0] as string, 'after-restart')).body.data?.citizen?.person).toBeDefined();
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    const { report, byRequest } = await chain();
    expect(report).toMatchObject({ ok: true });
    const missing = received.filter((r) => byRequest.get(r) !== 'disclosed');
    expect(missing).toEqual([]);
  });

  it('loses no record and keeps one valid chain with two processes writing at once', async () => {
    const token = await idp.sign({ sub: 'canbo.08', agency: 'CA_HN', scope: 'residence.process' });
    const [a, b] = await Promise.all([spawnGateway(env), spawnGateway(env)]);
    running.push(a, b);
    const before = (await chain()).report.records;
    const requests = Array.from({ length: 300 }, (_, i) => ({ url: i % 2 ? a.url : b.url, id: ids[i] as string, requestId: `pair-${i}` }));
    // Each answer without its person, with what it said instead: there should be none.
    const unanswered: { requestId: string; status: number; codes: (string | undefined)[] }[] = [];
    for (let i = 0; i < requests.length; i += 30) {
      const slice = requests.slice(i, i + 30);
      const batch = await Promise.all(slice.map((r) => ask(r.url, token, r.id, r.requestId)));
      batch.forEach((r, j) => {
        if (!r.body.data?.citizen?.person) unanswered.push({ requestId: slice[j]?.requestId as string, status: r.status, codes: (r.body.errors ?? []).map((e) => e.extensions?.code) });
      });
    }
    expect(unanswered).toEqual([]);
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    await Promise.all([a.exited, b.exited]);

    const { report, byRequest } = await chain();
    expect(report).toMatchObject({ ok: true });
    expect(report.records - before).toBe(300);
    expect(requests.every((r) => byRequest.get(r.requestId) === 'disclosed')).toBe(true);
  });
});

describe('the embedded store', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({}, { store: 'embedded' });
  });
  afterAll(() => stack.stop());

  it('writes and verifies the same chain as PostgreSQL', async () => {
    expect(stack.gateway.store.kind).toBe('pglite');
    const token = await stack.agencyToken();
    for (const id of [...stack.dataset.people.keys()].slice(0, 5)) {
      expect((await ask(stack.url, token, id, `embedded-${id}`)).body.data).toBeDefined();
    }
    const report = await verifyChain(stack.gateway.store, stack.gateway.keys);
    expect(report).toMatchObject({ ok: true, records: 5 });
  });
});

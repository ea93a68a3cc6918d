import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startMockRegistries, type MockRegistries } from '../mocks/startMockRegistries';
import { createTestDatabase, type TestDatabase } from './helpers/database';
import { externalServices } from './helpers/externalServices';
import { spawnGateway } from './helpers/gatewayProcess';
import { testDataset } from './helpers/stack';
import { startTestIdentityProvider, type TestIdentityProvider } from './helpers/testIdentityProvider';

describe('SIGTERM under load', () => {
  let mocks: MockRegistries;
  let idp: TestIdentityProvider;
  let db: TestDatabase;
  beforeAll(async () => {
    const dataset = testDataset();
    // Slow registries, so that requests are still in flight when the signal comes.
    mocks = await startMockRegistries({ seed: dataset.seed, size: dataset.people.size, dataset, latency: { minMs: 1500, maxMs: 1600 } });
    idp = await startTestIdentityProvider();
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await mocks.stop();
    await idp.stop();
    await db.drop();
  });

  it('lets in-flight requests complete, refuses new ones, and exits 0', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gw-shutdown-'));
    const gateway = await spawnGateway({
      ...externalServices(mocks, idp, db.url),
      DATA_DIR: dir,
      // The registries are slow on purpose; a busy machine must not turn that into timeouts.
      REGISTRY_TIMEOUT_MS: '15000',
    });
    const token = await idp.sign({ sub: 'canbo.09', agency: 'CA_HN', scope: 'residence.process' });
    const ids = [...testDataset().people.keys()].slice(0, 10);
    const ask = (id: string) =>
      fetch(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': 'CT01_RESIDENCE' },
        body: JSON.stringify({ query: 'query($id: PersonalId!) { citizen(id: $id) { person { fullName } } }', variables: { id } }),
      }).then(async (r) => ({ status: r.status, connection: r.headers.get('connection'), body: (await r.json()) as { data?: { citizen?: { person?: unknown } } } }));

    mocks.servers.POPULATION.resetStats();
    const inFlight = ids.map((id) => ask(id));
    // Signal only once every request is inside the gateway, waiting on the (slow) registry.
    for (let i = 0; i < 2000 && mocks.servers.POPULATION.stats().requests < ids.length; i++) await new Promise((r) => setTimeout(r, 10));
    expect(mocks.servers.POPULATION.stats().requests).toBe(ids.length);
    gateway.child.kill('SIGTERM');
    // The drain has begun once the gateway says it is not ready.
    for (let i = 0; i < 2000 && (await fetch(`${gateway.url}/readyz`)).status !== 503; i++) await new Promise((r) => setTimeout(r, 10));
    const late = await ask(ids[0] as string);
    const done = await Promise.all(inFlight);
    expect(done.map((r) => r.status)).toEqual(ids.map(() => 200));
    expect(done.every((r) => r.body.data?.citizen?.person)).toBe(true);
    // In-flight answers tell their clients the connection closes; a late request is answered, not reset.
    expect(done.map((r) => r.connection)).toEqual(ids.map(() => 'close'));
    expect(late).toMatchObject({ status: 503, connection: 'close' });
    expect(await gateway.exited).toBe(0);
  });
});

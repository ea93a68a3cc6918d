import path from 'node:path';
import { startMockRegistriesThread, type ThreadedMockRegistries } from '../mocks/startMockRegistriesThread';
import { signRegistryEvent } from '../src/http/registryEvents';
import { localCacheDir } from '../src/paths';
import { startRegistryEventReceiver } from './helpers/registryEventReceiver';

/** `npm start` serves the mock registries from a worker thread: the same services, reached the same way. */
describe('mock registries in a worker thread', () => {
  let mocks: ThreadedMockRegistries;
  beforeAll(async () => {
    // The dataset the other suites use, read back from their cache.
    mocks = await startMockRegistriesThread({ seed: 'vn-registry-gateway', size: 20_000, latency: { minMs: 0, maxMs: 1 }, cacheDir: path.join(localCacheDir(), 'mock-datasets') });
  });
  afterAll(() => mocks?.stop());

  it('reports its URLs, its size and a persona, and serves citizens over HTTP', async () => {
    expect(mocks.citizens).toBeGreaterThanOrEqual(20_000);
    expect(mocks.firstPersona).toMatch(/^\d{12}$/);
    const res = await fetch(`${mocks.urls.POPULATION}/v1/citizens/${mocks.firstPersona}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ personalId: mocks.firstPersona });
    const personas = (await (await fetch(`${mocks.urls.POPULATION}/__personas`)).json()) as { personas: { personalId: string }[] };
    expect(personas.personas[0]?.personalId).toBe(mocks.firstPersona);
  });

  it('delivers signed change events to a webhook added from the starting thread', async () => {
    const secret = 'a-secret-of-sixteen-characters';
    const receiver = await startRegistryEventReceiver();
    mocks.addWebhook({ url: receiver.url, secret });
    const resident = (await (await fetch(`${mocks.urls.RESIDENCE}/v1/residents/${mocks.firstPersona}`)).json()) as { household: { householdId: string } };
    const household = resident.household.householdId;
    const res = await fetch(`${mocks.urls.RESIDENCE}/__admin/households/${household}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ line: 'Số 12, ngõ 3, đường Trần Phú' }),
    });
    expect(res.status).toBe(200);
    const received = await receiver.first;
    expect(received.signature).toBe(signRegistryEvent(secret, received.body));
    expect(JSON.parse(received.body)).toMatchObject({ registry: 'residence' });
    await receiver.close();
  });

  it('refuses a dataset it cannot make with the reason, and stops its thread', async () => {
    await expect(startMockRegistriesThread({ seed: 'x', size: -1 })).rejects.toThrow('generateDataset() needs a positive integer size, but got: -1');
  });

  it('rejects, its thread ended, when the start is cancelled before the registries are ready', async () => {
    const cancel = new AbortController();
    // No cache directory: the dataset would take seconds to generate.
    const starting = startMockRegistriesThread({ seed: 'cancelled', size: 20_000 }, { signal: cancel.signal });
    cancel.abort();
    await expect(starting).rejects.toThrow('the mock registries were stopped before they were ready');
  });

  it('closes its ports and ends the thread on stop', async () => {
    const other = await startMockRegistriesThread({ seed: 'vn-registry-gateway', size: 20_000, cacheDir: path.join(localCacheDir(), 'mock-datasets') });
    const url = other.urls.DOCUMENTS;
    await expect(fetch(`${url}/__personas`)).resolves.toBeInstanceOf(Response);
    await other.stop();
    await expect(fetch(`${url}/__personas`)).rejects.toThrow();
  });
});

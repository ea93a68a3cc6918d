import { startMockRegistries, type MockRegistries } from '../mocks/startMockRegistries';
import { testDataset } from './helpers/stack';

/** The mock registries behave like remote services: resource-oriented JSON over real HTTP. */
describe('mock registries over HTTP', () => {
  let mocks: MockRegistries;
  const d = testDataset();
  const id = d.personas[0]?.personalId as string;
  beforeAll(async () => {
    mocks = await startMockRegistries({ seed: d.seed, size: d.people.size, dataset: d, latency: { minMs: 0, maxMs: 1 } });
  });
  afterAll(() => mocks.stop());

  const get = async (base: string, path: string) => {
    const res = await fetch(`${base}${path}`);
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const post = async (base: string, path: string, body: unknown) => {
    const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('serves one citizen with an updatedAt, and its relatives by ID', async () => {
    const { status, body } = await get(mocks.urls.POPULATION, `/v1/citizens/${id}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ personalId: id, name: { full: d.people.get(id)?.fullName }, updatedAt: expect.stringMatching(/Z$/) });
    for (const r of body.relatives as { personalId: string }[]) expect(d.people.has(r.personalId)).toBe(true);
  });

  it('serves many citizens in one batch call and lists the unknown ones', async () => {
    const known = [...d.people.keys()].slice(0, 150);
    const { status, body } = await post(mocks.urls.POPULATION, '/v1/citizens:batchGet', { ids: [...known, '001099999999'] });
    expect(status).toBe(200);
    expect((body.citizens as unknown[]).length).toBe(150);
    expect(body.notFound).toEqual(['001099999999']);
  });

  it.each([
    ['population', 'POPULATION', '/v1/citizens/001099999999'],
    ['residence', 'RESIDENCE', '/v1/residents/001099999999'],
    ['documents', 'DOCUMENTS', '/v1/holders/001099999999/documents'],
  ] as const)('answers 404 for an unknown ID (%s)', async (_n, registry, path) => {
    expect((await get(mocks.urls[registry], path)).status).toBe(404);
  });

  it.each([
    ['population', 'POPULATION', '/v1/citizens/12ab'],
    ['residence', 'RESIDENCE', '/v1/residents/%20001088000012'],
    ['documents', 'DOCUMENTS', '/v1/holders/０１２/documents'],
  ] as const)('answers 400 for a malformed ID (%s)', async (_n, registry, path) => {
    const res = await get(mocks.urls[registry], path);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 400, status: 'INVALID_ARGUMENT' } });
  });

  it.each([
    ['a malformed ID in a batch', { ids: ['001088000012', 'x'] }, /ids\[1\] is malformed/],
    ['an empty batch', { ids: [] }, /at least one/],
    ['too many IDs', { ids: Array.from({ length: 201 }, () => '001088000012') }, /at most 200/],
    ['invalid JSON', '{"ids": [', /not valid JSON/],
  ])('answers 400 for %s', async (_n, body, message) => {
    const res = await post(mocks.urls.POPULATION, '/v1/citizens:batchGet', body);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(message);
  });

  it('embeds the household in a resident only with view=FULL', async () => {
    const basic = await get(mocks.urls.RESIDENCE, `/v1/residents/${id}`);
    const full = await get(mocks.urls.RESIDENCE, `/v1/residents/${id}?view=FULL`);
    expect(Object.keys(basic.body.household as object).sort()).toEqual(['householdId', 'relationshipToHead']);
    expect((full.body.household as { members: unknown[] }).members.length).toBeGreaterThan(0);
    const hid = (basic.body.household as { householdId: string }).householdId;
    expect((await get(mocks.urls.RESIDENCE, `/v1/households/${hid}`)).body.householdId).toBe(hid);
  });

  it('serves documents by holder, singly and in batches', async () => {
    const single = await get(mocks.urls.DOCUMENTS, `/v1/holders/${id}/documents`);
    expect(single.body.documents).toEqual(d.documents.get(id));
    const batch = await post(mocks.urls.DOCUMENTS, '/v1/holders:batchGetDocuments', { holderIds: [id] });
    expect((batch.body.holders as unknown[]).length).toBe(1);
  });

  it('counts data requests and can be reset', async () => {
    await post(mocks.urls.DOCUMENTS, '/__stats/reset', {});
    await get(mocks.urls.DOCUMENTS, `/v1/holders/${id}/documents`);
    await get(mocks.urls.DOCUMENTS, `/v1/holders/${id}/documents`);
    expect((await get(mocks.urls.DOCUMENTS, '/__stats')).body).toEqual({ requests: 2, byRoute: { 'holders.documents.list': 2 }, aborted: 0, webhooksSent: 0, webhookFailures: 0, traceparents: [] });
  });

  it.each([
    [{ mode: 'explode' }, /mode must be one of/],
    [{ mode: 'slow', latencyMs: -1 }, /latencyMs/],
    [{ mode: 'slow', latencyMs: '10' }, /latencyMs/],
    ['nope', /not valid JSON/],
  ])('refuses a bad fault setting %j', async (body, message) => {
    const res = await post(mocks.urls.RESIDENCE, '/__faults', body);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(message);
  });

  it('answers 500 while in error mode, and recovers', async () => {
    await post(mocks.urls.RESIDENCE, '/__faults', { mode: 'error' });
    expect((await get(mocks.urls.RESIDENCE, `/v1/residents/${id}`)).status).toBe(500);
    await post(mocks.urls.RESIDENCE, '/__faults', { mode: 'ok' });
    expect((await get(mocks.urls.RESIDENCE, `/v1/residents/${id}`)).status).toBe(200);
  });

  it('cuts the connection while down', async () => {
    await post(mocks.urls.RESIDENCE, '/__faults', { mode: 'down' });
    await expect(fetch(`${mocks.urls.RESIDENCE}/v1/residents/${id}`)).rejects.toThrow();
    await post(mocks.urls.RESIDENCE, '/__faults', { mode: 'ok' });
  });
});

import type { MockPerson } from '../mocks/data/types';
import { startMockRegistries, type MockRegistries } from '../mocks/startMockRegistries';
import { signRegistryEvent } from '../src/http/registryEvents';
import { startRegistryEventReceiver } from './helpers/registryEventReceiver';
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

  describe('life events on the wire', () => {
    const persona = (key: string) => d.personas.find((p) => p.key === key)?.personalId as string;
    const patch = async (base: string, path: string, body: unknown) => {
      const res = await fetch(`${base}${path}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    type WireAddress = { line: string; commune: { code: string | null; name: string }; district: { code: null; name: string } | null; province: { code: string | null; name: string }; unitsAsOf: string | null };
    type WireRegistration = { kind: string; address: WireAddress; from: string; to: string | null };
    type WireDocument = { documentId: string; kind: string; title: string; issuingAuthority: string; issuedOn: string; status: string; statusChangedOn: string | null; statusReason: string | null; refersTo: string | null };

    it('gives the province of birth in today\'s units beside the place of birth as recorded', async () => {
      const p = [...d.people.values()].find((x) => x.birthProvinceCode === '36') as MockPerson;
      const { body } = await get(mocks.urls.POPULATION, `/v1/citizens/${p.id}`);
      expect(body.birth).toMatchObject({ place: p.placeOfBirth, province: { code: '37', name: 'Tỉnh Ninh Bình', unitsAsOf: '2025-07-01' } });
      expect(p.placeOfBirth).toContain('Nam Định');
    });

    it('adds the registration history only in the full view, each address in the units of its time', async () => {
      const r = [...d.residences.values()].find((x) => x.permanent && x.history.some((h) => h.to !== null && h.to < '2025-07-01')) as { personalId: string };
      const basic = await get(mocks.urls.RESIDENCE, `/v1/residents/${r.personalId}`);
      const full = await get(mocks.urls.RESIDENCE, `/v1/residents/${r.personalId}?view=FULL`);
      expect(basic.body).not.toHaveProperty('history');
      const history = full.body.history as WireRegistration[];
      const old = history.find((h) => h.to !== null && h.to < '2025-07-01') as WireRegistration;
      expect(old.address).toMatchObject({ commune: { code: null }, district: { code: null, name: expect.stringMatching(/^(Quận|Huyện|Thị xã|Thành phố) /) }, province: { code: null }, unitsAsOf: null });
      const current = history.find((h) => h.kind === 'PERMANENT' && h.to === null) as WireRegistration;
      expect(current.address).toEqual((full.body.permanentResidence as { address: WireAddress }).address);
      expect(current.address).toMatchObject({ district: null, unitsAsOf: '2025-07-01' });
      expect(history.every((h) => ['PERMANENT', 'TEMPORARY'].includes(h.kind) && /^\d{4}-\d{2}-\d{2}$/.test(h.from))).toBe(true);
    });

    it('deregisters a deceased resident on the date of death, with no household, and records the death', async () => {
      const id = persona('deceased');
      const resident = await get(mocks.urls.RESIDENCE, `/v1/residents/${id}?view=FULL`);
      const citizen = await get(mocks.urls.POPULATION, `/v1/citizens/${id}`);
      const died = d.people.get(id)?.dateOfDeath as string;
      expect(citizen.body.death).toEqual({ date: died });
      expect(resident.body).toMatchObject({ deregistration: { reason: 'Chết', on: died }, permanentResidence: null, currentResidence: null, household: null });
      const spouse = await get(mocks.urls.POPULATION, `/v1/citizens/${persona('widowed')}`);
      expect(spouse.body.maritalStatus).toBe('WIDOWED');
    });

    it('serves a divorce record naming the marriage certificate it dissolved', async () => {
      const { body } = await get(mocks.urls.DOCUMENTS, `/v1/holders/${persona('divorced')}/documents`);
      const documents = body.documents as WireDocument[];
      const record = documents.find((x) => x.kind === 'BAN_AN_QUYET_DINH_LY_HON') as WireDocument;
      const certificate = documents.find((x) => x.kind === 'GIAY_CHUNG_NHAN_KET_HON') as WireDocument;
      expect(record).toMatchObject({ title: expect.stringMatching(/ly hôn/), issuingAuthority: expect.stringMatching(/^Tòa án nhân dân /), refersTo: certificate.documentId, status: 'VALID' });
      expect(certificate).toMatchObject({ status: 'DISSOLVED', statusChangedOn: expect.any(String), statusReason: expect.stringContaining('Ly hôn') });
      expect(record.issuedOn > certificate.issuedOn).toBe(true);
    });

    it('serves criminal-record certificates issued by the police from 2025-03-01', async () => {
      const holders = [...d.documents.entries()].filter(([, docs]) => docs.some((x) => x.kind === 'PHIEU_LY_LICH_TU_PHAP')).map(([id]) => id).slice(0, 200);
      const { body } = await post(mocks.urls.DOCUMENTS, '/v1/holders:batchGetDocuments', { holderIds: holders });
      const certificates = (body.holders as { documents: WireDocument[] }[]).flatMap((h) => h.documents.filter((x) => x.kind === 'PHIEU_LY_LICH_TU_PHAP'));
      const recent = certificates.filter((x) => x.issuedOn >= '2025-03-01');
      expect(recent.length).toBeGreaterThan(0);
      expect(recent.filter((x) => !/^Công an (tỉnh|thành phố) /.test(x.issuingAuthority))).toEqual([]);
      expect(certificates.filter((x) => x.issuedOn < '2025-03-01' && !/^Sở Tư pháp (tỉnh|thành phố) /.test(x.issuingAuthority))).toEqual([]);
    });

    it('records a death on admin PATCH, widows the spouse and signs a change event naming both', async () => {
      const secret = 'a-secret-of-sixteen-characters';
      const receiver = await startRegistryEventReceiver();
      mocks.servers.POPULATION.addWebhook({ url: receiver.url, secret });
      const keys = new Set(d.personas.map((p) => p.personalId));
      const p = [...d.people.values()].find((x) => !x.dateOfDeath && x.maritalStatus === 'MARRIED' && !keys.has(x.id) && !keys.has(x.spouseId ?? '')) as MockPerson;
      const refused = await patch(mocks.urls.POPULATION, `/__admin/citizens/${p.id}`, { dateOfDeath: '2999-01-01' });
      expect(refused.status).toBe(400);
      const { status, body } = await patch(mocks.urls.POPULATION, `/__admin/citizens/${p.id}`, { dateOfDeath: '2025-05-02' });
      expect(status).toBe(200);
      expect(body).toMatchObject({ death: { date: '2025-05-02' }, contact: { mobile: null, email: null } });
      expect((await get(mocks.urls.POPULATION, `/v1/citizens/${p.spouseId}`)).body.maritalStatus).toBe('WIDOWED');
      const received = await receiver.first;
      expect(received.signature).toBe(signRegistryEvent(secret, received.body));
      expect(JSON.parse(received.body)).toMatchObject({ registry: 'population', ids: [p.id, p.spouseId] });
      await receiver.close();
    });

    it('keeps the current registration of the history in step with an address correction on admin PATCH', async () => {
      const id = persona('household-of-four');
      const household = d.residences.get(id)?.householdId as string;
      expect((await patch(mocks.urls.RESIDENCE, `/__admin/households/${household}`, { line: 'Số 9, ngõ 2, đường Lê Lợi' })).status).toBe(200);
      const { body } = await get(mocks.urls.RESIDENCE, `/v1/residents/${id}?view=FULL`);
      const open = (body.history as WireRegistration[]).filter((h) => h.kind === 'PERMANENT' && h.to === null);
      expect(open.map((h) => h.address.line)).toEqual(['Số 9, ngõ 2, đường Lê Lợi']);
    });

    it('sets any registry status with a reason on admin PATCH, and refuses a status outside the vocabulary', async () => {
      const doc = (d.documents.get(persona('passport-holder')) ?? []).find((x) => x.kind === 'HO_CHIEU' && x.status === 'VALID') as { documentId: string };
      const lost = await patch(mocks.urls.DOCUMENTS, `/__admin/documents/${doc.documentId}`, { status: 'LOST', reason: 'Người được cấp báo mất' });
      expect(lost.body).toMatchObject({ status: 'LOST', statusChangedOn: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/), statusReason: 'Người được cấp báo mất' });
      const restored = await patch(mocks.urls.DOCUMENTS, `/__admin/documents/${doc.documentId}`, { status: 'VALID' });
      expect(restored.body).toMatchObject({ status: 'VALID', statusChangedOn: null, statusReason: null });
      expect((await patch(mocks.urls.DOCUMENTS, `/__admin/documents/${doc.documentId}`, { status: 'BROKEN' })).status).toBe(400);
    });
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createConnectors } from '../connectors/createConnectors';
import { UpstreamError } from '../connectors/UpstreamError';
import type { MockPerson } from '../mocks/data/types';
import { startMockRegistries, type MockRegistries } from '../mocks/startMockRegistries';
import { testDataset } from './helpers/stack';

/** A registry that answers 200 with bodies breaking its own contract. */
async function misbehaving(body: unknown): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) };
}

function connectorsFor(url: string | Record<'POPULATION' | 'RESIDENCE' | 'DOCUMENTS', string>) {
  const endpoint = (u: string) => ({ url: u, timeoutMs: 2000, retries: 0 });
  const urls = typeof url === 'string' ? { POPULATION: url, RESIDENCE: url, DOCUMENTS: url } : url;
  return createConnectors({
    registries: { POPULATION: endpoint(urls.POPULATION), RESIDENCE: endpoint(urls.RESIDENCE), DOCUMENTS: endpoint(urls.DOCUMENTS) },
    breaker: { failureThreshold: 5, resetTimeoutMs: 1000 },
  });
}

describe('connectors facing a registry that breaks its contract', () => {
  it.each([
    ['a body that is not an object', 'hello'],
    ['no list of records', { people: [] }],
    ['a record without a name', { citizens: [{ personalId: '001088000012', sex: 'M', birth: { date: '1988-01-01' }, updatedAt: 'x', nationality: 'VN' }] }],
    ['a sex that is neither M nor F', { citizens: [{ personalId: '001088000012', name: { full: 'A B C' }, sex: 'X', birth: { date: '1988-01-01' }, nationality: 'VN', updatedAt: 'x' }] }],
    ['relatives that are not a list', { citizens: [{ personalId: '001088000012', name: { full: 'A B C' }, sex: 'M', birth: { date: '1988-01-01' }, nationality: 'VN', relatives: 'all', updatedAt: 'x' }] }],
  ])('fails with an UpstreamError for %s', async (_name, body) => {
    const registry = await misbehaving(body);
    const err = await connectorsFor(registry.url).population.getCitizens(['001088000012']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).detail).toMatch(/malformed response/);
    await registry.close();
  });

  it('leaves out a document kind it does not know rather than mislabel it', async () => {
    const registry = await misbehaving({
      holders: [
        {
          holderId: '001088000012',
          updatedAt: '2026-01-01T00:00:00Z',
          documents: [
            { documentId: 'A', kind: 'THE_BHYT', number: '1', issuedOn: '2020-01-01', issuingAuthority: 'x', status: 'VALID', updatedAt: '2026-01-01T00:00:00Z' },
            { documentId: 'B', kind: 'HO_CHIEU', number: 'C1234567', issuedOn: '2021-01-01', issuingAuthority: 'y', status: 'VALID', updatedAt: '2026-01-01T00:00:00Z' },
          ],
        },
      ],
    });
    const holders = await connectorsFor(registry.url).documents.getHolders(['001088000012']);
    expect(holders.get('001088000012')?.documents.map((d) => d.type)).toEqual(['PASSPORT']);
    await registry.close();
  });

  it.each([
    ['documents', 'a document status outside the vocabulary', { holders: [{ holderId: '001088000012', updatedAt: 'x', documents: [{ documentId: 'A', kind: 'HO_CHIEU', number: '1', issuedOn: '2020-01-01', issuingAuthority: 'x', status: 'CANCELLED', updatedAt: 'x' }] }] }],
    ['residence', 'a registration of an unknown kind', { residents: [{ personalId: '001088000012', updatedAt: 'x', history: [{ kind: 'VISIT', address: {}, from: '2020-01-01', to: null }] }] }],
    ['residence', 'a registration without an address', { residents: [{ personalId: '001088000012', updatedAt: 'x', history: [{ kind: 'PERMANENT', from: '2020-01-01', to: null }] }] }],
  ] as const)('fails with an UpstreamError for %s: %s', async (registryName, _name, body) => {
    const registry = await misbehaving(body);
    const connectors = connectorsFor(registry.url);
    const read = registryName === 'documents' ? connectors.documents.getHolders(['001088000012']) : connectors.residence.getResidents(['001088000012']);
    const err = await read.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect((err as UpstreamError).detail).toMatch(/malformed response/);
    await registry.close();
  });
});

describe('connectors reading life events from the mock registries', () => {
  const d = testDataset();
  let mocks: MockRegistries;
  let connectors: ReturnType<typeof connectorsFor>;
  const persona = (key: string) => d.personas.find((p) => p.key === key)?.personalId as string;
  beforeAll(async () => {
    mocks = await startMockRegistries({ seed: d.seed, size: d.people.size, dataset: d, latency: { minMs: 0, maxMs: 1 } });
    connectors = connectorsFor(mocks.urls);
  });
  afterAll(() => mocks.stop());

  it("reads the province of birth in today's units beside the recorded place of birth", async () => {
    const p = [...d.people.values()].find((x) => x.birthProvinceCode === '36') as MockPerson;
    const person = (await connectors.population.getCitizens([p.id])).get(p.id);
    expect(person).toMatchObject({ placeOfBirth: p.placeOfBirth, placeOfBirthProvince: 'Tỉnh Ninh Bình', placeOfBirthProvinceCode: '37' });
  });

  it('reads the date of death and the deregistration of a deceased citizen', async () => {
    const id = persona('deceased');
    const person = (await connectors.population.getCitizens([id])).get(id);
    const residence = (await connectors.residence.getResidents([id])).get(id);
    expect(person?.dateOfDeath).toBe(d.people.get(id)?.dateOfDeath);
    expect(residence).toMatchObject({ deregistration: { reason: 'Chết', on: person?.dateOfDeath }, permanentAddress: null, household: null });
    expect(residence?.history.filter((h) => h.kind === 'PERMANENT').at(-1)?.to).toBe(person?.dateOfDeath);
  });

  it('reads the registration history, writing an old address with its district and no unit codes', async () => {
    const r = [...d.residences.values()].find((x) => x.permanent && x.history.some((h) => h.to !== null && h.to < '2025-07-01')) as { personalId: string };
    const residence = (await connectors.residence.getResidents([r.personalId])).get(r.personalId);
    const old = residence?.history.find((h) => h.to !== null && h.to < '2025-07-01');
    expect(old?.address).toMatchObject({ communeCode: null, provinceCode: null, unitsAsOf: null, districtName: expect.stringMatching(/^(Quận|Huyện|Thị xã|Thành phố) /) });
    expect(old?.address.full).toBe([old?.address.line, old?.address.communeName, old?.address.districtName, old?.address.provinceName].join(', '));
    const current = residence?.history.find((h) => h.kind === 'PERMANENT' && h.to === null);
    expect(current?.address).toEqual(residence?.permanentAddress);
    expect(current?.address.districtName).toBeNull();
  });

  it('reads when a current temporary registration began and ends', async () => {
    const id = persona('temporary-residence');
    const temporary = d.residences.get(id)?.temporary;
    const residence = (await connectors.residence.getResidents([id])).get(id);
    expect(residence).toMatchObject({ temporarySince: temporary?.registeredOn, temporaryUntil: temporary?.expiresOn });
    expect(residence?.history).toContainEqual({ kind: 'TEMPORARY', address: residence?.temporaryAddress, from: temporary?.registeredOn, to: null });
  });

  it('reads a divorce decision, its title, and the dissolved marriage certificate it refers to', async () => {
    const id = persona('divorced');
    const documents = (await connectors.documents.getHolders([id])).get(id)?.documents ?? [];
    const decision = documents.find((x) => x.type === 'DIVORCE_DECISION');
    const certificate = documents.find((x) => x.type === 'MARRIAGE_CERTIFICATE');
    expect(decision).toMatchObject({ title: expect.stringMatching(/ly hôn/), issuer: expect.stringMatching(/^Tòa án nhân dân /), refersTo: certificate?.id, status: 'VALID', statusChangedOn: null });
    expect(certificate).toMatchObject({ title: 'Giấy chứng nhận kết hôn', status: 'DISSOLVED', statusChangedOn: expect.any(String), statusReason: expect.stringContaining('Ly hôn') });
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createConnectors } from '../connectors/createConnectors';
import { UpstreamError } from '../connectors/UpstreamError';

/** A registry that answers 200 with bodies breaking its own contract. */
async function misbehaving(body: unknown): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) };
}

function connectorsFor(url: string) {
  const endpoint = { url, timeoutMs: 500, retries: 0 };
  return createConnectors({
    registries: { POPULATION: endpoint, RESIDENCE: endpoint, DOCUMENTS: endpoint },
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
});

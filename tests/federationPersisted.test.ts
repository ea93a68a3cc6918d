import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startMockRegistries, type MockRegistries } from '../mocks/startMockRegistries';
import { loadConfig } from '../src/config';
import { createGateway, type Gateway } from '../src/createGateway';
import { rotateKeys } from '../src/keys/loadKeyRing';
import { buildManifest, type Manifest } from '../src/persisted/manifest';
import { createTestDatabase, type TestDatabase } from './helpers/database';
import { externalServices } from './helpers/externalServices';
import { testDataset } from './helpers/stack';
import { startSupergraph, type Supergraph } from './helpers/supergraph';
import { startTestIdentityProvider, type TestIdentityProvider } from './helpers/testIdentityProvider';
import { TSX_NODE_FLAGS } from './helpers/tsxNode';

const run = promisify(execFile);

const PORTAL_OPERATIONS = 'query MyName { me { person { fullName } } }\n';
const AGENCY_OPERATIONS = `query InsuredNames($code: String!) {
  insuredByFacility(code: $code, first: 2) { id person { fullName } socialInsurance { number status } }
}
`;

/**
 * In production the gateway answers only the operations of its manifest
 * (PERSISTED_OPERATIONS). A router's operations are listed like a portal's:
 * `npm run persisted:router` plans the agency's supergraph operations with the same
 * runtime and adds the exact operations the gateway will receive.
 */
describe('production with persisted operations, behind a supergraph', () => {
  let mocks: MockRegistries;
  let idp: TestIdentityProvider;
  let db: TestDatabase;
  let gateway: Gateway;
  let supergraph: Supergraph;
  let dir: string;
  let token: string;
  let facility: string;

  beforeAll(async () => {
    const dataset = testDataset();
    mocks = await startMockRegistries({ seed: dataset.seed, size: dataset.people.size, dataset, latency: { minMs: 0, maxMs: 1 } });
    idp = await startTestIdentityProvider();
    db = await createTestDatabase();
    dir = mkdtempSync(path.join(tmpdir(), 'gw-fed-prod-'));
    await rotateKeys(path.join(dir, 'keys'));
    const manifestFile = path.join(dir, 'manifest.json');
    writeFileSync(manifestFile, JSON.stringify(buildManifest([{ file: 'portal.graphql', text: PORTAL_OPERATIONS }])));
    writeFileSync(path.join(dir, 'agency.graphql'), AGENCY_OPERATIONS);
    await run(process.execPath, [...TSX_NODE_FLAGS, 'federation/runtime/persistRouterOperations.ts', manifestFile, path.join(dir, 'agency.graphql')], { cwd: path.join(__dirname, '..') });
    const config = loadConfig({
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'silent',
      ...externalServices(mocks, idp, db.url),
      SIGNING_KEY_DIR: path.join(dir, 'keys'),
      PERSISTED_OPERATIONS: manifestFile,
    });
    gateway = await createGateway({ config });
    supergraph = await startSupergraph({ gatewayUrl: await gateway.listen(), dataset });
    token = await idp.sign({ sub: 'canbo.01', agency: 'CA_HN', scope: 'residence.process' });
    facility = [...supergraph.agency.records.byFacility].find(([, ids]) => ids.length >= 2)?.[0] as string;
  });
  afterAll(async () => {
    await supergraph?.stop();
    await gateway?.stop();
    await mocks?.stop();
    await idp?.stop();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("lists the router's operations for the agency's operations beside the portal's", () => {
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.operations.map((o) => o.name)).toEqual(['MyName', 'InsuredNames (through the supergraph)']);
    expect(manifest.operations[1]?.body).toBe('query InsuredNames($representations:[_Any!]!){_entities(representations:$representations){__typename ...on Citizen{person{fullName}}}}');
  });

  it("answers a listed supergraph operation in full when the router's operations are in the manifest", async () => {
    const res = await supergraph.graphql(AGENCY_OPERATIONS, { token, variables: { code: facility }, headers: { 'x-purpose': 'CT01_RESIDENCE' } });
    expect(res.body.errors).toBeUndefined();
    const people = res.body.data?.insuredByFacility as { id: string; person: { fullName: string } }[];
    expect(people.map((p) => p.person.fullName)).toEqual(people.map((p) => mocks.dataset.people.get(p.id)?.fullName));
  });

  it('answers our part with PERSISTED_QUERY_NOT_FOUND, and nothing of the registries, when the supergraph operation was not listed', async () => {
    const unlisted = AGENCY_OPERATIONS.replace('InsuredNames', 'InsuredBirthdays').replace('person { fullName }', 'person { fullName dateOfBirth }');
    for (const server of Object.values(mocks.servers)) server.resetStats();
    const res = await supergraph.graphql(unlisted, { token, variables: { code: facility }, headers: { 'x-purpose': 'CT01_RESIDENCE' } });
    const people = res.body.data?.insuredByFacility as { person: unknown; socialInsurance: unknown }[];
    expect(people.map((p) => p.person)).toEqual([null, null]);
    expect(people.every((p) => p.socialInsurance !== null)).toBe(true);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(Object.values(mocks.servers).map((server) => server.stats().requests)).toEqual([0, 0, 0]);
  });
});

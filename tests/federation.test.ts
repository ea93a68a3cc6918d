import { composeSupergraph } from '../federation/composeSupergraph';
import { GATEWAY_SUBGRAPH } from '../federation/federationFiles';
import { readSocialInsuranceSdl, SOCIAL_INSURANCE_SUBGRAPH } from '../mocks/socialInsurance/createSocialInsuranceSubgraph';
import { verifyChain } from '../src/audit/verifyChain';
import { startStack, type Stack } from './helpers/stack';
import { startSupergraph, type Supergraph } from './helpers/supergraph';

interface AuditRow {
  request_id: string;
  caller_id: string;
  agency: string | null;
  purpose: string | null;
  case_id: string | null;
  subject_id: string;
  fields: string[];
  registries: string[];
  outcome: string;
  reason: string | null;
}

const NONE = { POPULATION: 0, RESIDENCE: 0, DOCUMENTS: 0 };
const PURPOSE = { 'x-purpose': 'CT01_RESIDENCE' };
const INSURED = `query Insured($code: String!) {
  insuredByFacility(code: $code, first: 2) {
    id
    person { fullName }
    socialInsurance { number status healthInsuranceCard { number validUntil primaryCareFacility } contributions }
  }
}`;
const ENTITIES = (selection = 'person { fullName }') =>
  `query($representations: [_Any!]!) { _entities(representations: $representations) { __typename ... on Citizen { ${selection} } } }`;
const citizen = (id: unknown) => ({ __typename: 'Citizen', id });

/**
 * The gateway as an Apollo Federation 2 subgraph: agencies compose `Citizen` into their
 * own supergraph and the router asks `_entities` for what the registries hold. Every
 * representation is a citizen named, judged, limited and audited like `citizen(id:)`;
 * the router is trusted for nothing but carrying the caller's headers.
 */
describe('the gateway as a Federation subgraph behind a supergraph', () => {
  let stack: Stack;
  let supergraph: Supergraph;
  let agency: string;
  let facility: string;
  let insured: string[];
  const rows = (requestId: string) =>
    stack.gateway.store.query<AuditRow>('SELECT * FROM audit_log WHERE request_id = $1 ORDER BY seq', [requestId]);
  const calls = async <T>(run: () => Promise<T>): Promise<{ result: T; calls: Record<string, number> }> => {
    await stack.resetRegistryCalls();
    const result = await run();
    return { result, calls: await stack.registryCalls() };
  };
  const entities = (representations: unknown[], options: { token?: string; headers?: Record<string, string>; selection?: string } = {}) =>
    stack.graphql(ENTITIES(options.selection), { token: options.token ?? agency, variables: { representations }, headers: options.headers ?? PURPOSE });

  beforeAll(async () => {
    stack = await startStack({ RATE_LIMIT_OFFICIAL_LOOKUPS: '90' });
    supergraph = await startSupergraph({ gatewayUrl: stack.url, dataset: stack.dataset });
    agency = await stack.agencyToken();
    const [code, ids] = [...supergraph.agency.records.byFacility].find(([, registered]) => registered.length >= 2) as [string, string[]];
    facility = code;
    insured = ids.slice(0, 2);
  });
  afterAll(async () => {
    await supergraph?.stop();
    await stack?.stop();
  });

  describe('through the supergraph', () => {
    it('answers an agency query spanning both subgraphs and records a DISCLOSED row per citizen with purpose, case id, official and request id', async () => {
      const { result: res, calls: made } = await calls(() =>
        supergraph.graphql(INSURED, { token: agency, variables: { code: facility }, headers: { ...PURPOSE, 'x-case-id': 'HS-2026/77', 'x-request-id': 'fed-span-1' } }),
      );
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data?.insuredByFacility).toEqual(
        insured.map((id) => ({
          id,
          person: { fullName: stack.dataset.people.get(id)?.fullName },
          socialInsurance: expect.objectContaining({ number: supergraph.agency.records.byCitizen.get(id)?.number }),
        })),
      );
      // Both citizens' records come from one batch call to the population registry.
      expect(made).toEqual({ ...NONE, POPULATION: 1 });
      const records = await rows('fed-span-1');
      expect(records.map((r) => r.subject_id).sort()).toEqual([...insured].sort());
      for (const r of records) {
        expect(r).toMatchObject({ outcome: 'disclosed', purpose: 'CT01_RESIDENCE', case_id: 'HS-2026/77', caller_id: 'canbo.01', agency: 'CA_HN', registries: ['POPULATION'] });
        expect(r.fields).toContain('person.fullName');
      }
      expect(supergraph.agency.requests().some((r) => r.requestId === 'fed-span-1')).toBe(true);
    });

    it('ties both subgraphs and the audit to one request id when the router makes it', async () => {
      const res = await supergraph.graphql(INSURED, { token: agency, variables: { code: facility }, headers: PURPOSE });
      expect(res.body.errors).toBeUndefined();
      const requestId = res.headers.get('x-request-id') as string;
      expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect((await rows(requestId)).map((r) => r.subject_id).sort()).toEqual([...insured].sort());
      expect(supergraph.agency.requests().filter((r) => r.requestId === requestId)).toHaveLength(1);
    });

    it('returns our part as null with FORBIDDEN and the rule, records DENIED rows and calls no registry, when the grant does not cover a field', async () => {
      const query = INSURED.replace('person { fullName }', 'person { fullName religion }');
      const { result: res, calls: made } = await calls(() =>
        supergraph.graphql(query, { token: agency, variables: { code: facility }, headers: { ...PURPOSE, 'x-request-id': 'fed-denied-1' } }),
      );
      const people = res.body.data?.insuredByFacility as { person: unknown; socialInsurance: unknown }[];
      expect(people.map((p) => p.person)).toEqual([null, null]);
      expect(people.every((p) => p.socialInsurance !== null)).toBe(true);
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', rule: 'PURPOSE_GRANT', denied: expect.arrayContaining([{ path: '_entities.0.person.religion', field: 'Person.religion' }]) });
      expect(res.body.errors?.[0]?.path).toEqual(['insuredByFacility', 'person']);
      expect(made).toEqual(NONE);
      expect(await rows('fed-denied-1')).toEqual(
        insured.map((id) => expect.objectContaining({ subject_id: id, outcome: 'denied', reason: 'FORBIDDEN:PURPOSE_GRANT', fields: ['__typename', 'person.fullName', 'person.religion'] })),
      );
    });

    it('answers PURPOSE_REQUIRED for our part, with no registry call, when the agency declares no purpose', async () => {
      const { result: res, calls: made } = await calls(() => supergraph.graphql(INSURED, { token: agency, variables: { code: facility } }));
      expect((res.body.data?.insuredByFacility as { person: unknown }[]).map((p) => p.person)).toEqual([null, null]);
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'PURPOSE_REQUIRED', field: 'X-Purpose' });
      expect(made).toEqual(NONE);
    });

    it('refuses our part with FORBIDDEN (OWN_RECORD_ONLY) when a citizen token reaches other citizens', async () => {
      const token = await stack.citizenToken(stack.persona('household-of-five'));
      const res = await supergraph.graphql(INSURED, { token, variables: { code: facility } });
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', rule: 'OWN_RECORD_ONLY' });
    });
  });

  describe('_entities', () => {
    it('records one DISCLOSED row per citizen when one call names two', async () => {
      const [a, b] = [stack.persona('married-couple'), stack.persona('household-of-four')];
      const res = await entities([citizen(a), citizen(b)], { headers: { ...PURPOSE, 'x-request-id': 'fed-batch-1' } });
      expect(res.body.data?._entities).toEqual([a, b].map((id) => ({ __typename: 'Citizen', person: { fullName: stack.dataset.people.get(id)?.fullName } })));
      expect(await rows('fed-batch-1')).toEqual([a, b].map((id) => expect.objectContaining({ subject_id: id, outcome: 'disclosed', fields: ['__typename', 'person.fullName'] })));
    });

    it("returns each representation's documents of the types the agency's grant allows when it names none", async () => {
      const ids = [stack.persona('passport-holder'), stack.persona('criminal-record-certificate')];
      const res = await entities(ids.map(citizen), { selection: 'documents { type }' });
      const allowed = [...(stack.gateway.catalogue.grant('CA_HN', 'CT01_RESIDENCE')?.subject.documentTypes ?? [])];
      const held = (id: string) => stack.dataset.documents.get(id)?.length ?? 0;
      expect(ids.every((id) => held(id) > 0)).toBe(true);
      const returned = (res.body.data?._entities as { documents: { type: string }[] }[]).map((e) => e.documents.map((d) => d.type));
      expect(returned.flat().length).toBeGreaterThan(0);
      for (const types of returned) expect(allowed).toEqual(expect.arrayContaining(types));
    });

    it('answers BAD_USER_INPUT naming the representation, with no registry call, when an id is malformed', async () => {
      const { result: res, calls: made } = await calls(() => entities([citizen(stack.persona('married-couple')), citizen('junk')]));
      expect(res.status).toBe(400);
      expect(res.body.data).toBeUndefined();
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'representations[1].id' });
      expect(res.body.errors?.[0]?.message).toMatch(/representation 1/);
      expect(made).toEqual(NONE);
    });

    it.each([
      ['of another type', () => [{ __typename: 'Household', id: '048141813353' }], 'representations[0].__typename'],
      ['an object in place of the id', () => [citizen({ id: '048141813353' })], 'representations[0].id'],
      ['a citizen with more than its id', () => [{ ...citizen('048141813353'), person: { religion: 'x' } }], 'representations[0]'],
      ['not an object', () => ['048141813353'], 'representations[0]'],
      ['one of thousands', () => Array.from({ length: 2000 }, () => citizen('048141813353')), 'representations'],
    ])('answers BAD_USER_INPUT, with no registry call, when a representation is %s', async (_what, representations, field) => {
      const { result: res, calls: made } = await calls(() => entities(representations()));
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
      expect(res.body.data).toBeUndefined();
      expect(made).toEqual(NONE);
    });

    it('answers QUERY_TOO_COMPLEX, with no registry call, when the representations and the citizens they reach exceed LIMIT_CITIZENS', async () => {
      const ids = [...stack.dataset.people.keys()].slice(0, 20);
      const { result: res, calls: made } = await calls(() => entities(ids.map(citizen), { selection: 'person { children { id } }' }));
      // 20 citizens named, and up to 12 children each: more than 150.
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', limit: 'citizens', max: 150, actual: 20 + 20 * 12 });
      expect(made).toEqual(NONE);
    });

    it("answers RATE_LIMITED, with no registry call, when the representations exceed the official's lookup limit", async () => {
      const official = await (
        await fetch(`${stack.url}/dev/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ role: 'agency', sub: 'canbo.limits', agency: 'CA_HN', scopes: ['residence.process'] }),
        })
      ).json();
      const ids = [...stack.dataset.people.keys()].slice(0, 91);
      const { result: res, calls: made } = await calls(() => entities(ids.map(citizen), { token: (official as { token: string }).token }));
      expect(res.status).toBe(429);
      expect(res.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
      expect(made).toEqual(NONE);
    });

    it('refuses a citizen token that names another citizen with FORBIDDEN (OWN_RECORD_ONLY), as citizen(id:) does, and answers its own', async () => {
      const own = stack.persona('household-of-five');
      const token = await stack.citizenToken(own);
      const { result: res, calls: made } = await calls(() => entities([citizen(own), citizen(stack.persona('married-couple'))], { token, headers: {} }));
      expect(res.status).toBe(403);
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', rule: 'OWN_RECORD_ONLY', denied: [{ path: '_entities.1', field: 'Query._entities' }] });
      expect(made).toEqual(NONE);
      const direct = await stack.graphql('query($id: PersonalId!) { citizen(id: $id) { person { fullName } } }', { token, variables: { id: stack.persona('married-couple') } });
      expect(direct.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', rule: 'OWN_RECORD_ONLY' });
      expect((await entities([citizen(own)], { token, headers: {} })).body.data?._entities).toEqual([{ __typename: 'Citizen', person: { fullName: stack.dataset.people.get(own)?.fullName } }]);
    });
  });

  describe('_service', () => {
    it('serves the subgraph SDL, with the Federation link and Citizen as an entity, to agencies and refuses it to citizens', async () => {
      const res = await stack.graphql('{ _service { sdl } }', { token: agency });
      const sdl = (res.body.data?._service as { sdl: string }).sdl;
      expect(sdl).toMatch(/@link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.\d+", import: \["@key"\]\)/);
      expect(sdl).toMatch(/type Citizen\s+@key\(fields: "id"\)\s+\{/);
      const asCitizen = await stack.graphql('{ _service { sdl } }', { token: await stack.citizenToken(stack.persona('minor')) });
      expect(asCitizen.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', rule: 'ROLE' });
    });

    it('composes the SDL it serves with the social insurance subgraph', async () => {
      const res = await stack.graphql('{ _service { sdl } }', { token: agency });
      const supergraphSdl = composeSupergraph([
        { name: GATEWAY_SUBGRAPH, url: `${stack.url}/graphql`, sdl: (res.body.data?._service as { sdl: string }).sdl },
        { name: SOCIAL_INSURANCE_SUBGRAPH, url: `${supergraph.agency.url()}/graphql`, sdl: readSocialInsuranceSdl() },
      ]);
      expect(supergraphSdl).toMatch(/type Citizen @join__type\(graph: REGISTRY_GATEWAY, key: "id"\) @join__type\(graph: SOCIAL_INSURANCE, key: "id"\)/);
    });
  });

  describe('afterwards', () => {
    it('keeps the audit chain verifiable after the federation traffic', async () => {
      expect(await verifyChain(stack.gateway.store, stack.gateway.keys)).toMatchObject({ ok: true });
    });
  });
});

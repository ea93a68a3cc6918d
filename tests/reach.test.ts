import { json, startStack, type Stack } from './helpers/stack';

const NONE = { POPULATION: 0, RESIDENCE: 0, DOCUMENTS: 0 };
const CITIZEN = (selection: string) => `query($id: PersonalId!) { citizen(id: $id) { ${selection} } }`;

/**
 * Reaching a citizen is a disclosure: their existence, their relationship, how many of
 * them there are. Every way of reaching one — a relationship, a household's members,
 * `__typename` alone — and every part of a record — provenance, navigation — is judged
 * by the one access decision, before any registry call.
 */
describe('reaching citizens and their records', () => {
  let stack: Stack;
  let subject: string;
  let bank: string;
  beforeAll(async () => {
    stack = await startStack();
    subject = stack.persona('household-of-five');
    const own = await stack.citizenToken(subject);
    const consent = await stack.graphql('mutation($i: GrantConsentInput!) { grantConsent(input: $i) { status } }', {
      token: own,
      variables: { i: { agency: 'VCB', purpose: 'KYC_VERIFICATION', expiresAt: new Date(Date.now() + 86_400_000).toISOString() } },
    });
    expect(consent.body.data).toEqual({ grantConsent: { status: 'ACTIVE' } });
    bank = await stack.agencyToken('VCB', ['identity.verify']);
  });
  afterAll(() => stack.stop());

  const asBank = async (query: string) => {
    await stack.resetRegistryCalls();
    const res = await stack.graphql(query, { token: bank, variables: { id: subject }, headers: { 'x-purpose': 'KYC_VERIFICATION' } });
    return { res, calls: await stack.registryCalls() };
  };

  describe('a verification-only bank, with the citizen\'s consent', () => {
    it.each([
      ['the citizen\'s existence', '__typename', 'Query.citizen'],
      ['whether they are married', 'person { spouse { __typename } }', 'Person.spouse'],
      ['how many children they have', 'person { children { __typename } }', 'Person.children'],
      ['their parents', 'person { father { __typename } mother { __typename } }', 'Person.father'],
      ['the household\'s size and relationships', 'household { members { relationshipToHead } }', 'Household.members'],
      ['when their record last changed', 'person { provenance { asOf } }', 'Provenance.asOf'],
      ['whether they are deceased', 'person { dateOfDeath }', 'Person.dateOfDeath'],
    ])('gets FORBIDDEN, no data and no registry call, when it asks for %s', async (_what, selection, field) => {
      const { res, calls } = await asBank(CITIZEN(selection));
      expect(res.status).toBe(403);
      expect(res.body.data).toBeUndefined();
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', rule: 'PURPOSE_GRANT' });
      expect((res.body.errors?.[0]?.extensions?.denied as { field: string }[]).map((d) => d.field)).toContain(field);
      expect(calls).toEqual(NONE);
    });

    it('still gets a match / no-match answer from verifyCitizen', async () => {
      const person = stack.dataset.people.get(subject) as { fullName: string };
      const { res } = await asBank(`query($id: PersonalId!) { verifyCitizen(input: { personalId: $id, fullName: "${person.fullName}" }) { verdict } }`);
      expect(res.body).toEqual({ data: { verifyCitizen: { verdict: 'MATCH' } } });
    });
  });

  describe('a citizen', () => {
    const asCitizen = async (query: string) => {
      const token = await stack.citizenToken(subject);
      await stack.resetRegistryCalls();
      const res = await stack.graphql(query, { token });
      return { res, calls: await stack.registryCalls() };
    };

    it.each([
      ["a parent's other children", '{ me { person { father { person { children { __typename } } } } } }', 'Person.children'],
      ["the members of a parent's household", '{ me { person { father { household { members { relationshipToHead } } } } } }', 'Household.members'],
      ["whether a parent has a household", '{ me { person { father { household { __typename } } } } }', 'Household.__typename'],
      ["a parent's residence record, by its provenance", '{ me { person { father { residence { provenance { asOf } } } } } }', 'Provenance.asOf'],
      ['who else read their own record recently, through a relative', '{ me { person { father { person { provenance { fromCache } } } } } }', 'Provenance.fromCache'],
    ])('gets FORBIDDEN, with no registry call, for %s', async (_what, query, field) => {
      const { res, calls } = await asCitizen(query);
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', rule: 'RELATIVES_BASIC_IDENTITY' });
      expect((res.body.errors?.[0]?.extensions?.denied as { field: string }[]).map((d) => d.field)).toContain(field);
      expect(calls).toEqual(NONE);
    });

    it("reads their household's members, their relationships and basic identity", async () => {
      const { res } = await asCitizen('{ me { household { members { relationshipToHead citizen { id person { fullName } } } } person { provenance { asOf fromCache ageSeconds } } } }');
      expect(res.body.errors).toBeUndefined();
      const me = res.body.data?.me as { household: { members: unknown[] }; person: { provenance: { fromCache: boolean } } };
      expect(me.household.members.length).toBe(5);
      expect(me.person.provenance.fromCache).toBe(false);
    });
  });

  describe('an agency', () => {
    it.each([
      ['CA_HN', 'residence.process', 'CT01_RESIDENCE', 'person { father { person { father { person { father { __typename } } } } } }', 'three steps, beyond its two'],
      ['STP_HN', 'civil-status.register', 'BIRTH_REGISTRATION', 'person { father { person { mother { __typename } } } }', 'two steps, beyond its one'],
      ['BV_BACHMAI', 'health-insurance.enrol', 'HEALTH_INSURANCE', 'person { spouse { __typename } }', 'one step, beyond its none'],
    ])('%s cannot reach a citizen %s away with __typename alone', async (agency, scope, purpose, selection) => {
      const token = await stack.agencyToken(agency, [scope]);
      if (purpose === 'HEALTH_INSURANCE') {
        await stack.graphql('mutation($i: GrantConsentInput!) { grantConsent(input: $i) { status } }', {
          token: await stack.citizenToken(subject),
          variables: { i: { agency, purpose, expiresAt: new Date(Date.now() + 86_400_000).toISOString() } },
        });
      }
      await stack.resetRegistryCalls();
      const res = await stack.graphql(CITIZEN(selection), { token, variables: { id: subject }, headers: { 'x-purpose': purpose } });
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', rule: 'PURPOSE_GRANT' });
      expect(await stack.registryCalls()).toEqual(NONE);
    });

    it('gets FORBIDDEN for when the gateway fetched a record or whether it came from the cache', async () => {
      const token = await stack.agencyToken();
      const res = await stack.graphql(CITIZEN('person { fullName provenance { asOf fromCache ageSeconds fetchedAt } }'), {
        token,
        variables: { id: subject },
        headers: { 'x-purpose': 'CT01_RESIDENCE' },
      });
      const denied = (res.body.errors?.[0]?.extensions?.denied as { field: string }[]).map((d) => d.field).sort();
      expect(denied).toEqual(['Provenance.ageSeconds', 'Provenance.fetchedAt', 'Provenance.fromCache']);
    });

    it('reads when the registry last changed a record it may read', async () => {
      const token = await stack.agencyToken();
      const res = await stack.graphql(CITIZEN('person { fullName provenance { registry asOf } }'), { token, variables: { id: subject }, headers: { 'x-purpose': 'CT01_RESIDENCE' } });
      expect(res.body.errors).toBeUndefined();
    });

    it('records each citizen reached only by __typename as a disclosure about them', async () => {
      const token = await stack.agencyToken();
      const res = await stack.graphql(CITIZEN('household { members { citizen { __typename } } }'), {
        token,
        variables: { id: subject },
        headers: { 'x-purpose': 'CT01_RESIDENCE', 'x-request-id': 'reach-typename-1' },
      });
      expect(res.body.errors).toBeUndefined();
      const rows = await stack.gateway.store.query<{ subject_id: string; outcome: string; fields: string[] }>(
        "SELECT subject_id, outcome, fields FROM audit_log WHERE request_id = 'reach-typename-1'",
      );
      const members = stack.dataset.households.get(stack.dataset.residences.get(subject)?.householdId as string)?.members ?? [];
      expect(rows.map((r) => r.subject_id).sort()).toEqual(members.map((m) => m.personalId).sort());
      expect(rows.every((r) => r.outcome === 'disclosed')).toBe(true);
      expect(rows.find((r) => r.subject_id !== subject)?.fields).toEqual(['__typename']);
      expect(rows.find((r) => r.subject_id === subject)?.fields).toEqual(['__typename', 'household.members']);
    });
  });

  describe('a request without a token', () => {
    it('is refused before its operation is analysed, however large', async () => {
      const fragments = Array.from({ length: 40 }, (_, i) => `fragment F${i} on Query { ${i < 39 ? `...F${i + 1} ...F${i + 1}` : 'me { id }'} }`).join(' ');
      const analyses = async () => Number(/^gateway_operation_analyses_total (\d+)/m.exec(await (await fetch(`${stack.url}/metrics`)).text())?.[1] ?? NaN);
      const before = await analyses();
      const res = await fetch(`${stack.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `{ ...F0 } ${fragments}` }) });
      expect(res.status).toBe(401);
      expect((await json(res)).errors[0].extensions.code).toBe('UNAUTHENTICATED');
      expect(await analyses()).toBe(before);
    });

    it('still loads the schema in development (the playground), and nothing else', async () => {
      const schema = await stack.graphql('{ __schema { queryType { name } } }');
      expect(schema.body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
      const mixed = await stack.graphql('{ __schema { queryType { name } } forms { id } }');
      expect(mixed.status).toBe(401);
    });
  });
});

describe('one limit for every lookup', () => {
  let stack: Stack;
  // Hour-long windows: the limits count in fixed windows, and a one-minute window could end between two requests.
  beforeAll(async () => {
    stack = await startStack({ RATE_LIMIT_OFFICIAL_LOOKUPS: '12', RATE_LIMIT_AGENCY_LOOKUPS: '30', RATE_LIMIT_WINDOW_S: '3600', VERIFY_RATE_LIMIT: '3', VERIFY_RATE_WINDOW_S: '3600' });
  });
  afterAll(() => stack.stop());

  const official = async (sub: string, agency = 'CA_HN', scopes = ['residence.process']) =>
    (await json(await fetch(`${stack.url}/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ role: 'agency', sub, agency, scopes }) }))).token as string;
  const PREFILL = 'query($f: ID!, $s: PersonalId) { prefill(formId: $f, subjectId: $s) { formId } }';

  it('counts each subject of a prefilled form, and answers 429 with Retry-After past the limit', async () => {
    const token = await official('canbo.01');
    // CT01 reads the subject, the head of household and up to 8 members: 10 at most.
    const ask = () => stack.graphql(PREFILL, { token, variables: { f: 'CT01', s: stack.persona('minor') }, headers: { 'x-purpose': 'CT01_RESIDENCE' } });
    expect((await ask()).status).toBe(200);
    await stack.resetRegistryCalls();
    const second = await ask();
    expect(second.status).toBe(429);
    expect(second.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(second.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
    expect(await stack.registryCalls()).toEqual(NONE);
  });

  it('keeps counting the agency when a new official id comes along', async () => {
    const read = 'query($id: PersonalId!) { citizen(id: $id) { id } }';
    const ask = async (sub: string) => stack.graphql(read, { token: await official(sub), variables: { id: stack.persona('minor') }, headers: { 'x-purpose': 'CT01_RESIDENCE' } });
    // 10 counted above; each of these officials reads one citizen, within their own budget.
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++) statuses.push((await ask(`moi.${i}`)).status);
    expect(statuses.slice(0, 20).every((s) => s === 200)).toBe(true);
    const last = await ask('moi.khac');
    expect(last.status).toBe(429);
    expect(last.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED' });
    expect(last.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('answers verifyCitizen past its limit with 429 and Retry-After, like every other limit', async () => {
    const id = stack.persona('passport-holder');
    await stack.graphql('mutation($i: GrantConsentInput!) { grantConsent(input: $i) { status } }', {
      token: await stack.citizenToken(id),
      variables: { i: { agency: 'VIETTEL', purpose: 'SUBSCRIBER_VERIFICATION', expiresAt: new Date(Date.now() + 86_400_000).toISOString() } },
    });
    const token = await official('nv.01', 'VIETTEL', ['identity.verify']);
    const ask = () =>
      stack.graphql('query($i: VerifyCitizenInput!) { verifyCitizen(input: $i) { verdict } }', {
        token,
        variables: { i: { personalId: id, dateOfBirth: '1990-01-01' } },
        headers: { 'x-purpose': 'SUBSCRIBER_VERIFICATION' },
      });
    for (let i = 0; i < 3; i++) expect((await ask()).status).toBe(200);
    const refused = await ask();
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
  });
});

import { createSchema } from '../src/graphql/createSchema';
import { loadCatalogue, readCatalogueFile, type Grant } from '../src/policy/loadCatalogue';
import { ALL_CITIZEN_FIELDS, selectionFor } from './helpers/queries';
import { startStack, type Stack } from './helpers/stack';

const { schema, facts } = createSchema();
const catalogue = loadCatalogue(readCatalogueFile(), facts);
const NONE = { POPULATION: 0, RESIDENCE: 0, DOCUMENTS: 0 };

describe('the catalogue, agency by agency and purpose by purpose', () => {
  let stack: Stack;
  let subject: string;
  beforeAll(async () => {
    stack = await startStack();
    subject = stack.persona('household-of-five');
    // Consent-based purposes: the subject consents to each, so that the matrix tests the grant itself.
    const token = await stack.citizenToken(subject);
    for (const g of catalogue.grants.filter((x) => x.purpose.consentRequired)) {
      const res = await stack.graphql('mutation($i: GrantConsentInput!) { grantConsent(input: $i) { status } }', {
        token,
        variables: { i: { agency: g.agency.code, purpose: g.purpose.code, expiresAt: new Date(Date.now() + 86_400_000).toISOString() } },
      });
      expect(res.body.data).toEqual({ grantConsent: { status: 'ACTIVE' } });
    }
  });
  afterAll(() => stack.stop());

  it('covers every field the schema declares as citizen data', () => {
    const declared = Object.values(schema.getTypeMap()).flatMap((t) =>
      'getFields' in t && !t.name.startsWith('__')
        ? Object.keys((t as { getFields(): object }).getFields()).map((f) => `${t.name}.${f}`).filter((c) => ['IDENTITY', 'PERSONAL', 'SENSITIVE'].includes(facts.rule(c) ?? ''))
        : [],
    );
    expect([...declared].sort()).toEqual([...ALL_CITIZEN_FIELDS].sort());
  });

  const ask = async (g: Grant, query: string, scopes = [g.scope]) => {
    const token = await stack.agencyToken(g.agency.code, scopes);
    await stack.resetRegistryCalls();
    const res = await stack.graphql(query, { token, variables: { id: subject }, headers: { 'x-purpose': g.purpose.code } });
    return { res, calls: await stack.registryCalls() };
  };
  const deniedFields = (res: Awaited<ReturnType<typeof ask>>['res']) =>
    new Set(((res.body.errors?.[0]?.extensions?.denied ?? []) as { field: string }[]).map((d) => d.field.replace(/\(.*$/, '')));
  /** What the grant allows `hop` steps from the subject. */
  const at = (g: Grant, hop: number): ReadonlySet<string> => (hop === 0 ? g.subject.fields : g.related && hop <= g.related.maxHops ? g.related.fields : new Set());
  const RELATIONSHIP = 'HouseholdMember.relationshipToHead';
  /**
   * The denials expected for every citizen field asked at `hop`: each field outside the
   * grant there — a member's relationship to the head belongs to the member, one step
   * further —, the household's members when a step the grant does not cover is needed,
   * and the subject themselves when the grant allows nothing about them.
   */
  const expectedDenials = (g: Grant, hop: number) => {
    const denied = ALL_CITIZEN_FIELDS.filter((f) => (f === RELATIONSHIP ? !at(g, hop + 1).has(f) : !at(g, hop).has(f)));
    const unreachable = at(g, hop + 1).size === 0 || (hop > 0 && at(g, hop).size === 0);
    // A grant with nothing about the subject (verification only) does not reach them at all.
    const subjectUnreachable = at(g, 0).size === 0;
    return [...denied, ...(unreachable ? ['Household.members'] : []), ...(subjectUnreachable ? ['Query.citizen'] : [])].sort();
  };

  describe.each(catalogue.grants.map((g) => [`${g.agency.code} / ${g.purpose.code}`, g] as const))('%s', (_name, grant) => {
    (grant.subject.fields.size > 0 ? it : it.skip)('returns exactly the granted fields about the subject', async () => {
      const { res } = await ask(grant, `query($id: PersonalId!) { citizen(id: $id) { ${selectionFor(grant.subject.fields)} } }`);
      expect(res.body.errors).toBeUndefined();
      const citizen = res.body.data?.citizen as Record<string, Record<string, unknown> | null>;
      for (const f of grant.subject.fields) {
        const [type, field] = f.split('.') as [string, string];
        const holder = type === 'Citizen' ? citizen : type === 'Person' ? citizen.person : type === 'Residence' ? citizen.residence : citizen.household;
        expect(holder).toHaveProperty(type === 'HouseholdMember' ? 'members' : field);
      }
      if (grant.subject.fields.has('Citizen.documents')) {
        const types = new Set((citizen.documents as unknown as { type: string }[]).map((d) => d.type));
        for (const t of types) expect(grant.subject.documentTypes.has(t as never)).toBe(true);
      }
    });

    it('refuses every other field about the subject, naming each, with no registry call', async () => {
      const { res, calls } = await ask(grant, `query($id: PersonalId!) { citizen(id: $id) { ${selectionFor(ALL_CITIZEN_FIELDS)} } }`);
      expect(res.status).toBe(403);
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', rule: 'PURPOSE_GRANT', purpose: grant.purpose.code });
      expect([...deniedFields(res)].sort()).toEqual(expectedDenials(grant, 0));
      expect(calls).toEqual(NONE);
    });

    it('refuses related citizens beyond what the grant allows, with no registry call', async () => {
      const related = `query($id: PersonalId!) { citizen(id: $id) { household { members { citizen { ${selectionFor(ALL_CITIZEN_FIELDS)} } } } } }`;
      const { res, calls } = await ask(grant, related);
      expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect([...deniedFields(res)].sort()).toEqual(expectedDenials(grant, 1));
      expect(calls).toEqual(NONE);
    });

    if (grant.related) {
      it("returns the related citizens' granted fields", async () => {
        const fields = [...(grant.related?.fields ?? [])].filter((f) => !f.startsWith('Household.') && f !== 'HouseholdMember.relationshipToHead');
        const { res } = await ask(grant, `query($id: PersonalId!) { citizen(id: $id) { person { father { ${selectionFor(fields)} } } } }`);
        expect(res.body.errors).toBeUndefined();
      });
    }

    it('refuses a token without the grant\'s scope, with no registry call', async () => {
      const { res, calls } = await ask(grant, 'query($id: PersonalId!) { citizen(id: $id) { id } }', ['some.other-scope']);
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', rule: 'SCOPE' });
      expect(calls).toEqual(NONE);
    });

    it('refuses documents of a type outside the grant', async () => {
      const outside = ['BIRTH_CERTIFICATE', 'MARRIAGE_CERTIFICATE', 'IDENTITY_CARD', 'PASSPORT', 'DRIVING_LICENCE', 'CRIMINAL_RECORD_CERTIFICATE'].find(
        (t) => !grant.subject.documentTypes.has(t as never),
      );
      const { res, calls } = await ask(grant, `query($id: PersonalId!) { citizen(id: $id) { documents(types: [${outside}]) { number } } }`);
      expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(calls).toEqual(NONE);
    });
  });

  it('refuses a purpose the agency is not granted', async () => {
    const token = await stack.agencyToken('VCB', ['identity.verify', 'residence.process']);
    const res = await stack.graphql('query($id: PersonalId!) { citizen(id: $id) { id } }', { token, variables: { id: subject }, headers: { 'x-purpose': 'CT01_RESIDENCE' } });
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', rule: 'NO_GRANT' });
  });

  it('refuses an agency that is not in the catalogue', async () => {
    const token = await stack.agencyToken('CA_NOWHERE', ['residence.process']);
    const res = await stack.graphql('query($id: PersonalId!) { citizen(id: $id) { id } }', { token, variables: { id: subject }, headers: { 'x-purpose': 'CT01_RESIDENCE' } });
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', rule: 'UNKNOWN_AGENCY' });
  });

  it('answers BAD_USER_INPUT for a purpose code that is not in the catalogue', async () => {
    const token = await stack.agencyToken();
    const res = await stack.graphql('query($id: PersonalId!) { citizen(id: $id) { id } }', { token, variables: { id: subject }, headers: { 'x-purpose': 'CURIOSITY' } });
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'X-Purpose' });
  });

  it('filters documents to the granted types when types are not given', async () => {
    const grant = catalogue.grant('XNC', 'PASSPORT') as Grant;
    const { res } = await ask(grant, 'query($id: PersonalId!) { citizen(id: $id) { documents { type } } }');
    const types = (res.body.data?.citizen as { documents: { type: string }[] }).documents.map((d) => d.type);
    expect(types.length).toBeGreaterThan(0);
    expect(types.every((t) => ['IDENTITY_CARD', 'PASSPORT'].includes(t))).toBe(true);
  });

  it("lists an agency's permissions before it asks for data", async () => {
    const token = await stack.agencyToken('CA_HN', ['criminal-record.issue']);
    const res = await stack.graphql('{ myPermissions { purpose { code title } scope scopeHeld subject { fields documentTypes } related { fields } relatedMaxHops verification } }', { token });
    expect(res.body.errors).toBeUndefined();
    const perms = res.body.data?.myPermissions as { purpose: { code: string; title: string }; scopeHeld: boolean; subject: { documentTypes: string[] } }[];
    expect(perms.map((p) => p.purpose.code).sort()).toEqual(['CRIMINAL_RECORD', 'CT01_RESIDENCE']);
    const lltp = perms.find((p) => p.purpose.code === 'CRIMINAL_RECORD');
    expect(lltp).toMatchObject({ scopeHeld: true, purpose: { title: 'Cấp Phiếu lý lịch tư pháp' } });
    expect(lltp?.subject.documentTypes).toContain('CRIMINAL_RECORD_CERTIFICATE');
  });
});

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createSchema } from '../src/graphql/createSchema';
import { loadForms } from '../src/forms/loadForms';
import { loadCatalogue, readCatalogueFile } from '../src/policy/loadCatalogue';
import { overGrants, purposeNeeds } from '../src/access/purposeNeeds';
import { startStack, type Stack } from './helpers/stack';

const CT01 = { 'x-purpose': 'CT01_RESIDENCE' };
const WHY_NOT = `query($f: String!, $p: PurposeCode, $h: Int) {
  whyNot(field: $f, purpose: $p, hop: $h) {
    field purpose hop allowed code rule message messageVi
    remedies { field rule kind message messageVi purpose scope grantConsent { agency purpose fields } }
  }
}`;
const REPORT = `{ policyReport {
  catalogueVersion
  grants { purpose { code } forms verification defined subject { fields documentTypes } related { fields documentTypes } relatedMaxHops neededRelatedMaxHops }
  overCollected { purpose { code } field records lastReadAt }
} }`;

interface Answer {
  allowed: boolean;
  code: string | null;
  rule: string | null;
  remedies: { field: string; rule: string; kind: string; message: string; messageVi: string; purpose: string | null; scope: string | null; grantConsent: unknown }[];
}

/** Refusals say why and what would allow each read; whyNot says the same before asking; supervisors see what is read beyond a purpose's needs. */
describe('why not, and over-collection, over HTTP', () => {
  let stack: Stack;
  let police: string;
  let subject: string;
  beforeAll(async () => {
    stack = await startStack();
    police = await stack.agencyToken('CA_HN', ['residence.process', 'criminal-record.issue', 'policy.read']);
    subject = stack.persona('household-of-four');
  });
  afterAll(() => stack.stop());

  const whyNot = async (token: string, variables: Record<string, unknown>) => stack.graphql(WHY_NOT, { token, variables });

  it('names, in a refusal, the rule and the purpose that would allow each field, as whyNot does before asking', async () => {
    const res = await stack.graphql('query($id: PersonalId!) { citizen(id: $id) { person { fullName religion } residence { history { from } } } }', { token: police, variables: { id: subject }, headers: CT01 });
    expect(res.status).toBe(403);
    const ext = res.body.errors?.[0]?.extensions as { rule: string; remedies: Answer['remedies'] };
    expect(ext.rule).toBe('PURPOSE_GRANT');
    const byField = new Map(ext.remedies.map((r) => [r.field, r]));
    // Religion: no purpose of the police's allows it; the residence history: the criminal-record purpose does.
    expect(byField.get('Person.religion')).toMatchObject({ rule: 'PURPOSE_GRANT', kind: 'SUBJECT_ONLY', messageVi: expect.stringContaining('chỉ chính công dân') });
    expect(byField.get('Residence.history')).toMatchObject({ rule: 'PURPOSE_GRANT', kind: 'PURPOSE', purpose: 'CRIMINAL_RECORD', scope: 'criminal-record.issue' });
    expect(byField.has('Person.fullName')).toBe(false);

    for (const field of ['Person.religion', 'Residence.history']) {
      const asked = await whyNot(police, { f: field, p: 'CT01_RESIDENCE' });
      expect(asked.body.errors).toBeUndefined();
      const answer = asked.body.data?.whyNot as Answer;
      expect(answer).toMatchObject({ allowed: false, code: 'FORBIDDEN', rule: 'PURPOSE_GRANT' });
      const refused = byField.get(field) as Answer['remedies'][number];
      expect(answer.remedies.filter((r) => r.field === field).map(({ kind, message, messageVi, purpose }) => ({ kind, message, messageVi, purpose: purpose ?? undefined }))).toEqual([
        { kind: refused.kind, message: refused.message, messageVi: refused.messageVi, purpose: refused.purpose ?? undefined },
      ]);
    }
    const allowed = await whyNot(police, { f: 'Person.fullName', p: 'CT01_RESIDENCE' });
    expect(allowed.body.data?.whyNot).toMatchObject({ allowed: true, code: null, rule: null, remedies: [] });
  });

  it('answers the refusal docs/POLICY.md shows, as shown', async () => {
    const doc = readFileSync(path.join(__dirname, '..', 'docs', 'POLICY.md'), 'utf8');
    const query = /```graphql as:agency:CA_HN:residence.process:CT01_RESIDENCE\n# → FORBIDDEN\n(.*)\n```/.exec(doc)?.[1] as string;
    const shown = JSON.parse(/```json\n([\s\S]*?)```/.exec(doc)?.[1] as string) as Record<string, unknown>;
    const res = await stack.graphql(query, { token: await stack.agencyToken('CA_HN', ['residence.process']), headers: CT01 });
    // Abridged in the page: the message and the denied paths are left out there.
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ ...shown, code: 'FORBIDDEN' });
    expect((res.body.errors?.[0]?.extensions?.remedies as unknown[]).length).toBe((shown.remedies as unknown[]).length);
  });

  it('answers a portal with the grantConsent input to offer the citizen, which then lets it read', async () => {
    const hospital = await stack.agencyToken('BV_BACHMAI', ['health-insurance.enrol']);
    const asked = await whyNot(hospital, { f: 'Person.bloodType', p: 'HEALTH_INSURANCE' });
    const answer = asked.body.data?.whyNot as Answer;
    expect(answer).toMatchObject({ allowed: false, code: 'CONSENT_REQUIRED', rule: null });
    const offer = answer.remedies.find((r) => r.kind === 'CONSENT')?.grantConsent as Record<string, unknown>;
    expect(offer).toEqual({ agency: 'BV_BACHMAI', purpose: 'HEALTH_INSURANCE', fields: ['Person.bloodType'] });
    const citizen = stack.persona('passport-holder');
    const granted = await stack.graphql('mutation($i: GrantConsentInput!) { grantConsent(input: $i) { status fields } }', {
      token: await stack.citizenToken(citizen),
      variables: { i: { ...offer, expiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString() } },
    });
    expect(granted.body.data?.grantConsent).toEqual({ status: 'ACTIVE', fields: ['Person.bloodType'] });
    const read = await stack.graphql('query($id: PersonalId!) { citizen(id: $id) { person { bloodType } } }', { token: hospital, variables: { id: citizen }, headers: { 'x-purpose': 'HEALTH_INSURANCE' } });
    expect(read.body.errors).toBeUndefined();
  });

  it('tells a citizen that of a relative they see basic identity only', async () => {
    const citizen = await stack.citizenToken(subject);
    const religion = (await whyNot(citizen, { f: 'Person.religion', h: 1 })).body.data?.whyNot as Answer;
    expect(religion).toMatchObject({ allowed: false, rule: 'RELATIVES_BASIC_IDENTITY', remedies: [{ kind: 'SUBJECT_ONLY' }] });
    expect((await whyNot(citizen, { f: 'Person.fullName', h: 1 })).body.data?.whyNot).toMatchObject({ allowed: true });
    expect((await whyNot(citizen, { f: 'Person.religion' })).body.data?.whyNot).toMatchObject({ allowed: true });
    // A citizen declares no agency's purpose.
    const purpose = await whyNot(citizen, { f: 'Person.religion', p: 'CT01_RESIDENCE' });
    expect(purpose.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'purpose', messageVi: expect.stringContaining('công dân') });
  });

  it.each([
    ['an empty field', { f: '' }, 'field'],
    ['a type without a field', { f: 'Person' }, 'field'],
    ['an unknown field', { f: 'Person.salary' }, 'field'],
    ['a field that discloses nothing', { f: 'Address.full' }, 'field'],
    ['a root field', { f: 'Query.citizen' }, 'field'],
    ['a prototype key', { f: '__proto__.constructor' }, 'field'],
    ['an injection', { f: "Person.fullName'; DROP TABLE audit_log; --" }, 'field'],
    ['a long value', { f: `Person.${'a'.repeat(5_000)}` }, 'field'],
    ['a trailing newline', { f: 'Person.fullName\n' }, 'field'],
    ['a negative hop', { f: 'Person.fullName', h: -1 }, 'hop'],
    ['too many hops', { f: 'Person.fullName', h: 4 }, 'hop'],
    ['a purpose not in the catalogue', { f: 'Person.fullName', p: 'CURIOSITY' }, 'purpose'],
  ])('refuses %s with BAD_USER_INPUT, in both languages', async (_name, variables, field) => {
    const res = await whyNot(police, { p: 'CT01_RESIDENCE', ...variables });
    expect(res.body.data?.whyNot ?? null).toBeNull();
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field, messageVi: expect.stringMatching(/không/) });
    expect(JSON.stringify(res.body)).not.toMatch(/stack|at Object\./);
  });

  it('refuses a malformed purpose code before anything runs', async () => {
    const res = await whyNot(police, { f: 'Person.fullName', p: 'ct01 residence' });
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('keeps policyReport for supervisors (scope policy.read), with what would allow it', async () => {
    const officer = await stack.agencyToken('CA_HN', ['residence.process']);
    const res = await stack.graphql(REPORT, { token: officer });
    expect(res.status).toBe(403);
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', rule: 'SCOPE', remedies: [{ field: 'Query.policyReport', kind: 'SCOPE', scope: 'policy.read' }] });
    const citizen = await stack.graphql(REPORT, { token: await stack.citizenToken(subject) });
    expect(citizen.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', rule: 'ROLE', remedies: [{ kind: 'ROLE' }] });
  });

  it("reports the agency's grants against its purposes' needs, as policy:report does", async () => {
    const res = await stack.graphql(REPORT, { token: police });
    expect(res.body.errors).toBeUndefined();
    const report = res.body.data?.policyReport as { grants: { purpose: { code: string }; subject: { fields: string[]; documentTypes: string[] } }[] };
    const { facts } = createSchema();
    const catalogue = loadCatalogue(readCatalogueFile(), facts);
    const expected = overGrants(catalogue, purposeNeeds(catalogue, loadForms(facts, catalogue), facts)).filter((g) => g.agency === 'CA_HN');
    expect(report.grants.map((g) => [g.purpose.code, g.subject])).toEqual(expected.map((g) => [g.purpose, g.subject]));
  });

  it('counts a field read beyond what the purpose needs, in the metric and in the audit-trail view', async () => {
    const metric = async () => {
      const text = await (await fetch(`${stack.url}/metrics`)).text();
      const line = /^gateway_overcollected_fields_total\{([^}]*)\} (\d+)/gm;
      const counts = new Map<string, number>();
      for (const m of text.matchAll(line)) counts.set(m[1] as string, Number(m[2]));
      return counts;
    };
    const key = 'agency="CA_HN",purpose="CT01_RESIDENCE",field="Household.address"';
    const before = (await metric()).get(key) ?? 0;
    // Granted for CT01, printed on no CT01 form: the household's address.
    const over = await stack.graphql('query($id: PersonalId!) { citizen(id: $id) { person { fullName } household { address { full line } } } }', { token: police, variables: { id: subject }, headers: CT01 });
    expect(over.body.errors).toBeUndefined();
    const after = await metric();
    expect(after.get(key)).toBe(before + 1);
    // What the form needs is not counted.
    expect([...after.keys()].filter((k) => k.includes('Person.fullName'))).toEqual([]);

    const report = await stack.graphql(REPORT, { token: police });
    const seen = (report.body.data?.policyReport as { overCollected: { purpose: { code: string }; field: string; records: number; lastReadAt: string }[] }).overCollected;
    const row = seen.find((o) => o.purpose.code === 'CT01_RESIDENCE' && o.field === 'Household.address');
    // Two paths under the field (full, line) in one record count once.
    expect(row).toMatchObject({ records: before + 1, lastReadAt: expect.any(String) });
    expect(seen.find((o) => o.field === 'Person.fullName')).toBeUndefined();
  });
});

import type { DocumentType } from '../../connectors/types';
import { formSubjects } from '../../src/access/accessRequest';
import { createDecider, type AccessRequest, type Read } from '../../src/access/decide';
import { loadForms, type FormDefinition } from '../../src/forms/loadForms';
import type { AgencyCaller, CitizenCaller } from '../../src/auth/caller';
import { createSchema } from '../../src/graphql/createSchema';
import { loadCatalogue, readCatalogueFile, type Grant } from '../../src/policy/loadCatalogue';

/**
 * The access decision as a table, without HTTP: for every grant of the shipped
 * catalogue, every distance from the subject, and every class of read — each field
 * that discloses, each document type, reaching a citizen, navigation and provenance
 * of each record, facts for the subject only, verification — the decision must be
 * what the grant says. The expectations are computed here from the grant alone.
 */
const { facts } = createSchema();
const catalogue = loadCatalogue(readCatalogueFile(), facts);
const decide = createDecider({ catalogue, facts });
const SUBJECT = '001088000012';
const consenting = { consents: async () => [{ fields: null }], guardianOf: async () => true, deceased: async () => false };
const RECORDS = ['Citizen', 'Person', 'Residence', 'Household', 'HouseholdMember'];
const OWNER_ONLY = ['Provenance.fetchedAt', 'Provenance.fromCache', 'Provenance.ageSeconds'];
const HOPS = [0, 1, 2, 3];

/** Every class of read at one distance, with a label for the table. */
function readsAt(): [string, Read][] {
  const reads: [string, Read][] = [['reach', { kind: 'reach', coordinate: 'Person.father', paths: ['p'] }]];
  for (const c of facts.citizenFields) reads.push([`field ${c}`, { kind: 'field', coordinate: c, paths: ['p'] }]);
  for (const t of facts.documentTypes) reads.push([`documents ${t}`, { kind: 'field', coordinate: 'Citizen.documents', documentTypes: [t], paths: ['p'] }]);
  for (const r of RECORDS) reads.push([`record ${r}`, { kind: 'record', coordinate: `${r}.__typename`, record: r, paths: ['p'] }]);
  for (const c of OWNER_ONLY) reads.push([`owner ${c}`, { kind: 'owner', coordinate: c, paths: ['p'] }]);
  reads.push(['verify', { kind: 'verify', coordinate: 'Person.fullName', paths: ['p'] }]);
  return reads;
}

/** What a grant allows at a distance: the expectation, from the grant and nothing else. */
function grantAllows(g: Grant, hop: number, label: string, read: Read): boolean {
  const at = hop === 0 ? g.subject : g.related && hop <= g.related.maxHops ? g.related : null;
  const fields = at?.fields ?? new Set<string>();
  if (read.kind === 'verify') return hop === 0 && g.verification;
  if (read.kind === 'owner') return false;
  if (read.kind === 'reach') return fields.size > 0;
  if (read.kind === 'record') return read.record === 'Citizen' ? fields.size > 0 : [...fields].some((f) => f.startsWith(`${read.record}.`));
  if (label.startsWith('documents')) return fields.has('Citizen.documents') && !!at?.documentTypes.has(read.documentTypes?.[0] as DocumentType);
  return fields.has(read.coordinate);
}

/** What a citizen may see at a distance from themselves: everything of their own, basic identity one step away. */
function citizenAllows(hop: number, read: Read): boolean {
  if (read.kind === 'verify') return false;
  if (hop === 0) return true;
  if (hop > 1 || read.kind === 'owner') return false;
  if (read.kind === 'reach') return true;
  if (read.kind === 'record') return ['Citizen', 'Person', 'HouseholdMember'].includes(read.record as string);
  return facts.rule(read.coordinate) === 'IDENTITY';
}

const agencyRequest = (g: Grant, hop: number, read: Read, scopes = [g.scope]): AccessRequest => ({
  caller: { kind: 'agency', officialId: 'canbo.01', agency: g.agency.code, scopes } satisfies AgencyCaller,
  purpose: g.purpose.code,
  rootFields: [{ coordinate: read.kind === 'verify' ? 'Query.verifyCitizen' : 'Query.citizen', path: 'c' }],
  subjects: [{ hop, ...(hop === 0 ? { id: SUBJECT } : {}), path: 'c', reads: [read] }],
});

describe('the access decision, grant by grant, step by step, read by read', () => {
  it.each(catalogue.grants.map((g) => [`${g.agency.code} / ${g.purpose.code}`, g] as const))('%s: exactly what the grant says', async (_name, grant) => {
    const wrong: string[] = [];
    for (const hop of HOPS) {
      for (const [label, read] of readsAt()) {
        const decision = await decide(agencyRequest(grant, hop, read), consenting);
        const expected = grantAllows(grant, hop, label, read);
        if (decision.allowed !== expected) wrong.push(`hop ${hop}, ${label}: ${decision.allowed ? 'allowed' : 'denied'}, expected ${expected ? 'allowed' : 'denied'}`);
        if (!decision.allowed && !expected) {
          const rule = read.kind === 'verify' && !grant.verification ? 'VERIFICATION' : 'PURPOSE_GRANT';
          if (decision.rule !== rule) wrong.push(`hop ${hop}, ${label}: rule ${decision.rule}, expected ${rule}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('lets a citizen read all of their own record, basic identity one step away, nothing further', async () => {
    const caller: CitizenCaller = { kind: 'citizen', personalId: SUBJECT };
    const wrong: string[] = [];
    for (const hop of HOPS) {
      for (const [label, read] of readsAt()) {
        const request: AccessRequest = {
          caller,
          purpose: null,
          rootFields: [{ coordinate: 'Query.me', path: 'me' }],
          subjects: [{ hop, ...(hop === 0 ? { id: SUBJECT } : {}), path: 'me', reads: [read] }],
        };
        const decision = await decide(request, consenting);
        const expected = citizenAllows(hop, read);
        if (decision.allowed !== expected) wrong.push(`hop ${hop}, ${label}: ${decision.allowed ? 'allowed' : 'denied'}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('refuses a verification-only bank everything but verification, reaching the subject included', async () => {
    const vcb = catalogue.grant('VCB', 'KYC_VERIFICATION') as Grant;
    for (const coordinate of ['Query.citizen', 'Person.spouse', 'Person.children', 'Household.members']) {
      const decision = await decide(agencyRequest(vcb, coordinate === 'Query.citizen' ? 0 : 1, { kind: 'reach', coordinate, paths: ['c.x'] }), consenting);
      expect(decision).toMatchObject({ allowed: false, code: 'FORBIDDEN', rule: 'PURPOSE_GRANT', denied: [{ path: 'c.x', field: coordinate }] });
    }
    const provenance = await decide(agencyRequest(vcb, 0, { kind: 'record', coordinate: 'Provenance.asOf', record: 'Person', paths: ['c.person.provenance.asOf'] }), consenting);
    expect(provenance.allowed).toBe(false);
    expect((await decide(agencyRequest(vcb, 0, { kind: 'verify', coordinate: 'Person.fullName', paths: ['v'] }), consenting)).allowed).toBe(true);
  });

  it('asks for the purpose, the grant, the scope and the consent, in that order', async () => {
    const hospital = catalogue.grant('BV_BACHMAI', 'HEALTH_INSURANCE') as Grant;
    const read: Read = { kind: 'field', coordinate: 'Person.fullName', paths: ['c.person.fullName'] };
    const base = agencyRequest(hospital, 0, read);
    expect(await decide({ ...base, purpose: null }, consenting)).toMatchObject({ allowed: false, code: 'PURPOSE_REQUIRED' });
    expect(await decide({ ...base, purpose: 'CURIOSITY' }, consenting)).toMatchObject({ allowed: false, code: 'BAD_USER_INPUT', field: 'X-Purpose' });
    expect(await decide({ ...base, purpose: 'PASSPORT' }, consenting)).toMatchObject({ allowed: false, code: 'FORBIDDEN', rule: 'NO_GRANT' });
    expect(await decide(agencyRequest(hospital, 0, read, ['other.scope']), consenting)).toMatchObject({ allowed: false, code: 'FORBIDDEN', rule: 'SCOPE' });
    const noConsent = { ...consenting, consents: async () => [] };
    expect(await decide(base, noConsent)).toMatchObject({ allowed: false, code: 'CONSENT_REQUIRED', purpose: 'HEALTH_INSURANCE' });
    const narrow = { ...consenting, consents: async () => [{ fields: ['Person.dateOfBirth'] }] };
    expect(await decide(base, narrow)).toMatchObject({ allowed: false, code: 'CONSENT_REQUIRED' });
    const down = { ...consenting, consents: async () => Promise.reject(new Error('store down')) };
    expect(await decide(base, down)).toMatchObject({ allowed: false, code: 'STORE_UNAVAILABLE' });
  });

  it('withholds what a form may not show instead of refusing it, and everything about a relative it may not reach', async () => {
    const citizen: CitizenCaller = { kind: 'citizen', personalId: SUBJECT };
    const decision = await decide(
      {
        caller: citizen,
        purpose: null,
        rootFields: [{ coordinate: 'Query.prefill', path: 'prefill' }],
        subjects: [
          { hop: 0, id: SUBJECT, path: 'prefill', reads: [{ kind: 'field', coordinate: 'Person.religion', paths: ['prefill.tonGiao'] }], withholdDenied: true },
          {
            hop: 1,
            path: 'prefill',
            withholdDenied: true,
            reads: [
              { kind: 'reach', coordinate: 'Person.spouse', paths: ['prefill.voChong'] },
              { kind: 'field', coordinate: 'Person.fullName', paths: ['prefill.voChong.hoTen'] },
              { kind: 'field', coordinate: 'Person.ethnicity', paths: ['prefill.voChong.danToc'] },
            ],
          },
        ],
      },
      consenting,
    );
    expect(decision.allowed).toBe(true);
    if (!decision.allowed) return;
    expect(decision.withholds('prefill', 0, 'Person.religion')).toBe(false);
    expect(decision.withholds('prefill', 1, 'Person.fullName')).toBe(false);
    expect(decision.withholds('prefill', 1, 'Person.ethnicity')).toBe(true);
  });

  it('refuses a citizen reading another citizen, except their young child with GUARDIAN, confirmed by the registries', async () => {
    const caller: CitizenCaller = { kind: 'citizen', personalId: SUBJECT };
    const other = '079203000123';
    const request = (purpose: string | null): AccessRequest => ({
      caller,
      purpose,
      rootFields: [{ coordinate: 'Query.citizen', path: 'citizen' }],
      subjects: [{ hop: 0, id: other, path: 'citizen', reads: [{ kind: 'reach', coordinate: 'Query.citizen', paths: ['citizen'] }] }],
    });
    expect(await decide(request(null), consenting)).toMatchObject({ allowed: false, rule: 'OWN_RECORD_ONLY' });
    expect(await decide(request('GUARDIAN'), consenting)).toMatchObject({ allowed: true });
    expect(await decide(request('GUARDIAN'), { ...consenting, guardianOf: async () => false })).toMatchObject({ allowed: false, rule: 'GUARDIAN' });
    const failing = { ...consenting, guardianOf: async () => ({ failed: 'UPSTREAM_TIMEOUT' as const, registry: 'POPULATION' as const }) };
    expect(await decide(request('GUARDIAN'), failing)).toMatchObject({ allowed: false, code: 'UPSTREAM_TIMEOUT', registry: 'POPULATION' });
    expect(await decide(request('CT01_RESIDENCE'), consenting)).toMatchObject({ allowed: false, code: 'BAD_USER_INPUT', field: 'X-Purpose' });
  });

  it('checks roles and root-field scopes declared in the SDL before anything else', async () => {
    const citizen: CitizenCaller = { kind: 'citizen', personalId: SUBJECT };
    const agency: AgencyCaller = { kind: 'agency', officialId: 'canbo.01', agency: 'CA_HN', scopes: ['residence.process'] };
    const accessLog = { coordinate: 'Query.accessLog', path: 'accessLog' };
    expect(await decide({ caller: citizen, purpose: null, rootFields: [accessLog], subjects: [] }, consenting)).toMatchObject({ allowed: false, rule: 'ROLE' });
    expect(await decide({ caller: agency, purpose: null, rootFields: [accessLog], subjects: [] }, consenting)).toMatchObject({ allowed: false, rule: 'SCOPE' });
    const supervisor = { ...agency, scopes: ['audit.read'] };
    expect(await decide({ caller: supervisor, purpose: null, rootFields: [accessLog], subjects: [] }, consenting)).toMatchObject({ allowed: true });
  });

  it('lets no one act as a deceased citizen, and prefills no form for one', async () => {
    const dead = { ...consenting, deceased: async (id: string) => id === SUBJECT };
    const caller: CitizenCaller = { kind: 'citizen', personalId: SUBJECT };
    const me: AccessRequest = { caller, purpose: null, rootFields: [{ coordinate: 'Query.myConsents', path: 'myConsents' }], subjects: [] };
    expect(await decide(me, dead)).toMatchObject({ allowed: false, code: 'FORBIDDEN', rule: 'DECEASED_CALLER' });
    const police = catalogue.grant('XNC', 'PASSPORT') as Grant;
    const form: AccessRequest = {
      caller: { kind: 'agency', officialId: 'canbo.01', agency: 'XNC', scopes: [police.scope] },
      purpose: 'PASSPORT',
      rootFields: [{ coordinate: 'Query.prefill', path: 'prefill' }],
      subjects: [{ hop: 0, id: SUBJECT, path: 'prefill', withholdDenied: true, purpose: 'PASSPORT', reads: [{ kind: 'field', coordinate: 'Person.fullName', paths: ['prefill.hoTen'] }] }],
    };
    expect(await decide(form, dead)).toMatchObject({ allowed: false, code: 'FORBIDDEN', rule: 'DECEASED_SUBJECT' });
    // Their records are still read, for a purpose that allows it.
    expect(await decide(agencyRequest(police, 0, { kind: 'field', coordinate: 'Person.fullName', paths: ['c'] }), dead)).toMatchObject({ allowed: true });
    const failing = { ...consenting, deceased: async () => ({ failed: 'UPSTREAM_UNAVAILABLE' as const, registry: 'POPULATION' as const }) };
    expect(await decide(me, failing)).toMatchObject({ allowed: false, code: 'UPSTREAM_UNAVAILABLE', registry: 'POPULATION' });
  });

  it.each(catalogue.grants.map((g) => [`${g.agency.code} / ${g.purpose.code}`, g] as const))(
    '%s: a watch exactly when some read of the citizen is allowed, and the agency has a notice endpoint',
    async (_name, grant) => {
      const watch: Read = { kind: 'watch', coordinate: 'Mutation.watchCitizen', paths: ['w'] };
      let readsSomething = false;
      for (const [, read] of readsAt()) if ((await decide(agencyRequest(grant, 0, read), consenting)).allowed) readsSomething = true;
      const decision = await decide(agencyRequest(grant, 0, watch), consenting);
      expect(decision.allowed).toBe(readsSomething && !!grant.agency.noticeEndpoint);
      if (!grant.agency.noticeEndpoint) expect(decision).toMatchObject({ code: 'FORBIDDEN', rule: 'NOTICE_ENDPOINT', denied: [{ path: 'w', field: 'Mutation.watchCitizen' }] });
      // Only the citizen named: a watch on someone reached through them is no watch.
      expect((await decide(agencyRequest(grant, 1, watch), consenting)).allowed).toBe(false);
      if (grant.purpose.consentRequired && decision.allowed) {
        expect(await decide(agencyRequest(grant, 0, watch), { ...consenting, consents: async () => [] })).toMatchObject({ allowed: false, code: 'CONSENT_REQUIRED' });
        // Any consent in force covers being told that a record changed, whichever fields it names.
        expect(await decide(agencyRequest(grant, 0, watch), { ...consenting, consents: async () => [{ fields: ['Person.dateOfBirth'] }] })).toMatchObject({ allowed: true });
      }
    },
  );

  it('sets no watch on a citizen recorded as deceased, but judges a notice about one like any other, under one purpose', async () => {
    const police = catalogue.grant('CA_HN', 'CT01_RESIDENCE') as Grant;
    const dead = { ...consenting, deceased: async (id: string) => id === SUBJECT };
    const watch: Read = { kind: 'watch', coordinate: 'Mutation.watchCitizen', paths: ['watchCitizen'] };
    const setting = agencyRequest(police, 0, watch);
    const subject = { ...(setting.subjects[0] as AccessRequest['subjects'][number]), livingOnly: true, purpose: 'CT01_RESIDENCE' };
    expect(await decide({ ...setting, subjects: [subject] }, dead)).toMatchObject({ allowed: false, code: 'FORBIDDEN', rule: 'DECEASED_SUBJECT', denied: [{ path: 'c', field: 'Mutation.watchCitizen' }] });
    expect(await decide(setting, dead)).toMatchObject({ allowed: true });
    expect(await decide({ ...setting, purpose: 'CRIMINAL_RECORD', subjects: [subject] }, consenting)).toMatchObject({ allowed: false, code: 'FORBIDDEN', rule: 'WATCH_PURPOSE' });
    // Where a purpose needs the citizen's consent, its absence is all that an agency learns:
    // the same answer for a citizen recorded as deceased as for a living one, and no look-up of their life.
    const bank = catalogue.grants.find((g) => g.purpose.consentRequired && g.agency.noticeEndpoint) as Grant;
    const bankWatch = agencyRequest(bank, 0, watch);
    const bankSubject = { ...(bankWatch.subjects[0] as AccessRequest['subjects'][number]), livingOnly: true, purpose: bank.purpose.code };
    let lookedUp = 0;
    const deadNoConsent = { ...consenting, consents: async () => [], deceased: async (id: string) => (lookedUp++, id === SUBJECT) };
    const livingNoConsent = { ...consenting, consents: async () => [] };
    const answerDead = await decide({ ...bankWatch, subjects: [bankSubject] }, deadNoConsent);
    expect(answerDead).toMatchObject({ allowed: false, code: 'CONSENT_REQUIRED' });
    expect(answerDead).toEqual(await decide({ ...bankWatch, subjects: [bankSubject] }, livingNoConsent));
    expect(lookedUp).toBe(0);
    expect(await decide({ ...setting, purpose: 'CURIOSITY', purposeField: 'purpose' }, consenting)).toMatchObject({ allowed: false, code: 'BAD_USER_INPUT', field: 'purpose' });
    // Citizens watch no one, themselves included.
    const citizen: CitizenCaller = { kind: 'citizen', personalId: SUBJECT };
    expect((await decide({ caller: citizen, purpose: null, rootFields: [], subjects: [{ hop: 0, id: SUBJECT, path: 'w', reads: [watch] }] }, consenting)).allowed).toBe(false);
  });

  it("lets a citizen's birth-registration form show the other parent's ethnicity, nationality and residence, and nothing else beyond identity", async () => {
    const caller: CitizenCaller = { kind: 'citizen', personalId: SUBJECT };
    const relative = (via: string, purpose: string) => ({
      hop: 1,
      path: 'prefill',
      withholdDenied: true,
      purpose,
      reads: [
        { kind: 'reach' as const, coordinate: via, paths: ['prefill.me'] },
        { kind: 'field' as const, coordinate: 'Person.ethnicity', paths: ['prefill.me.danToc'] },
        { kind: 'field' as const, coordinate: 'Person.religion', paths: ['prefill.me.tonGiao'] },
      ],
    });
    const decideFor = (via: string, purpose: string) =>
      decide({ caller, purpose: null, rootFields: [{ coordinate: 'Query.prefill', path: 'prefill' }], subjects: [relative(via, purpose)] }, consenting);
    const spouse = await decideFor('Person.spouse', 'BIRTH_REGISTRATION');
    expect(spouse.allowed && spouse.withholds('prefill', 1, 'Person.ethnicity')).toBe(false);
    expect(spouse.allowed && spouse.withholds('prefill', 1, 'Person.religion')).toBe(true);
    const father = await decideFor('Person.father', 'BIRTH_REGISTRATION');
    expect(father.allowed && father.withholds('prefill', 1, 'Person.ethnicity')).toBe(true);
    const passport = await decideFor('Person.spouse', 'PASSPORT');
    expect(passport.allowed && passport.withholds('prefill', 1, 'Person.ethnicity')).toBe(true);
  });
});

describe('the reads of a prefilled form', () => {
  const forms = loadForms(facts, catalogue);

  it.each([...forms.keys()])('%s: the same frozen reads for every subject, each subject named, the same lookups counted', (formId) => {
    const form = forms.get(formId) as FormDefinition;
    const a = formSubjects(form, '001088000012', 'prefill', facts, '001088000012');
    const b = formSubjects(form, '079090000034', 'prefill', facts, '079090000034');
    expect(a.subjects.map((s) => s.id)).toEqual(b.subjects.map((s) => (s.id === '079090000034' ? '001088000012' : s.id)));
    expect(a.lookups).toBe(b.lookups);
    for (const [i, s] of a.subjects.entries()) {
      // Shared, and frozen so that no request can change what the next one is judged on.
      expect(s.reads).toBe(b.subjects[i]?.reads);
      expect(Object.isFrozen(s.reads) && s.reads.every((r) => Object.isFrozen(r) && Object.isFrozen(r.paths))).toBe(true);
      expect(() => (s.reads as Read[]).push({ kind: 'reach', coordinate: 'Person.father', paths: [] })).toThrow(TypeError);
    }
    // Another response key is other reads, at that path.
    const aliased = formSubjects(form, '001088000012', 'f2', facts);
    expect(aliased.subjects[0]?.reads.every((r) => r.paths.every((p) => p === 'f2' || p.startsWith('f2.')))).toBe(true);
    // An agency fills no legal representative's block: no actor subject.
    expect(aliased.subjects.filter((s) => s.hop === 0)).toHaveLength(1);
  });

  it('keeps the reads of short response keys only, and a client cycling through keys cannot keep the usual one out', () => {
    const form = forms.get('CT01') as FormDefinition;
    const reads = (alias: string) => formSubjects(form, '001088000012', alias, facts).subjects[0]?.reads;
    // A long alias would live in every kept path: built for its request, not kept.
    const long = 'a'.repeat(5000);
    expect(reads(long)).not.toBe(reads(long));
    expect(reads('prefill')).toBe(reads('prefill'));
    // Many short aliases: the map is emptied when full, and the key in use is kept again at once.
    for (let i = 0; i < 200; i++) reads(`alias${i}`);
    const again = reads('prefill');
    expect(reads('prefill')).toBe(again);
  });
});

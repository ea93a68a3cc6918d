import { isEnumType } from 'graphql';
import { createDecider, DENIAL_RULE_MEANINGS, DENIAL_RULES, whyNotRequest, type AccessRequest, type DecisionLookups, type DenialRule, type Denied, type Read, type Remedy, type WhyNotQuestion } from '../../src/access/decide';
import type { AgencyCaller, CitizenCaller } from '../../src/auth/caller';
import { createSchema } from '../../src/graphql/createSchema';
import { loadCatalogue, readCatalogueFile, type Grant } from '../../src/policy/loadCatalogue';

/**
 * "Why not" answers as a table, without HTTP. Every refusal names, for each read it
 * refuses, the rule and what would allow it, in English and Vietnamese; and `whyNot`,
 * asked about one read before any operation, answers exactly what the refusal of that
 * read says. The tables are derived: every rule of the decision (DENIAL_RULES), and
 * every grant of the shipped catalogue × every field that discloses × every distance.
 */
const { schema, facts } = createSchema();
const catalogue = loadCatalogue(readCatalogueFile(), facts);
const decide = createDecider({ catalogue, facts });
const SUBJECT = '001088000012';
const CHILD = '001214000034';
/** A portal asks before any citizen consents: the lookups of the refused operation say the same. */
const noConsent: DecisionLookups = { consents: async () => [], guardianOf: async () => false, deceased: async () => false };
/** Vietnamese text carries its diacritics. */
const VIETNAMESE = /[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]/i;

function bilingualProblems(r: Remedy): string[] {
  const problems: string[] = [];
  if (r.message.en.trim() === '' || r.message.vi.trim() === '') problems.push(`${r.field} (${r.rule}): an empty message`);
  if (!VIETNAMESE.test(r.message.vi)) problems.push(`${r.field} (${r.rule}): "${r.message.vi}" is not Vietnamese`);
  if (VIETNAMESE.test(r.message.en)) problems.push(`${r.field} (${r.rule}): "${r.message.en}" is not English`);
  return problems;
}

/** A remedy without where it appears: what the refusal and whyNot must agree on. */
const essence = (r: Remedy) => ({ field: r.field, rule: r.rule, kind: r.kind, message: r.message, purpose: r.purpose, scope: r.scope, grantConsent: r.grantConsent });

const agency = (code: string, scopes: string[]): AgencyCaller => ({ kind: 'agency', officialId: 'canbo.01', agency: code, scopes });
const citizen: CitizenCaller = { kind: 'citizen', personalId: SUBJECT };
const field = (coordinate: string, hop = 0): Read => ({ kind: 'field', coordinate, paths: [hop === 0 ? 'c.f' : 'c.r.f'] });
const grantOf = (a: string, p: string) => catalogue.grant(a, p) as Grant;

interface Scenario {
  request: AccessRequest;
  lookups?: Partial<DecisionLookups>;
  /** The same refusal asked of whyNot, when it is about reading one field. */
  whyNot?: WhyNotQuestion;
}

/**
 * One operation refused by each rule. A Record over the rules: a rule added to the
 * decision without a scenario here does not compile (and the test below checks the keys).
 */
const SCENARIOS: Record<DenialRule, Scenario> = {
  ROLE: { request: { caller: citizen, purpose: null, rootFields: [{ coordinate: 'Query.accessLog', path: 'accessLog' }], subjects: [] } },
  SCOPE: {
    request: { caller: agency('CA_HN', []), purpose: 'CT01_RESIDENCE', rootFields: [{ coordinate: 'Query.citizen', path: 'c' }], subjects: [{ hop: 0, id: SUBJECT, path: 'c', reads: [field('Person.fullName')] }] },
    whyNot: { caller: agency('CA_HN', []), coordinate: 'Person.fullName', purpose: 'CT01_RESIDENCE', hop: 0 },
  },
  UNKNOWN_AGENCY: {
    request: { caller: agency('SO_KHAC', ['residence.process']), purpose: 'CT01_RESIDENCE', rootFields: [], subjects: [{ hop: 0, id: SUBJECT, path: 'c', reads: [field('Person.fullName')] }] },
    whyNot: { caller: agency('SO_KHAC', ['residence.process']), coordinate: 'Person.fullName', purpose: 'CT01_RESIDENCE', hop: 0 },
  },
  NO_GRANT: {
    request: { caller: agency('VCB', ['identity.verify']), purpose: 'CT01_RESIDENCE', rootFields: [], subjects: [{ hop: 0, id: SUBJECT, path: 'c', reads: [field('Person.fullName')] }] },
    whyNot: { caller: agency('VCB', ['identity.verify']), coordinate: 'Person.fullName', purpose: 'CT01_RESIDENCE', hop: 0 },
  },
  PURPOSE_GRANT: {
    request: { caller: agency('CA_HN', ['residence.process']), purpose: 'CT01_RESIDENCE', rootFields: [], subjects: [{ hop: 0, id: SUBJECT, path: 'c', reads: [field('Person.religion')] }] },
    whyNot: { caller: agency('CA_HN', ['residence.process']), coordinate: 'Person.religion', purpose: 'CT01_RESIDENCE', hop: 0 },
  },
  FORM_PURPOSE: {
    request: {
      caller: agency('CA_HN', ['residence.process']),
      purpose: 'CT01_RESIDENCE',
      rootFields: [],
      subjects: [{ hop: 0, id: SUBJECT, path: 'prefill', withholdDenied: true, purpose: 'CRIMINAL_RECORD', reads: [field('Person.fullName')] }],
    },
  },
  VERIFICATION: {
    request: { caller: agency('CA_HN', ['residence.process']), purpose: 'CT01_RESIDENCE', rootFields: [], subjects: [{ hop: 0, id: SUBJECT, path: 'v', reads: [{ kind: 'verify', coordinate: 'Person.fullName', paths: ['v.fullName'] }] }] },
  },
  OWN_RECORD_ONLY: {
    request: { caller: citizen, purpose: null, rootFields: [], subjects: [{ hop: 0, id: CHILD, path: 'c', reads: [{ kind: 'reach', coordinate: 'Query.citizen', paths: ['c'] }, field('Person.fullName')] }] },
  },
  RELATIVES_BASIC_IDENTITY: {
    request: {
      caller: citizen,
      purpose: null,
      rootFields: [],
      subjects: [
        { hop: 0, id: SUBJECT, path: 'me', reads: [] },
        { hop: 1, path: 'me.r', reads: [{ kind: 'reach', coordinate: 'Person.father', paths: ['me.r'] }, field('Person.religion', 1)] },
      ],
    },
    whyNot: { caller: citizen, coordinate: 'Person.religion', purpose: null, hop: 1 },
  },
  GUARDIAN: {
    request: { caller: citizen, purpose: 'GUARDIAN', rootFields: [], subjects: [{ hop: 0, id: CHILD, path: 'c', reads: [field('Person.fullName')] }] },
  },
  DECEASED_CALLER: {
    request: { caller: citizen, purpose: null, rootFields: [{ coordinate: 'Query.me', path: 'me' }], subjects: [] },
    lookups: { deceased: async (id) => id === SUBJECT },
  },
  DECEASED_SUBJECT: {
    request: {
      caller: agency('XNC', ['passport.issue']),
      purpose: 'PASSPORT',
      rootFields: [],
      subjects: [{ hop: 0, id: SUBJECT, path: 'prefill', withholdDenied: true, purpose: 'PASSPORT', reads: [field('Person.fullName')] }],
    },
    lookups: { deceased: async () => true },
  },
  NOTICE_ENDPOINT: {
    request: {
      caller: agency('XNC', ['passport.issue']),
      purpose: 'PASSPORT',
      rootFields: [],
      subjects: [{ hop: 0, id: SUBJECT, path: 'w', purpose: 'PASSPORT', livingOnly: true, reads: [{ kind: 'watch', coordinate: 'Mutation.watchCitizen', paths: ['w'] }] }],
    },
  },
  WATCH_PURPOSE: {
    request: {
      caller: agency('CA_HN', ['residence.process', 'criminal-record.issue']),
      purpose: 'CT01_RESIDENCE',
      rootFields: [],
      subjects: [{ hop: 0, id: SUBJECT, path: 'w', purpose: 'CRIMINAL_RECORD', livingOnly: true, reads: [{ kind: 'watch', coordinate: 'Mutation.watchCitizen', paths: ['w'] }] }],
    },
  },
};

async function refusal(s: Pick<Scenario, 'request' | 'lookups'>): Promise<Denied> {
  const d = await decide(s.request, { ...noConsent, ...s.lookups });
  if (d.allowed) throw new Error('expected a refusal');
  return d;
}

async function whyNot(q: WhyNotQuestion) {
  const { request, lookups } = whyNotRequest(q);
  return decide(request, lookups);
}

describe('why not: every rule of the decision explains its refusal', () => {
  it('has a scenario for every rule, and the SDL names every rule', () => {
    expect(Object.keys(SCENARIOS).sort()).toEqual([...DENIAL_RULES].sort());
    const refusalRule = schema.getType('RefusalRule');
    if (!isEnumType(refusalRule)) throw new Error('RefusalRule is not an enum');
    expect(refusalRule.getValues().map((v) => v.name).sort()).toEqual([...DENIAL_RULES, 'CONSENT', 'PURPOSE'].sort());
    const meanings = DENIAL_RULES.map((rule) => ({ field: rule, rule, kind: 'NONE' as const, paths: [], message: DENIAL_RULE_MEANINGS[rule] }));
    expect(meanings.flatMap(bilingualProblems)).toEqual([]);
  });

  it.each(DENIAL_RULES.map((rule) => [rule] as const))('%s: each refused read has a bilingual remedy under that rule', async (rule) => {
    const d = await refusal(SCENARIOS[rule]);
    expect(d.rule).toBe(rule);
    expect(d.remedies.length).toBeGreaterThan(0);
    expect(d.remedies.flatMap(bilingualProblems)).toEqual([]);
    expect(d.remedies.every((r) => r.rule === rule)).toBe(true);
    // Every denied path is explained.
    const explained = new Set(d.remedies.flatMap((r) => r.paths.map((p) => `${p}|${r.field}`)));
    expect(d.denied.filter((x) => !explained.has(`${x.path}|${x.field}`))).toEqual([]);
    const asked = SCENARIOS[rule].whyNot;
    if (asked) {
      const answer = await whyNot(asked);
      expect(answer).toMatchObject({ allowed: false, code: d.code, rule });
      const about = (rs: Remedy[]) => rs.filter((r) => r.field === asked.coordinate).map(essence);
      expect(about((answer as Denied).remedies)).toEqual(about(d.remedies));
    }
  });

  it('explains a missing consent with the grantConsent input the citizen can give, and a missing purpose with the purposes that allow the read', async () => {
    const hospital = grantOf('BV_BACHMAI', 'HEALTH_INSURANCE');
    const caller = agency('BV_BACHMAI', [hospital.scope]);
    const consent = await refusal({ request: { caller, purpose: 'HEALTH_INSURANCE', rootFields: [], subjects: [{ hop: 0, id: SUBJECT, path: 'c', reads: [field('Person.fullName'), field('Person.bloodType')] }] } });
    expect(consent.code).toBe('CONSENT_REQUIRED');
    expect(consent.remedies.map((r) => [r.field, r.kind, r.grantConsent])).toEqual([
      ['Person.fullName', 'CONSENT', { agency: 'BV_BACHMAI', purpose: 'HEALTH_INSURANCE', fields: ['Person.bloodType', 'Person.fullName'] }],
      ['Person.bloodType', 'CONSENT', { agency: 'BV_BACHMAI', purpose: 'HEALTH_INSURANCE', fields: ['Person.bloodType', 'Person.fullName'] }],
    ]);
    // A verification compares values that are not fields of the grant: the consent covers all of it.
    const bank = grantOf('VCB', 'KYC_VERIFICATION');
    const verify = await refusal({ request: { caller: agency('VCB', [bank.scope]), purpose: bank.purpose.code, rootFields: [], subjects: [{ hop: 0, id: SUBJECT, path: 'v', reads: [{ kind: 'verify', coordinate: 'Person.fullName', paths: ['v.fullName'] }] }] } });
    expect(verify.remedies[0]?.grantConsent).toEqual({ agency: 'VCB', purpose: 'KYC_VERIFICATION', fields: null });

    const police = agency('CA_HN', ['residence.process', 'criminal-record.issue']);
    const noPurpose = await refusal({ request: { caller: police, purpose: null, rootFields: [], subjects: [{ hop: 0, id: SUBJECT, path: 'c', reads: [field('Residence.history')] }] } });
    expect(noPurpose.code).toBe('PURPOSE_REQUIRED');
    expect(noPurpose.remedies.map((r) => [r.rule, r.kind, r.purpose, r.scope])).toEqual([['PURPOSE', 'PURPOSE', 'CRIMINAL_RECORD', 'criminal-record.issue']]);
    expect([...consent.remedies, ...noPurpose.remedies].flatMap(bilingualProblems)).toEqual([]);
  });
});

describe('why not, grant by grant, field by field, step by step: the refusal and whyNot agree', () => {
  it.each(catalogue.grants.map((g) => [`${g.agency.code} / ${g.purpose.code}`, g] as const))('%s', async (_name, grant) => {
    const wrong: string[] = [];
    const caller = agency(grant.agency.code, [grant.scope]);
    for (const hop of [0, 1, (grant.related?.maxHops ?? 0) + 1]) {
      for (const coordinate of facts.citizenFields) {
        const operation: AccessRequest = { caller, purpose: grant.purpose.code, rootFields: [], subjects: [{ hop, ...(hop === 0 ? { id: SUBJECT } : {}), path: 'c', reads: [field(coordinate, hop)] }] };
        const refused = await decide(operation, noConsent);
        const answer = await whyNot({ caller, coordinate, purpose: grant.purpose.code, hop });
        const at = `hop ${hop}, ${coordinate}`;
        if (refused.allowed) {
          // whyNot also reaches the citizen (Query.citizen, a relationship): allowed whenever the field is.
          if (!answer.allowed) wrong.push(`${at}: allowed, but whyNot refuses (${answer.rule ?? answer.code})`);
          continue;
        }
        if (refused.remedies.length === 0) wrong.push(`${at}: ${refused.code} without a remedy`);
        wrong.push(...refused.remedies.flatMap(bilingualProblems).map((p) => `${at}: ${p}`));
        if (answer.allowed) {
          wrong.push(`${at}: refused (${refused.rule ?? refused.code}), but whyNot allows it`);
          continue;
        }
        if (answer.code !== refused.code || answer.rule !== refused.rule) wrong.push(`${at}: ${refused.code}/${refused.rule} but whyNot says ${answer.code}/${answer.rule}`);
        const mine = (rs: Remedy[]) => JSON.stringify(rs.filter((r) => r.field === coordinate).map(essence));
        if (mine(answer.remedies) !== mine(refused.remedies)) wrong.push(`${at}: remedies differ: ${mine(refused.remedies)} vs ${mine(answer.remedies)}`);
        // What a remedy proposes does allow the read: the purpose it names lets this agency make it.
        for (const r of refused.remedies.filter((x) => x.kind === 'PURPOSE' && x.field === coordinate)) {
          const other = await decide({ ...operation, purpose: r.purpose as string, caller: agency(grant.agency.code, [r.scope as string]) }, { ...noConsent, consents: async () => [{ fields: null }] });
          if (!other.allowed) wrong.push(`${at}: remedy ${r.purpose} does not allow it (${other.rule ?? other.code})`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });
});

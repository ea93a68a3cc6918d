import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadForms } from '../src/forms/loadForms';
import { createSchema } from '../src/graphql/createSchema';
import { loadCatalogue, readCatalogueFile } from '../src/policy/loadCatalogue';
import { countOverCollection, createAuditPathReader, formatOverGrants, overGrants, overGrantsSomething, purposeNeeds } from '../src/access/purposeNeeds';
import { TSX_NODE_FLAGS } from './helpers/tsxNode';

/**
 * What each purpose needs, from its forms and verification; the report of grants that
 * allow more (`npm run policy:report`, the same tool docs/POLICY.md shows the output of);
 * and how audit records are held against those needs.
 */
const ROOT = path.join(__dirname, '..');
const { schema, facts } = createSchema();
const raw = readCatalogueFile() as { grants: Record<string, unknown>[] };
const catalogue = loadCatalogue(raw, facts);
const forms = loadForms(facts, catalogue);
const needs = purposeNeeds(catalogue, forms, facts);

/** The report tool, run from source as `npm run policy:report` runs it once built. */
function report(args: string[] = [], env: Record<string, string> = {}): Promise<{ exit: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...TSX_NODE_FLAGS, path.join(ROOT, 'src', 'policyReport.ts'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ exit: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('what a purpose needs', () => {
  it("takes a form's reads of the subject and of each relative it names", () => {
    const ct01 = needs.get('CT01_RESIDENCE');
    expect(ct01?.forms).toEqual(['CT01']);
    expect([...(ct01?.subject.fields ?? [])].sort()).toEqual(
      ['Citizen.id', 'HouseholdMember.relationshipToHead', 'Person.dateOfBirth', 'Person.email', 'Person.fullName', 'Person.gender', 'Person.phoneNumber', 'Residence.permanentAddress'].sort(),
    );
    // The head of the household and the members are relatives one step away.
    expect(ct01?.related.maxHops).toBe(1);
    expect([...(ct01?.related.fields ?? [])].sort()).toEqual(['Citizen.id', 'HouseholdMember.relationshipToHead', 'Person.dateOfBirth', 'Person.fullName', 'Person.gender'].sort());
    // Alternatives count: the birth registration's "nơi cư trú" may be the temporary address.
    expect(needs.get('BIRTH_REGISTRATION')?.subject.fields.has('Residence.temporaryAddress')).toBe(true);
    expect([...(needs.get('BIRTH_REGISTRATION')?.subject.documentTypes ?? [])].sort()).toEqual(['IDENTITY_CARD', 'MARRIAGE_CERTIFICATE']);
  });

  it('takes what verification compares for a purpose that verifies, and marks a purpose nothing defines', () => {
    const kyc = needs.get('KYC_VERIFICATION');
    expect(kyc).toMatchObject({ verification: true, defined: true, forms: [] });
    expect([...(kyc?.compared ?? [])].sort()).toEqual(['Citizen.documents', 'Person.dateOfBirth', 'Person.fullName', 'Person.gender', 'Residence.permanentAddress']);
    expect(needs.get('HEALTH_INSURANCE')).toMatchObject({ defined: false, verification: false, forms: [] });
  });

  it('maps audit paths to the field that disclosed them', () => {
    const fieldOf = createAuditPathReader(schema, facts);
    const cases: [string, string | null][] = [
      ['id', 'Citizen.id'],
      ['person.fullName', 'Person.fullName'],
      ['residence.permanentAddress.full', 'Residence.permanentAddress'],
      ['residence.history.from', 'Residence.history'],
      ['household.address.line', 'Household.address'],
      ['relationshipToHead', 'HouseholdMember.relationshipToHead'],
      ['household.relationshipToHead', 'HouseholdMember.relationshipToHead'],
      ['documents.number', 'Citizen.documents'],
      ['documents.IDENTITY_CARD.issuedOn', 'Citizen.documents'],
      ['person.father', null],
      ['__typename', null],
      ['verify.fullName', null],
      ['watch', null],
      ['__proto__.polluted', null],
    ];
    expect(cases.map(([p]) => [p, fieldOf(p)])).toEqual(cases);
  });

  it('counts what an agency read beyond the purpose, for durable disclosures only', () => {
    const counted: string[] = [];
    const sink = { overCollected: (a: string, p: string, f: string) => counted.push(`${a}/${p}/${f}`) };
    const policy = { needs, auditPath: createAuditPathReader(schema, facts) };
    const record = { callerKind: 'agency' as const, agency: 'CA_HN', purpose: 'CT01_RESIDENCE', outcome: 'disclosed' as const };
    countOverCollection(
      [
        { ...record, fields: ['person.fullName', 'household.address.full', 'household.address.line', 'residence.temporaryAddress.full'] },
        { ...record, outcome: 'denied', fields: ['person.religion'] },
        { ...record, callerKind: 'citizen', agency: null, purpose: null, fields: ['person.religion'] },
      ],
      policy,
      sink,
    );
    expect(counted).toEqual(['CA_HN/CT01_RESIDENCE/Household.address', 'CA_HN/CT01_RESIDENCE/Residence.temporaryAddress']);
  });
});

describe('npm run policy:report', () => {
  it('prints what docs/POLICY.md shows for the shipped catalogue, and --check fails on it', async () => {
    const doc = readFileSync(path.join(ROOT, 'docs', 'POLICY.md'), 'utf8');
    const shown = /```text\n(Policy catalogue [\s\S]*?)```/.exec(doc)?.[1];
    const run = await report();
    expect(run).toEqual({ exit: 0, stdout: shown, stderr: '' });
    expect(run.stdout).toBe(formatOverGrants(catalogue.version, overGrants(catalogue, needs)));
    expect((await report(['--check'])).exit).toBe(1);
  });

  it('passes --check for a catalogue that grants only what forms and verification need', async () => {
    const reports = overGrants(catalogue, needs);
    const tight = {
      ...raw,
      grants: raw.grants.flatMap((g) => {
        const n = needs.get(g.purpose as string);
        if (!n?.defined) return [];
        const keep = (part: { fields: string[]; documentTypes: string[] }, needed: { fields: ReadonlySet<string>; documentTypes: ReadonlySet<string> }) => ({
          fields: part.fields.filter((f) => needed.fields.has(f)),
          documentTypes: part.documentTypes.filter((t) => needed.documentTypes.has(t)),
        });
        const related = g.related as ({ fields: string[]; documentTypes: string[]; maxHops: number } | undefined);
        return [
          {
            ...g,
            subject: keep(g.subject as { fields: string[]; documentTypes: string[] }, n.subject),
            ...(related && n.related.maxHops > 0 ? { related: { ...keep(related, n.related), maxHops: n.related.maxHops } } : { related: undefined }),
          },
        ];
      }),
    };
    expect(reports.some(overGrantsSomething)).toBe(true);
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'gw-policy-')), 'catalogue.json');
    writeFileSync(file, JSON.stringify(tight));
    const run = await report(['--check'], { POLICY_CATALOGUE: file });
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/\n0 of 6 grant\(s\) allow more than their purpose needs\n$/);
    expect(run.exit).toBe(0);
  });

  it.each([
    ['an unknown argument', ['--everything'], {}, /usage: policy:report/],
    ['a catalogue that is not there', [], { POLICY_CATALOGUE: '/nonexistent/catalogue.json' }, /cannot read \/nonexistent\/catalogue.json/],
  ])('refuses %s with exit status 2 and one clear line', async (_name, args, env, message) => {
    const run = await report(args, env);
    expect(run.exit).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

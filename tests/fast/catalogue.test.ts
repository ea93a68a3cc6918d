import { createSchema } from '../../src/graphql/createSchema';
import { CatalogueError, loadCatalogue, readCatalogueFile } from '../../src/policy/loadCatalogue';

const { facts } = createSchema();
const shipped = () => readCatalogueFile() as { agencies: unknown[]; purposes: unknown[]; grants: Record<string, unknown>[] };

function problems(mutate: (c: ReturnType<typeof shipped>) => void): string[] {
  const c = shipped();
  mutate(c);
  try {
    loadCatalogue(c, facts);
    return [];
  } catch (err) {
    if (!(err instanceof CatalogueError)) throw err;
    return err.problems;
  }
}

describe('policy catalogue validation', () => {
  it('accepts the shipped catalogue', () => {
    const c = loadCatalogue(shipped(), facts);
    expect(c.grants.length).toBe(7);
    expect(c.agencies.get('VCB')?.kind).toBe('NON_STATE');
  });

  it('grants criminal-record certificates to the police, who issue them since 2025-03-01, and no longer to the Department of Justice', () => {
    const c = loadCatalogue(shipped(), facts);
    expect(c.grants.filter((g) => g.purpose.code === 'CRIMINAL_RECORD').map((g) => g.agency.code)).toEqual(['CA_HN']);
    expect(c.grant('CA_HN', 'CRIMINAL_RECORD')?.scope).toBe('criminal-record.issue');
    expect(c.grant('STP_HN', 'CRIMINAL_RECORD')).toBeUndefined();
    expect(c.grant('STP_HN', 'BIRTH_REGISTRATION')?.related?.fields.has('Residence.temporaryAddress')).toBe(true);
  });

  it('lists every problem at once', () => {
    const found = problems((c) => {
      (c.grants[0] as { subject: { fields: string[] } }).subject.fields.push('Person.salary', 'Address.full');
      (c.grants[5] as { subject: { fields: string[] } }).subject.fields.push('Person.religion');
      (c.grants[4] as Record<string, unknown>).related = { maxHops: 1, fields: ['Citizen.id'], documentTypes: [] };
      (c.grants[3] as { subject: { documentTypes: string[] } }).subject.documentTypes.push('TAX_CARD');
      c.agencies.push({ code: 'CA_HN', name: 'Trùng lặp', kind: 'STATE' });
      c.purposes.push({ code: 'lowercase', title: 'x', legalBasis: 'y', consentRequired: 'yes', retentionDays: 0 });
      c.grants.push({ agency: 'GHOST', purpose: 'PASSPORT', scope: 'x', subject: { fields: [], documentTypes: [] } });
    });
    expect(found).toEqual(
      expect.arrayContaining([
        'grants[0].subject.fields: "Person.salary" is not a field that discloses citizen data',
        'grants[0].subject.fields: "Address.full" is not a field that discloses citizen data',
        'grants[5].subject.fields: sensitive Person.religion cannot be granted to non-state VCB',
        'grants[4].related: purpose HEALTH_INSURANCE needs consent, which covers only the citizen who gives it',
        'grants[3].subject.documentTypes: "TAX_CARD" is not a DocumentType',
        'agencies[6].code "CA_HN" is listed twice',
        'purposes[8].code "lowercase" is not a purpose code',
        'purposes[8].consentRequired must be true or false',
        'purposes[8].retentionDays must be a whole number of days between 1 and 36500',
        'grants[7].agency "GHOST" is not in agencies',
      ]),
    );
  });

  it('refuses criminal records for a non-state organisation', () => {
    const found = problems((c) => {
      const vcb = c.grants[5] as { subject: { fields: string[]; documentTypes: string[] } };
      vcb.subject.fields.push('Citizen.documents');
      vcb.subject.documentTypes.push('CRIMINAL_RECORD_CERTIFICATE');
    });
    expect(found).toEqual(['grants[5].subject.documentTypes: CRIMINAL_RECORD_CERTIFICATE cannot be granted to non-state VCB']);
  });

  it('refuses document types without the documents field', () => {
    const found = problems((c) => {
      (c.grants[4] as { subject: { documentTypes: string[] } }).subject.documentTypes.push('PASSPORT');
    });
    expect(found).toEqual(['grants[4].subject: documentTypes need "Citizen.documents" in fields']);
  });

  it('refuses a file that is not a catalogue', () => {
    expect(() => loadCatalogue([], facts)).toThrow(CatalogueError);
    expect(() => readCatalogueFile('/nonexistent/catalogue.json')).toThrow(/cannot read/);
  });
});

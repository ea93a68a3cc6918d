import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSchema } from '../src/graphql/createSchema';
import { verifyAttestation } from '../src/forms/attestation';
import { loadForms } from '../src/forms/loadForms';
import { loadKeyRing, rotateKeys } from '../src/keys/loadKeyRing';
import { loadCatalogue, readCatalogueFile } from '../src/policy/loadCatalogue';
import { startStack, type Stack } from './helpers/stack';

const VERIFY = 'query($i: VerifyCitizenInput!) { verifyCitizen(input: $i) { verdict fields { field result } checkedAt } }';

describe('verifyCitizen', () => {
  let stack: Stack;
  let bank: string;
  let id: string;
  let person: { fullName: string; dateOfBirth: string; gender: string };
  beforeAll(async () => {
    stack = await startStack({ VERIFY_RATE_LIMIT: '12', VERIFY_RATE_WINDOW_S: '3600' });
    id = stack.persona('passport-holder');
    person = stack.dataset.people.get(id) as typeof person;
    const citizen = await stack.citizenToken(id);
    await stack.graphql('mutation($i: GrantConsentInput!) { grantConsent(input: $i) { id } }', {
      token: citizen,
      variables: { i: { agency: 'VCB', purpose: 'KYC_VERIFICATION', expiresAt: new Date(Date.now() + 86_400_000).toISOString() } },
    });
    bank = await stack.agencyToken('VCB', ['identity.verify']);
  });
  afterAll(() => stack.stop());

  const ask = (input: Record<string, unknown>, token = bank, purpose = 'KYC_VERIFICATION') =>
    stack.graphql(VERIFY, { token, variables: { i: { personalId: id, ...input } }, headers: { 'x-purpose': purpose } });

  it('matches a name written with combining diacritics (NFD) against the registry (NFC), whatever the case', async () => {
    const nfd = person.fullName.normalize('NFD').toLocaleUpperCase('vi');
    expect(nfd).not.toBe(person.fullName);
    const res = await ask({ fullName: `  ${nfd} `, dateOfBirth: person.dateOfBirth, gender: person.gender });
    expect(res.body.data?.verifyCitizen).toMatchObject({
      verdict: 'MATCH',
      fields: [
        { field: 'fullName', result: 'MATCH' },
        { field: 'dateOfBirth', result: 'MATCH' },
        { field: 'gender', result: 'MATCH' },
      ],
    });
  });

  it('does not match a different name, even one diacritic apart', async () => {
    const other = person.fullName.normalize('NFD').replace(/\u0300|\u0301|\u0303|\u0309|\u0323/, '').normalize('NFC');
    expect(other).not.toBe(person.fullName);
    expect((await ask({ fullName: other })).body.data?.verifyCitizen).toMatchObject({ verdict: 'MISMATCH' });
  });

  it('does not match a birth date one digit off', async () => {
    const day = Number(person.dateOfBirth.slice(8, 10));
    const wrong = `${person.dateOfBirth.slice(0, 8)}${String(day === 1 ? 2 : day - 1).padStart(2, '0')}`;
    const res = await ask({ fullName: person.fullName, dateOfBirth: wrong });
    expect(res.body.data?.verifyCitizen).toMatchObject({ verdict: 'MISMATCH', fields: [{ field: 'fullName', result: 'MATCH' }, { field: 'dateOfBirth', result: 'MISMATCH' }] });
  });

  it('matches a valid document number and a permanent address written differently', async () => {
    const passport = stack.dataset.documents.get(id)?.find((d) => d.kind === 'HO_CHIEU' && d.status === 'VALID');
    const a = stack.dataset.residences.get(id)?.permanent?.address;
    const address = `${a?.line} - ${a?.communeName}; ${a?.provinceName}`.toUpperCase();
    const res = await ask({ documentNumber: passport?.number, permanentAddress: address });
    expect(res.body.data?.verifyCitizen).toMatchObject({ verdict: 'MATCH' });
  });

  it('never returns a registry value', async () => {
    const res = await ask({ fullName: 'Nguyễn Văn Sai', dateOfBirth: '1901-01-01' });
    const text = JSON.stringify(res.body);
    expect(text).not.toContain(person.fullName);
    expect(text).not.toContain(person.dateOfBirth);
  });

  it('answers UNKNOWN for an ID nobody has, once consented', async () => {
    const nobody = '001088999999';
    const citizen = await stack.citizenToken(nobody);
    await stack.graphql('mutation($i: GrantConsentInput!) { grantConsent(input: $i) { id } }', {
      token: citizen,
      variables: { i: { agency: 'VCB', purpose: 'KYC_VERIFICATION', expiresAt: new Date(Date.now() + 86_400_000).toISOString() } },
    });
    const res = await stack.graphql(VERIFY, { token: bank, variables: { i: { personalId: nobody, fullName: 'Nguyễn Văn An' } }, headers: { 'x-purpose': 'KYC_VERIFICATION' } });
    expect(res.body.data?.verifyCitizen).toMatchObject({ verdict: 'UNKNOWN', fields: [{ field: 'fullName', result: 'UNKNOWN' }] });
  });

  it('needs the citizen\'s consent', async () => {
    const res = await stack.graphql(VERIFY, { token: bank, variables: { i: { personalId: stack.persona('minor'), fullName: 'X Y Z' } }, headers: { 'x-purpose': 'KYC_VERIFICATION' } });
    expect(res.body.errors?.[0]?.extensions?.code).toBe('CONSENT_REQUIRED');
  });

  it('refuses an agency whose grant does not allow verification', async () => {
    const police = await stack.agencyToken();
    const res = await ask({ fullName: person.fullName }, police, 'CT01_RESIDENCE');
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', rule: 'VERIFICATION' });
  });

  it('refuses an empty comparison', async () => {
    expect((await ask({})).body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input' });
  });

  it('answers RATE_LIMITED, with a retry delay, to repeated guessing', async () => {
    let last;
    for (let i = 0; i < 12; i++) last = await ask({ dateOfBirth: `1980-01-${String((i % 28) + 1).padStart(2, '0')}` });
    expect(last?.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
    const rows = await stack.gateway.store.query<{ outcome: string; reason: string }>("SELECT outcome, reason FROM audit_log WHERE agency = 'VCB' AND outcome = 'denied'");
    expect(rows.map((r) => r.reason)).toContain('RATE_LIMITED');
  });
});

describe('signing key rotation', () => {
  it('keeps verifying attestations signed before a rotation until they expire, then forgets the retired key', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gw-rotate-'));
    const { facts } = createSchema();
    const forms = loadForms(facts, loadCatalogue(readCatalogueFile(), facts));
    const before = await loadKeyRing({ dir, createIfMissing: true });
    const attestation = await before.sign({ form: 'CT01', sub: '001088000012', values: { hoTen: 'Nguyễn Văn An' } }, { typ: 'prefill-attestation+jwt', expiresInSeconds: 600 });
    await rotateKeys(dir);
    const after = await loadKeyRing({ dir, createIfMissing: false, publishRetiredForSeconds: 600 });
    expect(after.activeKid).not.toBe(before.activeKid);
    expect(after.jwks().keys.map((k) => k.kid)).toEqual(expect.arrayContaining([before.activeKid, after.activeKid]));
    expect((await verifyAttestation(after, forms, attestation, [{ key: 'hoTen', value: 'Nguyễn Văn An' }], { formId: 'CT01', subjectId: '001088000012' })).valid).toBe(true);
    const later = await loadKeyRing({ dir, createIfMissing: false, publishRetiredForSeconds: 600, now: () => new Date(Date.now() + 601_000) });
    expect(later.jwks().keys.map((k) => k.kid)).toEqual([after.activeKid]);
    expect((await verifyAttestation(later, forms, attestation, [], { formId: 'CT01', subjectId: '001088000012' })).reason).toBe('UNKNOWN_KEY');
  });
});

import { ConsentStore } from '../src/consent/ConsentStore';
import { LEGACY_PROVINCE_NAMES, legacySourcesOf } from '../src/domain/legacyUnits';
import { startStack, type Stack } from './helpers/stack';

const VERIFY = 'query($i: VerifyCitizenInput!) { verifyCitizen(input: $i) { verdict fields { field result } } }';

/**
 * Registry data changes: people die, divorce, documents expire, temporary residences
 * end. The gateway judges each at read time with its own clock, and never lets a
 * deceased citizen act, nor prefills or attests anything for them.
 */
describe('life events, judged at read time', () => {
  let stack: Stack;
  /** How far the gateway's clock is ahead of the wall clock. */
  let ahead = 0;
  beforeAll(async () => {
    stack = await startStack({}, { now: () => new Date(Date.now() + ahead) });
  });
  afterAll(() => stack.stop());
  afterEach(() => {
    ahead = 0;
  });

  describe('a deceased citizen', () => {
    it('acts for no one: every citizen operation is refused with its reason', async () => {
      const token = await stack.citizenToken(stack.persona('deceased'));
      for (const query of ['{ me { id } }', '{ myConsents { id } }', 'mutation { grantConsent(input: { agency: "VCB", purpose: "KYC_VERIFICATION", expiresAt: "2030-01-01T00:00:00Z" }) { id } }']) {
        const res = await stack.graphql(query, { token });
        expect(res.status).toBe(403);
        expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', rule: 'DECEASED_CALLER' });
      }
    });

    it('gets no prefilled form and no attestation from an agency', async () => {
      const token = await stack.agencyToken('XNC', ['passport.issue']);
      const res = await stack.graphql('query($s: PersonalId) { prefill(formId: "TK01", subjectId: $s) { attestation } }', {
        token,
        variables: { s: stack.persona('deceased') },
        headers: { 'x-purpose': 'PASSPORT' },
      });
      expect(res.body.data).toBeUndefined();
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', rule: 'DECEASED_SUBJECT' });
    });

    it('is verified as DECEASED, not MATCH, by a bank holding a consent given while alive', async () => {
      const id = stack.persona('deceased');
      const person = stack.dataset.people.get(id) as { fullName: string; dateOfBirth: string; dateOfDeath: string };
      await new ConsentStore(stack.gateway.store).grant({ subjectId: id, agency: 'VCB', purpose: 'KYC_VERIFICATION', fields: null, expiresAt: new Date(Date.now() + 86_400_000) });
      const bank = await stack.agencyToken('VCB', ['identity.verify']);
      const res = await stack.graphql(VERIFY, {
        token: bank,
        variables: { i: { personalId: id, fullName: person.fullName, dateOfBirth: person.dateOfBirth } },
        headers: { 'x-purpose': 'KYC_VERIFICATION', 'x-request-id': 'verify-deceased-1' },
      });
      expect(res.body.data?.verifyCitizen).toEqual({ verdict: 'DECEASED', fields: [{ field: 'fullName', result: 'MATCH' }, { field: 'dateOfBirth', result: 'MATCH' }] });
      const rows = await stack.gateway.store.query<{ outcome: string; fields: string[] }>("SELECT outcome, fields FROM audit_log WHERE request_id = 'verify-deceased-1'");
      expect(rows).toEqual([{ outcome: 'disclosed', fields: ['verify.dateOfBirth', 'verify.fullName'] }]);
    });

    it("has identity documents and passports that read as no longer valid", async () => {
      const id = stack.persona('deceased');
      const token = await stack.agencyToken('XNC', ['passport.issue']);
      const res = await stack.graphql('query($id: PersonalId!) { citizen(id: $id) { documents { type status } } }', { token, variables: { id }, headers: { 'x-purpose': 'PASSPORT' } });
      const documents = (res.body.data?.citizen as { documents: { type: string; status: string }[] }).documents;
      expect(documents.length).toBeGreaterThan(0);
      for (const d of documents) expect(['REVOKED', 'HOLDER_DECEASED', 'EXPIRED', 'LOST']).toContain(d.status);
    });
  });

  it("reads whether a document's holder lives only when its status is asked for, and records that registry", async () => {
    const personas = new Set(stack.dataset.personas.map((p) => p.personalId));
    const [id] = [...stack.dataset.documents].find(([pid, docs]) => !personas.has(pid) && !stack.dataset.people.get(pid)?.dateOfDeath && docs.some((d) => d.kind === 'HO_CHIEU' && d.status === 'VALID')) ?? [];
    const token = await stack.agencyToken('XNC', ['passport.issue']);
    const read = async (selection: string, requestId: string) => {
      await stack.resetRegistryCalls();
      const res = await stack.graphql(`query($id: PersonalId!) { citizen(id: $id) { documents { ${selection} } } }`, {
        token,
        variables: { id },
        headers: { 'x-purpose': 'PASSPORT', 'x-request-id': requestId },
      });
      expect(res.body.errors).toBeUndefined();
      const [row] = await stack.gateway.store.query<{ registries: string[] }>('SELECT registries FROM audit_log WHERE request_id = $1', [requestId]);
      return { calls: await stack.registryCalls(), registries: row?.registries.sort() };
    };
    const numbers = await read('type number', 'status-unasked-1');
    expect(numbers.calls).toMatchObject({ POPULATION: 0, DOCUMENTS: 1 });
    expect(numbers.registries).toEqual(['DOCUMENTS']);
    const statuses = await read('type number status', 'status-asked-1');
    expect(statuses.calls.POPULATION).toBe(1);
    expect(statuses.registries).toEqual(['DOCUMENTS', 'POPULATION']);
  });

  it('reads no document past its validUntil as VALID, whatever the registry says', async () => {
    // Ten years on, most documents of the mock registries (frozen in 2026) have expired.
    ahead = 10 * 365 * 86_400_000;
    const today = new Date(Date.now() + ahead).toISOString().slice(0, 10);
    const id = stack.persona('passport-holder');
    const res = await stack.graphql('{ me { documents { type validUntil status } } }', { token: await stack.citizenToken(id) });
    const documents = (res.body.data?.me as { documents: { validUntil: string | null; status: string }[] }).documents;
    const past = documents.filter((d) => d.validUntil !== null && d.validUntil < today);
    expect(past.length).toBeGreaterThan(0);
    for (const d of past) expect(d.status).not.toBe('VALID');
    // The registry itself still calls some of them valid: the gateway does not pass that through.
    const registry = stack.dataset.documents.get(id) ?? [];
    expect(registry.some((d) => d.status === 'VALID' && d.expiresOn !== null && d.expiresOn < today)).toBe(true);
  });

  it('drops a temporary residence once its last day has passed', async () => {
    const id = stack.persona('temporary-residence');
    const token = await stack.citizenToken(id);
    const query = '{ me { residence { temporaryAddress { full } temporaryUntil } } }';
    const now = (await stack.graphql(query, { token })).body.data?.me as { residence: { temporaryAddress: unknown; temporaryUntil: string } };
    expect(now.residence.temporaryAddress).not.toBeNull();
    ahead = (Date.parse(now.residence.temporaryUntil) - Date.now()) + 2 * 86_400_000;
    const later = (await stack.graphql(query, { token: await stack.citizenToken(id) })).body.data?.me as { residence: { temporaryAddress: unknown; temporaryUntil: string } };
    expect(later.residence).toEqual({ temporaryAddress: null, temporaryUntil: now.residence.temporaryUntil });
  });

  it('shows a divorced citizen the divorce decision and a marriage certificate that is no longer valid', async () => {
    const token = await stack.citizenToken(stack.persona('divorced'));
    const res = await stack.graphql('{ me { person { maritalStatus } documents(types: [MARRIAGE_CERTIFICATE, DIVORCE_DECISION]) { id type status refersTo statusReason } } }', { token });
    expect(res.body.errors).toBeUndefined();
    const me = res.body.data?.me as { person: { maritalStatus: string }; documents: { id: string; type: string; status: string; refersTo: string | null }[] };
    expect(me.person.maritalStatus).toBe('DIVORCED');
    const marriage = me.documents.filter((d) => d.type === 'MARRIAGE_CERTIFICATE');
    const divorce = me.documents.find((d) => d.type === 'DIVORCE_DECISION');
    expect(marriage.length).toBeGreaterThan(0);
    expect(marriage.every((d) => d.status !== 'VALID')).toBe(true);
    expect(marriage.map((d) => d.id)).toContain(divorce?.refersTo);
  });

  describe('an address a bank wrote before the 2025 merger', () => {
    const oldForms = (id: string) => {
      const address = stack.dataset.residences.get(id)?.permanent?.address as { line: string; communeName: string; provinceCode: string };
      const source = legacySourcesOf(address.provinceCode, address.communeName).find((s) => !s.partial);
      if (!source) throw new Error('no whole legacy commune for this address');
      const province = LEGACY_PROVINCE_NAMES.find((p) => p.code === source.provinceCode)?.fullName as string;
      const plain = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[đĐ]/g, 'd');
      return {
        withDistrict: `${address.line}, ${source.commune}, ${source.district}, ${province}`,
        withoutDistrict: `${address.line}, ${source.commune}, ${province}`,
        withoutDiacritics: `${address.line}, ${plain(source.commune)}, ${plain(source.district)}, ${plain(province)}`,
        wrongCommune: `${address.line}, Xã Không Có, ${source.district}, ${province}`,
      };
    };

    it('verifies as MATCH with or without its district or diacritics, and MISMATCH in another commune', async () => {
      const id = stack.persona('household-of-five');
      await new ConsentStore(stack.gateway.store).grant({ subjectId: id, agency: 'VCB', purpose: 'KYC_VERIFICATION', fields: null, expiresAt: new Date(Date.now() + 86_400_000) });
      const bank = await stack.agencyToken('VCB', ['identity.verify']);
      const verify = async (permanentAddress: string) =>
        ((await stack.graphql(VERIFY, { token: bank, variables: { i: { personalId: id, permanentAddress } }, headers: { 'x-purpose': 'KYC_VERIFICATION' } })).body.data?.verifyCitizen as { verdict: string }).verdict;
      const forms = oldForms(id);
      expect(await verify(forms.withDistrict)).toBe('MATCH');
      expect(await verify(forms.withoutDistrict)).toBe('MATCH');
      expect(await verify(forms.withoutDiacritics)).toBe('MATCH');
      expect(await verify(forms.wrongCommune)).toBe('MISMATCH');
    });
  });
});

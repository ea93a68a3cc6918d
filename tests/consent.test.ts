import { startStack, type Stack } from './helpers/stack';

const READ = 'query($id: PersonalId!) { citizen(id: $id) { person { fullName bloodType } } }';
const NAME_ONLY = 'query($id: PersonalId!) { citizen(id: $id) { person { fullName } } }';
const GRANT = 'mutation($i: GrantConsentInput!) { grantConsent(input: $i) { id status fields agency { name } purpose { title } expiresAt } }';
const REVOKE = 'mutation($id: ID!) { revokeConsent(id: $id) { id status revokedAt } }';
const LIST = '{ myConsents { id status agency { code } purpose { code } fields } }';
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

/** Consent, against a store: CONSENT_REQUIRED before, data after, refused again after revocation or expiry. */
function consentLifecycle(store: 'postgres' | 'embedded') {
  describe(`consent lifecycle (${store} store)`, () => {
    let stack: Stack;
    let subject: string;
    let citizen: string;
    let hospital: string;
    beforeAll(async () => {
      stack = await startStack({}, { store });
      subject = stack.persona('married-couple');
      citizen = await stack.citizenToken(subject);
      hospital = await stack.agencyToken('BV_BACHMAI', ['health-insurance.enrol']);
    });
    afterAll(() => stack.stop());

    const asHospital = async (query = READ, id = subject) => {
      await stack.resetRegistryCalls();
      const res = await stack.graphql(query, { token: hospital, variables: { id }, headers: { 'x-purpose': 'HEALTH_INSURANCE' } });
      return { res, calls: await stack.registryCalls() };
    };
    const grant = async (extra: Record<string, unknown> = {}) =>
      stack.graphql(GRANT, { token: citizen, variables: { i: { agency: 'BV_BACHMAI', purpose: 'HEALTH_INSURANCE', expiresAt: inDays(30), ...extra } } });

    it('refuses the agency with CONSENT_REQUIRED, and no registry call, before any consent', async () => {
      const { res, calls } = await asHospital();
      expect(res.status).toBe(403);
      const offer = { agency: 'BV_BACHMAI', purpose: 'HEALTH_INSURANCE', fields: ['Person.bloodType', 'Person.fullName'] };
      const remedy = (field: string) => ({ field, paths: [`citizen.person.${field.split('.')[1]}`], rule: 'CONSENT', kind: 'CONSENT', purpose: 'HEALTH_INSURANCE', grantConsent: offer, message: expect.any(String), messageVi: expect.stringContaining('đồng ý') });
      expect(res.body.errors?.[0]?.extensions).toEqual({
        messageVi: expect.any(String),
        code: 'CONSENT_REQUIRED',
        purpose: 'HEALTH_INSURANCE',
        remedies: [remedy('Person.fullName'), remedy('Person.bloodType')],
      });
      expect(res.body.errors?.[0]?.message).toContain('Bệnh viện Bạch Mai');
      expect(calls).toEqual({ POPULATION: 0, RESIDENCE: 0, DOCUMENTS: 0 });
      offered = (res.body.errors?.[0]?.extensions?.remedies as { grantConsent: Record<string, unknown> }[])[0]?.grantConsent ?? {};
    });

    let consentId: string;
    /** The grantConsent input the refusal offered, as a portal passes it on to the citizen. */
    let offered: Record<string, unknown> = {};
    it('serves the data once the citizen consents as the refusal offered', async () => {
      const granted = await grant(offered);
      expect(granted.body.errors).toBeUndefined();
      const consent = granted.body.data?.grantConsent as { id: string; status: string; agency: { name: string }; purpose: { title: string } };
      expect(consent).toMatchObject({ status: 'ACTIVE', agency: { name: 'Bệnh viện Bạch Mai' }, purpose: { title: 'Đăng ký khám chữa bệnh bảo hiểm y tế' } });
      expect(consent).toMatchObject({ fields: ['Person.bloodType', 'Person.fullName'] });
      consentId = consent.id;
      const { res } = await asHospital();
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data?.citizen).toEqual({ person: { fullName: expect.any(String), bloodType: expect.anything() } });
    });

    it("does not extend one citizen's consent to another citizen", async () => {
      const { res } = await asHospital(READ, stack.persona('household-of-four'));
      expect(res.body.errors?.[0]?.extensions?.code).toBe('CONSENT_REQUIRED');
    });

    it('refuses again on the first request after revocation', async () => {
      const revoked = await stack.graphql(REVOKE, { token: citizen, variables: { id: consentId } });
      expect(revoked.body.data?.revokeConsent).toMatchObject({ id: consentId, status: 'REVOKED', revokedAt: expect.any(String) });
      const { res, calls } = await asHospital();
      expect(res.body.errors?.[0]?.extensions?.code).toBe('CONSENT_REQUIRED');
      expect(calls).toEqual({ POPULATION: 0, RESIDENCE: 0, DOCUMENTS: 0 });
    });

    it('treats a second revocation as harmless', async () => {
      const again = await stack.graphql(REVOKE, { token: citizen, variables: { id: consentId } });
      expect(again.body.data?.revokeConsent).toMatchObject({ status: 'REVOKED' });
    });

    it('refuses again on the first request after expiry', async () => {
      const granted = await grant();
      const id = (granted.body.data?.grantConsent as { id: string }).id;
      expect((await asHospital()).res.body.errors).toBeUndefined();
      // Time passes: the consent's expiry is moved into the past in the store itself.
      await stack.gateway.store.query("UPDATE consents SET expires_at = now() - interval '1 second', granted_at = now() - interval '1 day' WHERE id = $1", [id]);
      expect((await asHospital()).res.body.errors?.[0]?.extensions?.code).toBe('CONSENT_REQUIRED');
      const list = await stack.graphql(LIST, { token: citizen });
      expect((list.body.data?.myConsents as { id: string; status: string }[]).find((c) => c.id === id)?.status).toBe('EXPIRED');
    });

    it('honours a consent limited to some fields, and only those', async () => {
      await grant({ fields: ['Citizen.id', 'Person.fullName'] });
      expect((await asHospital(NAME_ONLY)).res.body.errors).toBeUndefined();
      expect((await asHospital(READ)).res.body.errors?.[0]?.extensions?.code).toBe('CONSENT_REQUIRED');
    });

    it("lists the citizen's consents, newest first, with their status", async () => {
      const list = await stack.graphql(LIST, { token: citizen });
      const consents = list.body.data?.myConsents as { status: string; fields: string[] | null }[];
      // The expired one was granted a day ago (see above), so it is the oldest.
      expect(consents.map((c) => c.status)).toEqual(['ACTIVE', 'REVOKED', 'EXPIRED']);
      expect(consents[0]?.fields).toEqual(['Citizen.id', 'Person.fullName']);
    });
  });
}

consentLifecycle('postgres');
consentLifecycle('embedded');

describe('hostile consent requests', () => {
  let stack: Stack;
  let citizen: string;
  beforeAll(async () => {
    stack = await startStack();
    citizen = await stack.citizenToken(stack.persona('minor'));
  });
  afterAll(() => stack.stop());

  it.each([
    ['an unknown agency', { agency: 'NOBODY', purpose: 'HEALTH_INSURANCE' }, 'input.agency'],
    ['an unknown purpose', { agency: 'BV_BACHMAI', purpose: 'WHATEVER' }, 'input.purpose'],
    ['a purpose that needs no consent', { agency: 'CA_HN', purpose: 'CT01_RESIDENCE' }, 'input.purpose'],
    ['a purpose the agency is not granted', { agency: 'VCB', purpose: 'HEALTH_INSURANCE' }, 'input.purpose'],
    ['fields outside the grant', { agency: 'BV_BACHMAI', purpose: 'HEALTH_INSURANCE', fields: ['Person.religion'] }, 'input.fields'],
    ['an empty field list', { agency: 'BV_BACHMAI', purpose: 'HEALTH_INSURANCE', fields: [] }, 'input.fields'],
    ['an expiry in the past', { agency: 'BV_BACHMAI', purpose: 'HEALTH_INSURANCE', expiresAt: inDays(-1) }, 'input.expiresAt'],
    ['an expiry ten years ahead', { agency: 'BV_BACHMAI', purpose: 'HEALTH_INSURANCE', expiresAt: inDays(3650) }, 'input.expiresAt'],
  ])('refuses %s with BAD_USER_INPUT naming the field', async (_name, input, field) => {
    const res = await stack.graphql(GRANT, { token: citizen, variables: { i: { expiresAt: inDays(30), ...input } } });
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(await stack.gateway.store.query('SELECT 1 FROM consents')).toHaveLength(0);
  });

  it('refuses an expiry that is not a date-time', async () => {
    const res = await stack.graphql(GRANT, { token: citizen, variables: { i: { agency: 'BV_BACHMAI', purpose: 'HEALTH_INSURANCE', expiresAt: 'tomorrow' } } });
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('refuses to revoke with an ID that is not a consent ID', async () => {
    const res = await stack.graphql(REVOKE, { token: citizen, variables: { id: "1' OR '1'='1" } });
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
  });

  it("answers NOT_FOUND for another citizen's consent, and leaves it in force", async () => {
    const other = await stack.citizenToken(stack.persona('household-of-four'));
    const granted = await stack.graphql(GRANT, { token: other, variables: { i: { agency: 'BV_BACHMAI', purpose: 'HEALTH_INSURANCE', expiresAt: inDays(5) } } });
    const id = (granted.body.data?.grantConsent as { id: string }).id;
    const res = await stack.graphql(REVOKE, { token: citizen, variables: { id } });
    expect(res.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const theirs = await stack.graphql(LIST, { token: other });
    expect((theirs.body.data?.myConsents as { status: string }[])[0]?.status).toBe('ACTIVE');
  });

  it('refuses consent mutations from an agency token', async () => {
    const agency = await stack.agencyToken('BV_BACHMAI', ['health-insurance.enrol']);
    const res = await stack.graphql(GRANT, { token: agency, variables: { i: { agency: 'BV_BACHMAI', purpose: 'HEALTH_INSURANCE', expiresAt: inDays(5) } } });
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', rule: 'ROLE' });
  });

  it('refuses a mutation sent over GET with 405', async () => {
    const url = `${stack.url}/graphql?query=${encodeURIComponent('mutation { revokeConsent(id: "x") { id } }')}`;
    const res = await fetch(url, { headers: { authorization: `Bearer ${citizen}`, 'apollo-require-preflight': 'true' } });
    expect(res.status).toBe(405);
  });
});

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createLocalJWKSet, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import type { MockAddress, MockDataset, MockPerson } from '../mocks/data/types';
import { startStack, type Stack } from './helpers/stack';

interface FieldDef { key: string; party: string; source?: string | null; transform?: string; editable?: boolean; columns?: FieldDef[] }
const FORMS = (JSON.parse(readFileSync(path.join(__dirname, '..', 'src', 'forms', 'forms.json'), 'utf8')) as { forms: { id: string; fields: FieldDef[] }[] }).forms;
const IDENTITY = new Set(['id', 'person.fullName', 'person.dateOfBirth', 'person.gender', 'household.relationshipToHead']);

interface Field { key: string; value: string | null; status: string; editable: boolean; rows: { cells: { key: string; value: string | null; status: string }[] }[] | null }
const PREFILL = `query($f: ID!, $s: PersonalId) { prefill(formId: $f, subjectId: $s) {
  formId subjectId missing attestation expiresAt
  fields { key value status editable provenance { registry fromCache } rows { cells { key value status } } } } }`;

/** What a form should say, computed from the mock data with the printed forms' conventions. */
function expected(d: MockDataset, subjectId: string, def: FieldDef, partyId: string | null, asCitizen: boolean): { value: string | null; status: string } {
  if (!def.source) return { value: null, status: 'TO_BE_TYPED' };
  if (!partyId) return { value: null, status: asCitizen && def.party !== 'APPLICANT' && !IDENTITY.has(def.source) ? 'NOT_PERMITTED' : 'NOT_IN_REGISTRY' };
  if (asCitizen && partyId !== subjectId && !IDENTITY.has(def.source)) return { value: null, status: 'NOT_PERMITTED' };
  const p = d.people.get(partyId) as MockPerson;
  const r = d.residences.get(partyId);
  const date = (iso: string) => iso.split('-').reverse().join('/');
  const address = (a: MockAddress | null | undefined) => (a ? `${a.line}, ${a.communeName}, ${a.provinceName}` : null);
  const docs = d.documents.get(partyId) ?? [];
  const kinds: Record<string, string> = { IDENTITY_CARD: 'CAN_CUOC', PASSPORT: 'HO_CHIEU' };
  let raw: string | null;
  const [head, field, part] = def.source.split('.');
  if (head === 'id') raw = partyId;
  else if (head === 'person') raw = (p as unknown as Record<string, string | null>)[field === 'phoneNumber' ? 'phone' : (field as string)] ?? null;
  else if (head === 'residence') raw = address(field === 'permanentAddress' ? r?.permanent?.address : r?.temporary?.address);
  else if (head === 'household') {
    const household = d.households.get(d.residences.get(subjectId)?.householdId as string);
    raw = household?.members.find((m) => m.personalId === partyId)?.relationshipToHead ?? null;
  } else {
    const ofKind = docs.filter((x) => x.kind === kinds[field as string]);
    const doc = ofKind.find((x) => x.status === 'VALID') ?? ofKind[0];
    raw = !doc ? null : part === 'number' ? doc.number : part === 'issuedOn' ? doc.issuedOn : part === 'issuer' ? doc.issuingAuthority : `Căn cước số ${doc.number}, cấp ngày ${date(doc.issuedOn)}, nơi cấp: ${doc.issuingAuthority}`;
  }
  if (raw === null) return { value: null, status: 'NOT_IN_REGISTRY' };
  const t = def.transform ?? 'none';
  const value = t === 'date' ? date(raw) : t === 'year' ? raw.slice(0, 4) : t === 'gender' ? (raw === 'MALE' ? 'Nam' : 'Nữ') : t === 'upper' ? raw.toLocaleUpperCase('vi') : raw;
  return { value, status: 'FILLED' };
}

function partyOf(d: MockDataset, subjectId: string, party: string): string | null {
  const p = d.people.get(subjectId) as MockPerson;
  const household = d.households.get(d.residences.get(subjectId)?.householdId as string);
  switch (party) {
    case 'APPLICANT':
      return subjectId;
    case 'FATHER':
      return p.fatherId;
    case 'MOTHER':
      return p.motherId;
    case 'SPOUSE':
      return p.spouseId;
    case 'HOUSEHOLD_HEAD':
      return household?.headId ?? null;
    case 'CHILD_MOTHER':
      return p.gender === 'FEMALE' ? subjectId : p.spouseId;
    case 'CHILD_FATHER':
      return p.gender === 'MALE' ? subjectId : p.spouseId;
    default:
      return null;
  }
}

describe('prefill', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.stop());

  /** Living citizens with a household: personas first, then others for variety. */
  const subjects = () => {
    const d = stack.dataset;
    const living = [...d.people.values()].filter((p) => !p.dateOfDeath && d.residences.get(p.id)?.householdId);
    const picked = [...d.personas.map((p) => p.personalId).filter((id) => !d.people.get(id)?.dateOfDeath), ...living.filter((_, i) => i % 997 === 0).map((p) => p.id)];
    return [...new Set(picked)].slice(0, 24);
  };

  it.each(FORMS.map((f) => [f.id]))('fills %s for 24 citizens with exactly the registry values, and lists exactly what is missing', async (formId) => {
    const form = FORMS.find((f) => f.id === formId) as (typeof FORMS)[number];
    const ids = subjects();
    expect(ids.length).toBeGreaterThanOrEqual(20);
    for (const id of ids) {
      const token = await stack.citizenToken(id);
      await stack.resetRegistryCalls();
      const res = await stack.graphql(PREFILL, { token, variables: { f: formId } });
      expect(res.body.errors).toBeUndefined();
      const prefill = res.body.data?.prefill as { subjectId: string; missing: string[]; fields: Field[] };
      expect(prefill.subjectId).toBe(id);
      const wantMissing: string[] = [];
      for (const def of form.fields) {
        const got = prefill.fields.find((f) => f.key === def.key) as Field;
        if (def.columns) {
          const household = stack.dataset.households.get(stack.dataset.residences.get(id)?.householdId as string);
          const rows = (household?.members ?? []).map((m) => ({ cells: (def.columns as FieldDef[]).map((c) => ({ key: c.key, ...expected(stack.dataset, id, c, m.personalId, true) })) }));
          expect({ key: def.key, rows: got.rows }).toEqual({ key: def.key, rows });
          continue;
        }
        const want = expected(stack.dataset, id, def, partyOf(stack.dataset, id, def.party), true);
        expect({ key: def.key, value: got.value, status: got.status }).toEqual({ key: def.key, ...want });
        expect(got.editable).toBe(def.editable === true || !def.source);
        if (want.status !== 'FILLED' && want.status !== 'TO_BE_TYPED') wantMissing.push(def.key);
      }
      expect(prefill.missing).toEqual(wantMissing);
      // Two levels of the graph (the citizen, then everyone related): at most two calls per registry.
      const calls = await stack.registryCalls();
      expect(Math.max(calls.POPULATION, calls.RESIDENCE, calls.DOCUMENTS)).toBeLessThanOrEqual(2);
    }
  });

  it('fills for an agency whose purpose is the form\'s, with its grant, and records each subject on the audit trail', async () => {
    const id = stack.persona('passport-holder');
    const token = await stack.agencyToken('XNC', ['passport.issue']);
    // Whether a value came from the gateway's cache is the citizen's to know, not the agency's.
    const nosy = await stack.graphql(PREFILL, { token, variables: { f: 'TK01', s: id }, headers: { 'x-purpose': 'PASSPORT' } });
    expect(nosy.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', denied: expect.arrayContaining([expect.objectContaining({ field: 'Provenance.fromCache' })]) });
    const res = await stack.graphql(PREFILL.replace('provenance { registry fromCache }', 'provenance { registry asOf }'), {
      token,
      variables: { f: 'TK01', s: id },
      headers: { 'x-purpose': 'PASSPORT', 'x-request-id': 'prefill-agency-1' },
    });
    expect(res.body.errors).toBeUndefined();
    const fields = (res.body.data?.prefill as { fields: Field[] }).fields;
    expect(fields.find((f) => f.key === 'tonGiao')?.status).toBe('FILLED');
    const rows = await stack.gateway.store.query<{ subject_id: string; fields: string[]; outcome: string; agency: string }>(
      "SELECT subject_id, fields, outcome, agency FROM audit_log WHERE request_id = 'prefill-agency-1'",
    );
    const subject = rows.find((r) => r.subject_id === id);
    expect(subject).toMatchObject({ outcome: 'disclosed', agency: 'XNC' });
    expect(subject?.fields).toEqual(expect.arrayContaining(['person.fullName', 'person.religion', 'documents.PASSPORT.number']));
    const father = stack.dataset.people.get(id)?.fatherId;
    if (father) expect(rows.find((r) => r.subject_id === father)?.fields).toEqual(['person.dateOfBirth', 'person.fullName']);
  });

  it.each([
    ['a form under another purpose', 'CT01', 'PASSPORT', ['passport.issue'], 'XNC', 'FORBIDDEN'],
    ['no purpose', 'TK01', undefined, ['passport.issue'], 'XNC', 'PURPOSE_REQUIRED'],
    ['a missing scope', 'TK01', 'PASSPORT', [], 'XNC', 'FORBIDDEN'],
  ])('refuses an agency prefill with %s, with no registry call', async (_n, form, purpose, scopes, agency, code) => {
    const token = await stack.agencyToken(agency as string, scopes as string[]);
    await stack.resetRegistryCalls();
    const res = await stack.graphql(PREFILL, { token, variables: { f: form, s: stack.persona('minor') }, headers: purpose ? { 'x-purpose': purpose as string } : {} });
    expect(res.body.errors?.[0]?.extensions?.code).toBe(code);
    expect(await stack.registryCalls()).toEqual({ POPULATION: 0, RESIDENCE: 0, DOCUMENTS: 0 });
  });

  it("refuses a citizen prefilling someone else's form", async () => {
    const token = await stack.citizenToken(stack.persona('minor'));
    const res = await stack.graphql(PREFILL, { token, variables: { f: 'CT01', s: stack.persona('married-couple') } });
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', rule: 'OWN_RECORD_ONLY' });
  });

  it('answers BAD_USER_INPUT for an unknown form', async () => {
    const token = await stack.citizenToken(stack.persona('minor'));
    const res = await stack.graphql(PREFILL, { token, variables: { f: 'CT99' } });
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'formId' });
  });

  it('lists the forms with Vietnamese labels', async () => {
    const token = await stack.citizenToken(stack.persona('minor'));
    const res = await stack.graphql('{ forms { id title purpose { code } fields { key label editable party prefillable columns { key label } } } }', { token });
    const forms = res.body.data?.forms as { id: string; title: string; fields: { key: string; label: string; prefillable: boolean }[] }[];
    expect(forms.map((f) => f.id)).toEqual(['CT01', 'KHAI_SINH', 'LLTP_03', 'TK01']);
    expect(forms[0]?.title).toBe('Tờ khai thay đổi thông tin cư trú');
    expect(forms[0]?.fields.find((f) => f.key === 'noiDungDeNghi')).toMatchObject({ label: 'Nội dung đề nghị', prefillable: false });
  });
});

describe('attestations', () => {
  let stack: Stack;
  let token: string;
  let prefill: { attestation: string; subjectId: string; fields: Field[] };
  beforeAll(async () => {
    stack = await startStack();
    token = await stack.citizenToken(stack.persona('household-of-five'));
    const res = await stack.graphql(PREFILL, { token, variables: { f: 'CT01' } });
    prefill = res.body.data?.prefill as typeof prefill;
  });
  afterAll(() => stack.stop());

  const submitted = (fields: Field[]) =>
    fields.map((f) => (f.rows ? { key: f.key, rows: f.rows.map((r) => ({ cells: r.cells.map((c) => ({ key: c.key, value: c.value })) })) } : { key: f.key, value: f.value }));
  const verify = async (attestation: string, fields: unknown, expected: { formId?: string; subjectId?: string } = {}) =>
    (await stack.graphql(
      'query($a: String!, $s: [SubmittedField!]!, $f: ID!, $p: PersonalId!) { verifyPrefill(attestation: $a, submitted: $s, formId: $f, subjectId: $p) { valid reason formId subjectId alteredLockedFields issuedAt expiresAt } }',
      { token, variables: { a: attestation, s: fields, f: expected.formId ?? 'CT01', p: expected.subjectId ?? prefill.subjectId } },
    )).body.data?.verifyPrefill as { valid: boolean; reason: string | null; alteredLockedFields: string[] };

  it('verifies independently, with nothing but the published JWKS', async () => {
    const jwks = await (await fetch(`${stack.url}/.well-known/jwks.json`)).json();
    const { payload, protectedHeader } = await jwtVerify(prefill.attestation, createLocalJWKSet(jwks), { algorithms: ['ES256'] });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'prefill-attestation+jwt', kid: expect.any(String) });
    expect(payload).toMatchObject({ form: 'CT01', sub: prefill.subjectId, iat: expect.any(Number), exp: expect.any(Number) });
    const values = payload.values as Record<string, unknown>;
    for (const f of prefill.fields.filter((x) => x.status === 'FILLED' && !x.rows)) expect(values[f.key]).toBe(f.value);
  });

  it('accepts the form as prefilled, and with editable fields changed', async () => {
    expect(await verify(prefill.attestation, submitted(prefill.fields))).toMatchObject({ valid: true, reason: null, alteredLockedFields: [] });
    const edited = submitted(prefill.fields).map((f) => (f.key === 'soDienThoai' ? { ...f, value: '0900000000' } : f.key === 'noiDungDeNghi' ? { ...f, value: 'Chuyển hộ khẩu' } : f));
    expect((await verify(prefill.attestation, edited)).valid).toBe(true);
  });

  it('accepts a table with rows left out, but not one with a row changed', async () => {
    const fields = submitted(prefill.fields);
    const table = fields.find((f) => f.key === 'thanhVienCungThayDoi') as { rows: { cells: { key: string; value: string | null }[] }[] };
    const fewer = fields.map((f) => (f === table ? { ...table, rows: table.rows.slice(0, 2) } : f));
    expect((await verify(prefill.attestation, fewer)).valid).toBe(true);
    const changed = fields.map((f) => (f === table ? { ...table, rows: [{ cells: table.rows[0]!.cells.map((c) => (c.key === 'ngaySinh' ? { ...c, value: '01/01/2000' } : c)) }] } : f));
    expect(await verify(prefill.attestation, changed)).toMatchObject({ valid: false, alteredLockedFields: ['thanhVienCungThayDoi'] });
  });

  it('names each locked field that was changed or dropped', async () => {
    const fields = submitted(prefill.fields)
      .map((f) => (f.key === 'hoTen' ? { ...f, value: 'Nguyễn Văn Khác' } : f))
      .filter((f) => f.key !== 'soDinhDanh');
    expect(await verify(prefill.attestation, fields)).toMatchObject({ valid: false, reason: 'LOCKED_FIELDS_ALTERED', alteredLockedFields: ['hoTen', 'soDinhDanh'] });
  });

  it('refuses a submission that repeats a field key, whichever copy is forged', async () => {
    const fields = submitted(prefill.fields);
    const genuine = fields.find((f) => f.key === 'hoTen') as { key: string; value: string | null };
    const forged = { key: 'hoTen', value: 'Nguyễn Văn Khác' };
    expect(await verify(prefill.attestation, [forged, ...fields])).toMatchObject({ valid: false, reason: 'MALFORMED' });
    expect(await verify(prefill.attestation, [...fields, forged])).toMatchObject({ valid: false, reason: 'MALFORMED' });
    // Even two copies of the genuine value: the submission is not well formed.
    expect(await verify(prefill.attestation, [...fields, genuine])).toMatchObject({ valid: false, reason: 'MALFORMED' });
  });

  it('refuses a table that lists an attested row more often than it was attested', async () => {
    const fields = submitted(prefill.fields);
    const table = fields.find((f) => f.key === 'thanhVienCungThayDoi') as { key: string; rows: { cells: { key: string; value: string | null }[] }[] };
    const first = table.rows[0] as (typeof table.rows)[number];
    const thrice = fields.map((f) => (f === table ? { ...table, rows: [first, first, first] } : f));
    expect(await verify(prefill.attestation, thrice)).toMatchObject({ valid: false, reason: 'LOCKED_FIELDS_ALTERED', alteredLockedFields: ['thanhVienCungThayDoi'] });
    const twice = fields.map((f) => (f === table ? { ...table, rows: [...table.rows, first] } : f));
    expect(await verify(prefill.attestation, twice)).toMatchObject({ valid: false, alteredLockedFields: ['thanhVienCungThayDoi'] });
    const reordered = fields.map((f) => (f === table ? { ...table, rows: [...table.rows].reverse() } : f));
    expect((await verify(prefill.attestation, reordered)).valid).toBe(true);
  });

  it('refuses a table row that repeats a cell key, whichever copy is forged', async () => {
    const fields = submitted(prefill.fields);
    const table = fields.find((f) => f.key === 'thanhVienCungThayDoi') as { key: string; rows: { cells: { key: string; value: string | null }[] }[] };
    const first = table.rows[0] as (typeof table.rows)[number];
    const forgedCell = { key: 'ngaySinh', value: '01/01/2000' };
    for (const cells of [[forgedCell, ...first.cells], [...first.cells, forgedCell]]) {
      const withDuplicate = fields.map((f) => (f === table ? { ...table, rows: [{ cells }] } : f));
      expect(await verify(prefill.attestation, withDuplicate)).toMatchObject({ valid: false, reason: 'MALFORMED' });
    }
  });

  it('refuses the high-S twin of a genuine signature, which plain ES256 verification accepts', async () => {
    const order = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
    const [h, p, sig] = prefill.attestation.split('.') as [string, string, string];
    const bytes = Buffer.from(sig, 'base64url');
    const s = BigInt(`0x${bytes.subarray(32).toString('hex')}`);
    // The gateway signs in low-S form only.
    expect(s <= order / 2n).toBe(true);
    const twin = `${h}.${p}.${Buffer.concat([bytes.subarray(0, 32), Buffer.from((order - s).toString(16).padStart(64, '0'), 'hex')]).toString('base64url')}`;
    const jwks = await (await fetch(`${stack.url}/.well-known/jwks.json`)).json();
    await expect(jwtVerify(twin, createLocalJWKSet(jwks), { algorithms: ['ES256'] })).resolves.toBeDefined();
    expect(await verify(twin, submitted(prefill.fields))).toMatchObject({ valid: false, reason: 'BAD_SIGNATURE' });
  });

  it('refuses an attestation of another form or another citizen than the portal names', async () => {
    const fields = submitted(prefill.fields);
    expect(await verify(prefill.attestation, fields, { formId: 'TK01' })).toMatchObject({ valid: false, reason: 'FORM_MISMATCH', formId: null, subjectId: null });
    const other = stack.persona('married-couple');
    expect(await verify(prefill.attestation, fields, { subjectId: other })).toMatchObject({ valid: false, reason: 'SUBJECT_MISMATCH', formId: null, subjectId: null });
    // A genuine attestation for another citizen, presented for this one.
    const theirs = (await stack.graphql(PREFILL, { token: await stack.citizenToken(other), variables: { f: 'CT01' } })).body.data?.prefill as typeof prefill;
    expect(await verify(theirs.attestation, submitted(theirs.fields))).toMatchObject({ valid: false, reason: 'SUBJECT_MISMATCH' });
  });

  it('rejects an expired attestation', async () => {
    const expired = await stack.gateway.keys.sign({ form: 'CT01', sub: prefill.subjectId, values: {} }, { typ: 'prefill-attestation+jwt', expiresInSeconds: -60 });
    expect(await verify(expired, [])).toMatchObject({ valid: false, reason: 'EXPIRED' });
  });

  it('rejects an attestation signed by a key the gateway does not publish', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({ form: 'CT01', sub: prefill.subjectId, values: {} })
      .setProtectedHeader({ alg: 'ES256', kid: 'somebody-else', typ: 'prefill-attestation+jwt' })
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);
    expect(await verify(forged, [])).toMatchObject({ valid: false, reason: 'UNKNOWN_KEY' });
  });

  it('rejects an attestation whose payload was edited', async () => {
    const [h, p, s] = prefill.attestation.split('.');
    const payload = JSON.parse(Buffer.from(p as string, 'base64url').toString());
    payload.values.hoTen = 'Nguyễn Văn Khác';
    const tampered = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
    expect(await verify(tampered, [])).toMatchObject({ valid: false, reason: 'BAD_SIGNATURE' });
    expect(await verify('not.a.jws', [])).toMatchObject({ valid: false, reason: 'MALFORMED' });
  });
});

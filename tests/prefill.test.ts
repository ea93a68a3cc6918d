import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createLocalJWKSet, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import type { MockAddress, MockDataset, MockDocument, MockPerson } from '../mocks/data/types';
import { ageOn } from '../src/domain/dates';
import { legacyProvince, province } from '../src/domain/provinces';
import { startStack, type Stack } from './helpers/stack';

interface FieldDef {
  key: string;
  label?: string;
  party: string;
  source?: string | null;
  transform?: string;
  editable?: boolean;
  columns?: FieldDef[];
  alternatives?: string[];
  whenDeceased?: 'OMIT' | 'KEEP';
  document?: 'CURRENT' | 'LATEST';
  defaultRows?: 'ALL' | 'NONE';
  historySinceAge?: number;
}
interface FormDef { id: string; subjectAge?: { min?: number; below?: number }; fields: FieldDef[] }
const FORMS = (JSON.parse(readFileSync(path.join(__dirname, '..', 'src', 'forms', 'forms.json'), 'utf8')) as { forms: FormDef[] }).forms;
const IDENTITY = new Set(['id', 'person.fullName', 'person.dateOfBirth', 'person.gender', 'household.relationshipToHead']);
const RELATIVES = new Set(['FATHER', 'MOTHER', 'SPOUSE', 'CHILD_MOTHER', 'CHILD_FATHER']);

interface Cell { key: string; value: string | null; status: string; editable: boolean }
interface Field { key: string; value: string | null; status: string; editable: boolean; note: string | null; options: string[] | null; rows: { included: boolean; cells: Cell[] }[] | null }
const PREFILL = `query($f: ID!, $s: PersonalId) { prefill(formId: $f, subjectId: $s) {
  formId subjectId missing attestation expiresAt
  fields { key value status editable note options provenance { registry fromCache } rows { included cells { key value status editable } } } } }`;

/** Today in Vietnam, the day the gateway judges documents, residences and lives on. */
const TODAY = new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 10);
const date = (iso: string) => iso.split('-').reverse().join('/');
const address = (a: MockAddress, legacy = false) =>
  legacy ? `${a.line}, ${a.legacy.communeName}, ${a.legacy.districtName}, ${a.legacy.provinceName}` : `${a.line}, ${a.communeName}, ${a.provinceName}`;
const inName = (unit: string) => unit.charAt(0).toLocaleLowerCase('vi') + unit.slice(1);
const KINDS: Record<string, string> = { IDENTITY_CARD: 'CAN_CUOC', PASSPORT: 'HO_CHIEU', MARRIAGE_CERTIFICATE: 'GIAY_CHUNG_NHAN_KET_HON' };
const NAMES: Record<string, string> = { IDENTITY_CARD: 'Căn cước', PASSPORT: 'Hộ chiếu', MARRIAGE_CERTIFICATE: 'Giấy chứng nhận kết hôn' };
const NOT_IN_FORCE: Record<string, string> = { EXPIRED: 'đã hết hạn', REVOKED: 'đã bị thu hồi', LOST: 'đã được báo mất', DISSOLVED: 'không còn hiệu lực', DECEASED: 'không còn giá trị: người được cấp đã mất' };

/** Who is who for a subject, as the printed forms read the registries. */
function family(d: MockDataset, subjectId: string) {
  const p = d.people.get(subjectId) as MockPerson;
  const currentSpouse = p.spouseId && p.maritalStatus !== 'DIVORCED' ? p.spouseId : null;
  const dead = (id: string) => (id === p.spouseId && p.maritalStatus === 'WIDOWED') || (d.people.get(id)?.dateOfDeath ?? '9999') <= TODAY;
  const household = d.households.get(d.residences.get(subjectId)?.householdId as string);
  const parties: Record<string, string | null> = {
    APPLICANT: subjectId,
    FATHER: p.fatherId,
    MOTHER: p.motherId,
    SPOUSE: currentSpouse,
    CHILD_MOTHER: p.gender === 'FEMALE' ? subjectId : currentSpouse,
    CHILD_FATHER: p.gender === 'MALE' ? subjectId : currentSpouse,
    HOUSEHOLD_HEAD: household?.headId ?? null,
    // A citizen filling a form for themselves is nobody's legal representative.
    LEGAL_REPRESENTATIVE: null,
  };
  return { p, parties, dead, household };
}

/** A document's status on TODAY: the registry's, or expired past its end, or void with its holder. */
function statusOn(doc: MockDocument, holder: MockPerson): string {
  if (['REVOKED', 'LOST', 'DISSOLVED'].includes(doc.status)) return doc.status;
  if (['CAN_CUOC', 'HO_CHIEU'].includes(doc.kind) && (holder.dateOfDeath ?? '9999') <= TODAY) return 'DECEASED';
  return doc.status === 'EXPIRED' || (doc.expiresOn !== null && doc.expiresOn < TODAY) ? 'EXPIRED' : 'VALID';
}

interface Want { value: string | null; status: string; note?: string | null; options?: string[] | null }

/** One source's value for one citizen, computed from the mock data with the printed forms' conventions. */
function valueOf(d: MockDataset, subjectId: string, source: string, transform: string | undefined, partyId: string, document: string | undefined): Want {
  const p = d.people.get(partyId) as MockPerson;
  const r = d.residences.get(partyId);
  let raw: string | MockAddress | MockDocument | null;
  let note: string | null = null;
  const [head, field, part] = source.split('.');
  if (head === 'id') raw = partyId;
  else if (head === 'person' && field === 'placeOfBirthProvince') raw = province(legacyProvince(p.birthProvinceCode)?.mergedInto ?? '')?.fullName ?? null;
  else if (head === 'person' && field === 'otherNames') raw = p.otherNames.length > 0 ? p.otherNames.join(', ') : null;
  else if (head === 'person') raw = (p as unknown as Record<string, string | null>)[field === 'phoneNumber' ? 'phone' : (field as string)] ?? null;
  else if (head === 'residence') {
    const temporary = r?.temporary && r.temporary.registeredOn <= TODAY && r.temporary.expiresOn >= TODAY ? r.temporary.address : null;
    raw = (field === 'permanentAddress' ? r?.permanent?.address : temporary) ?? null;
  } else if (head === 'household') {
    const household = d.households.get(d.residences.get(subjectId)?.householdId as string);
    raw = household?.members.find((m) => m.personalId === partyId)?.relationshipToHead ?? null;
  } else {
    const ofKind = (d.documents.get(partyId) ?? []).filter((x) => x.kind === KINDS[field as string]).sort((a, b) => b.issuedOn.localeCompare(a.issuedOn));
    const judged = ofKind.map((doc) => ({ doc, status: statusOn(doc, p) }));
    const pick = document === 'LATEST' ? judged[0] : judged.find((x) => x.status === 'VALID');
    if (!pick) return judged[0] ? { value: null, status: 'NOT_CURRENT', note: `${judged[0].doc.title} ${NOT_IN_FORCE[judged[0].status]}` } : { value: null, status: 'NOT_IN_REGISTRY' };
    if (pick.status !== 'VALID') note = `${pick.doc.title} ${NOT_IN_FORCE[pick.status]}`;
    const doc = pick.doc;
    raw = !part ? doc : part === 'number' ? doc.number : part === 'issuedOn' ? doc.issuedOn : doc.issuingAuthority;
  }
  if (raw === null) return { value: null, status: 'NOT_IN_REGISTRY' };
  const t = transform ?? 'none';
  const text = (x: unknown) => x as string;
  const a = raw as MockAddress;
  const doc = raw as MockDocument;
  const value =
    t === 'date' ? date(text(raw))
    : t === 'year' ? text(raw).slice(0, 4)
    : t === 'gender' ? (raw === 'MALE' ? 'Nam' : 'Nữ')
    : t === 'parentTitle' ? (raw === 'MALE' ? 'Cha' : 'Mẹ')
    : t === 'upper' ? text(raw).toLocaleUpperCase('vi')
    : t === 'address' ? address(a)
    : t === 'communePolice' ? `Công an ${inName(a.communeName)}, ${inName(a.provinceName)}`
    : t === 'communeCommittee' ? `Ủy ban nhân dân ${inName(a.communeName)}, ${inName(a.provinceName)}`
    : t === 'documentTitle' ? doc.title
    : t === 'identityDocument' ? `${NAMES[field as string]} số ${doc.number}, cấp ngày ${date(doc.issuedOn)}, nơi cấp: ${doc.issuingAuthority}`
    : text(raw);
  return { value, status: 'FILLED', note };
}

const OTHER_PARENT = new Set(['person.ethnicity', 'person.nationality', 'residence.permanentAddress', 'residence.temporaryAddress']);

/**
 * What a form says for a field, computed from the mock data: the registries' value, the
 * relatives' lives, the documents in force and the residence on TODAY, and what a citizen
 * may see of a relative (basic identity only).
 */
function expected(d: MockDataset, subjectId: string, def: FieldDef, asCitizen: boolean): Want {
  if (!def.source) return { value: null, status: 'TO_BE_TYPED' };
  const { parties, dead } = family(d, subjectId);
  const partyId = parties[def.party] ?? null;
  const own = def.party === 'APPLICANT' || def.party === 'LEGAL_REPRESENTATIVE' || partyId === subjectId;
  // A birth registration shows a citizen the other parent's ethnicity, nationality and residence (the catalogue's citizenRelatives).
  const otherParent = (def.party === 'CHILD_MOTHER' || def.party === 'CHILD_FATHER') && OTHER_PARENT.has(def.source ?? '');
  const visible = (source: string) => !asCitizen || own || IDENTITY.has(source) || otherParent;
  if (!partyId) return { value: null, status: visible(def.source) ? 'NOT_IN_REGISTRY' : 'NOT_PERMITTED' };
  const deceased = RELATIVES.has(def.party) && dead(partyId);
  if (deceased && def.whenDeceased !== 'KEEP') return { value: null, status: 'DECEASED', note: 'Đã mất' };
  if (!visible(def.source)) return { value: null, status: 'NOT_PERMITTED' };
  const main = valueOf(d, subjectId, def.source, def.transform, partyId, def.document);
  const choices = main.status === 'FILLED' ? [main.value as string] : [];
  let found = main;
  for (const alt of def.alternatives ?? []) {
    const other = valueOf(d, subjectId, alt, def.transform, partyId, def.document);
    if (other.status !== 'FILLED' || choices.includes(other.value as string)) continue;
    choices.push(other.value as string);
    if (found.status !== 'FILLED') found = other;
  }
  return { ...found, note: found.note ?? (deceased && found.status === 'FILLED' ? 'Đã mất' : null), options: choices.length > 1 ? choices : null };
}

/** A table's rows: household members (other than the subject when none are preset), or the residence history since the age the form names. */
function expectedRows(d: MockDataset, subjectId: string, def: FieldDef): { included: boolean; cells: Cell[] }[] | null {
  const columns = def.columns as FieldDef[];
  const cell = (c: FieldDef, want: Want): Cell => ({ key: c.key, value: want.value, status: want.status, editable: c.editable === true || !c.source || want.status !== 'FILLED' });
  if (def.party === 'HOUSEHOLD_MEMBERS') {
    const { household } = family(d, subjectId);
    if (!household) return null;
    return household.members
      .filter((m) => def.defaultRows !== 'NONE' || m.personalId !== subjectId)
      .map((m) => ({
        included: def.defaultRows !== 'NONE',
        cells: columns.map((c) => cell(c, c.source ? (IDENTITY.has(c.source) || m.personalId === subjectId ? valueOf(d, subjectId, c.source, c.transform, m.personalId, undefined) : { value: null, status: 'NOT_PERMITTED' }) : { value: null, status: 'TO_BE_TYPED' })),
      }));
  }
  const p = d.people.get(subjectId) as MockPerson;
  const since = `${Number(p.dateOfBirth.slice(0, 4)) + (def.historySinceAge ?? 0)}${p.dateOfBirth.slice(4)}`;
  const history = (d.residences.get(subjectId)?.history ?? []).filter((h) => (h.to === null || h.to >= since) && h.from <= TODAY);
  if (history.length === 0) return null;
  const monthYear = (iso: string) => `${iso.slice(5, 7)}/${iso.slice(0, 4)}`;
  return history.map((h) => ({
    included: true,
    cells: columns.map((c) => {
      const part = c.source?.split('.')[2];
      const value = part === 'from' ? monthYear(h.from < since ? since : h.from) : part === 'to' ? (h.to ? monthYear(h.to) : 'nay') : part === 'address' ? address(h.address, h.to !== null && h.to < '2025-07-01') : null;
      return cell(c, value === null ? { value: null, status: 'TO_BE_TYPED' } : { value, status: 'FILLED' });
    }),
  }));
}

/** Whether the form is for a subject of this age (TK01A: under 14; TK01: 14 and over; KHAI_SINH: adults). */
function fits(form: FormDef, p: MockPerson): boolean {
  const age = ageOn(p.dateOfBirth, TODAY);
  return age >= (form.subjectAge?.min ?? 0) && age < (form.subjectAge?.below ?? 200);
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

  it.each(FORMS.map((f) => [f.id]))('fills %s for 24 citizens with exactly the registry values as of today, and lists exactly what is missing', async (formId) => {
    const form = FORMS.find((f) => f.id === formId) as FormDef;
    const ids = subjects();
    expect(ids.length).toBeGreaterThanOrEqual(20);
    for (const id of ids) {
      const token = await stack.citizenToken(id);
      await stack.resetRegistryCalls();
      const res = await stack.graphql(PREFILL, { token, variables: { f: formId } });
      if (!fits(form, stack.dataset.people.get(id) as MockPerson)) {
        expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'formId' });
        continue;
      }
      expect(res.body.errors).toBeUndefined();
      const prefill = res.body.data?.prefill as { subjectId: string; missing: string[]; fields: Field[] };
      expect(prefill.subjectId).toBe(id);
      const wantMissing: string[] = [];
      for (const def of form.fields) {
        const got = prefill.fields.find((f) => f.key === def.key) as Field;
        if (def.columns) {
          const rows = expectedRows(stack.dataset, id, def);
          expect({ key: def.key, rows: got.rows, status: got.status }).toEqual({ key: def.key, rows: rows ?? [], status: rows ? 'FILLED' : 'NOT_IN_REGISTRY' });
          if (!rows) wantMissing.push(def.key);
          continue;
        }
        const want = expected(stack.dataset, id, def, true);
        expect({ key: def.key, value: got.value, status: got.status, note: got.note, options: got.options }).toEqual({ key: def.key, note: null, options: null, ...want });
        expect({ key: def.key, editable: got.editable }).toEqual({ key: def.key, editable: def.editable === true || want.status !== 'FILLED' });
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
    expect(fields.find((f) => f.key === 'noiSinh')?.status).toBe('FILLED');
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
    expect(forms.map((f) => f.id)).toEqual(['CT01', 'KHAI_SINH', 'LLTP_03', 'TK01', 'TK01A']);
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
    for (const f of prefill.fields.filter((x) => x.status === 'FILLED' && !x.rows && !x.editable)) expect(values[f.key]).toBe(f.value);
    // What the citizen may change, or had to type, is theirs: not attested.
    for (const f of prefill.fields.filter((x) => x.editable && !x.rows)) expect(values[f.key]).toBeUndefined();
  });

  it('accepts the form as prefilled, and with editable fields changed', async () => {
    expect(await verify(prefill.attestation, submitted(prefill.fields))).toMatchObject({ valid: true, reason: null, alteredLockedFields: [] });
    const edited = submitted(prefill.fields).map((f) => (f.key === 'soDienThoai' ? { ...f, value: '0900000000' } : f.key === 'noiDungDeNghi' ? { ...f, value: 'Chuyển hộ khẩu' } : f));
    expect((await verify(prefill.attestation, edited)).valid).toBe(true);
  });

  it('accepts a registration into another household: the head and the relationship to them typed anew', async () => {
    const other = stack.dataset.people.get(stack.persona('married-couple')) as MockPerson;
    const moved = submitted(prefill.fields).map((f) =>
      f.key === 'hoTenChuHo' ? { ...f, value: other.fullName } : f.key === 'soDinhDanhChuHo' ? { ...f, value: other.id } : f.key === 'quanHeVoiChuHo' ? { ...f, value: 'Mẹ' } : f,
    );
    expect(await verify(prefill.attestation, moved)).toMatchObject({ valid: true, alteredLockedFields: [] });
  });

  it('offers the household members without putting them on the form, and accepts the ones chosen with their new relationship', async () => {
    const table = prefill.fields.find((f) => f.key === 'thanhVienCungThayDoi') as Field;
    const household = stack.dataset.households.get(stack.dataset.residences.get(prefill.subjectId)?.householdId as string);
    expect(table.rows?.length).toBe((household?.members.length ?? 0) - 1);
    expect(table.rows?.every((r) => !r.included)).toBe(true);
    expect(table.rows?.flatMap((r) => r.cells.map((c) => c.key))).not.toContain(undefined);
    // As a portal submits it by default: nobody else changes.
    const none = submitted(prefill.fields).map((f) => (f.key === table.key ? { key: f.key, rows: [] } : f));
    expect((await verify(prefill.attestation, none)).valid).toBe(true);
    const chosen = (table.rows ?? []).slice(0, 1).map((r) => ({ cells: r.cells.map((c) => ({ key: c.key, value: c.key === 'quanHeVoiChuHo' ? 'Con' : c.value })) }));
    const one = submitted(prefill.fields).map((f) => (f.key === table.key ? { key: f.key, rows: chosen } : f));
    expect((await verify(prefill.attestation, one)).valid).toBe(true);
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

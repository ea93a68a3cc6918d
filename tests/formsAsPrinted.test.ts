import type { MockDataset, MockDocument, MockPerson } from '../mocks/data/types';
import { ageOn } from '../src/domain/dates';
import { legacyProvince, province } from '../src/domain/provinces';
import { startStack, type Stack } from './helpers/stack';

interface Cell { key: string; value: string | null; status: string; editable: boolean }
interface Field { key: string; value: string | null; status: string; editable: boolean; note: string | null; options: string[] | null; rows: { included: boolean; cells: Cell[] }[] | null }
interface Prefill { formId: string; subjectId: string; attestation: string; missing: string[]; fields: Field[] }

const PREFILL = `query($f: ID!, $s: PersonalId) { prefill(formId: $f, subjectId: $s) {
  formId subjectId attestation missing fields { key value status editable note options rows { included cells { key value status editable } } } } }`;
const VERIFY = `query($a: String!, $s: [SubmittedField!]!, $f: ID!, $p: PersonalId!) {
  verifyPrefill(attestation: $a, submitted: $s, formId: $f, subjectId: $p) { valid reason alteredLockedFields } }`;
/** Today in Vietnam, the day the gateway judges documents and lives on. */
const TODAY = new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 10);

/** The form as a portal submits it, untouched. */
const asSubmitted = (fields: Field[]) =>
  fields.map((f) => (f.rows ? { key: f.key, rows: f.rows.filter((r) => r.included).map((r) => ({ cells: r.cells.map((c) => ({ key: c.key, value: c.value })) })) } : { key: f.key, value: f.value }));

describe('forms as printed', () => {
  let stack: Stack;
  let d: MockDataset;
  beforeAll(async () => {
    stack = await startStack();
    d = stack.dataset;
  });
  afterAll(() => stack.stop());

  const living = () => [...d.people.values()].filter((p) => !p.dateOfDeath && d.residences.get(p.id)?.householdId);
  const find = (test: (p: MockPerson) => boolean, what: string): MockPerson => {
    const found = living().find(test);
    if (!found) throw new Error(`no ${what} in the dataset`);
    return found;
  };
  const age = (p: MockPerson) => ageOn(p.dateOfBirth, TODAY);
  const docs = (p: MockPerson, kind: string) => (d.documents.get(p.id) ?? []).filter((x) => x.kind === kind);
  const inForce = (x: MockDocument) => x.status === 'VALID' && (x.expiresOn === null || x.expiresOn >= TODAY);

  async function prefill(citizen: string, formId: string, options: { subject?: string; purpose?: string } = {}) {
    const token = await stack.citizenToken(citizen);
    return stack.graphql(PREFILL, { token, variables: { f: formId, s: options.subject }, headers: options.purpose ? { 'x-purpose': options.purpose } : {} });
  }
  async function filled(citizen: string, formId: string, options: { subject?: string; purpose?: string } = {}): Promise<Prefill> {
    const res = await prefill(citizen, formId, options);
    expect(res.body.errors).toBeUndefined();
    return res.body.data?.prefill as Prefill;
  }
  const field = (p: Prefill, key: string) => p.fields.find((f) => f.key === key) as Field;
  async function verify(citizen: string, p: Prefill, submitted: unknown) {
    const token = await stack.citizenToken(citizen);
    const res = await stack.graphql(VERIFY, { token, variables: { a: p.attestation, s: submitted, f: p.formId, p: p.subjectId } });
    return res.body.data?.verifyPrefill as { valid: boolean; alteredLockedFields: string[] };
  }

  describe('lives', () => {
    it("leaves a widower's spouse empty and editable on LLTP_03, with the reason, and accepts what he types", async () => {
      const widower = stack.persona('widowed');
      const form = await filled(widower, 'LLTP_03');
      for (const key of ['voChong.hoTen', 'voChong.ngaySinh']) {
        expect(field(form, key)).toMatchObject({ value: null, status: 'DECEASED', editable: true, note: 'Đã mất' });
      }
      expect(form.missing).toEqual(expect.arrayContaining(['voChong.hoTen', 'voChong.ngaySinh']));
      const typed = asSubmitted(form.fields).map((f) => (f.key === 'voChong.hoTen' ? { ...f, value: 'Không' } : f));
      expect(await verify(widower, form, typed)).toMatchObject({ valid: true });
    });

    it('keeps a deceased parent on LLTP_03 and TK01, which ask for the parents whether living or not, marked and locked', async () => {
      const orphan = find((p) => age(p) >= 18 && !!p.fatherId && !!d.people.get(p.fatherId)?.dateOfDeath, 'adult whose father has died');
      const father = d.people.get(orphan.fatherId as string) as MockPerson;
      const lltp = await filled(orphan.id, 'LLTP_03');
      expect(field(lltp, 'cha.hoTen')).toMatchObject({ value: father.fullName.toLocaleUpperCase('vi'), status: 'FILLED', editable: false, note: 'Đã mất' });
      const tk01 = await filled(orphan.id, 'TK01');
      expect(field(tk01, 'cha.hoTen')).toMatchObject({ value: father.fullName, status: 'FILLED', editable: false, note: 'Đã mất' });
    });
  });

  describe('documents in force today', () => {
    it('prefills no identity card past its validity date as the current one, though the registry still says VALID, and says why', async () => {
      const newest = (p: MockPerson) => docs(p, 'CAN_CUOC').sort((a, b) => b.issuedOn.localeCompare(a.issuedOn))[0];
      const holder = find((p) => {
        const card = newest(p);
        return age(p) >= 14 && !!card && card.status === 'VALID' && card.expiresOn !== null && card.expiresOn < TODAY && !docs(p, 'CAN_CUOC').some(inForce);
      }, 'citizen whose identity card ran out after the registry last judged it');
      const card = newest(holder) as MockDocument;
      const tk01 = await filled(holder.id, 'TK01');
      expect(field(tk01, 'ngayCapDinhDanh')).toMatchObject({ value: null, editable: true, status: 'NOT_CURRENT', note: `${card.title} đã hết hạn` });
      const lltp = await filled(holder.id, 'LLTP_03');
      expect(lltp.fields.map((f) => f.value)).not.toContain(card.number);
      expect(field(lltp, 'giayToTuyThan.so')).toMatchObject({ status: 'NOT_CURRENT', editable: true });
    });

    it("does not prefill the divorced persona's dissolved marriage certificate as valid", async () => {
      const divorced = stack.dataset.people.get(stack.persona('divorced')) as MockPerson;
      const certificate = docs(divorced, 'GIAY_CHUNG_NHAN_KET_HON')[0] as MockDocument;
      expect(certificate.status).toBe('DISSOLVED');
      const form = await filled(divorced.id, 'KHAI_SINH');
      expect(field(form, 'giayChungNhanKetHon')).toMatchObject({ value: null, status: 'NOT_CURRENT', editable: true, note: 'Giấy chứng nhận kết hôn không còn hiệu lực' });
      expect(JSON.stringify(form.fields)).not.toContain(certificate.number);
    });

    it('prefills the latest passport on TK01 whatever its state, as the form asks, with its state noted', async () => {
      const holder = find((p) => age(p) >= 14 && docs(p, 'HO_CHIEU').length > 0 && !docs(p, 'HO_CHIEU').some(inForce), 'citizen whose passports have all run out');
      const latest = docs(holder, 'HO_CHIEU').sort((a, b) => b.issuedOn.localeCompare(a.issuedOn))[0] as MockDocument;
      const form = await filled(holder.id, 'TK01');
      expect(field(form, 'hoChieuGanNhat.so')).toMatchObject({ value: latest.number, status: 'FILLED', editable: false, note: expect.stringContaining(latest.title) });
    });
  });

  describe('KHAI_SINH', () => {
    it('refuses an 11-year-old as a parent declaring a birth', async () => {
      const child = stack.dataset.people.get(stack.persona('child')) as MockPerson;
      expect(age(child)).toBeGreaterThanOrEqual(11);
      const res = await prefill(child.id, 'KHAI_SINH');
      expect(res.body.data).toBeNull();
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'formId', reason: 'KHAI_SINH is for subjects aged 18 or over' });
    });

    it('names a married father and his wife as the parents, and leaves what a citizen may not see of her for him to type', async () => {
      const mother = stack.dataset.people.get(stack.persona('birth-registration-parent')) as MockPerson;
      const husband = d.people.get(mother.spouseId as string) as MockPerson;
      const form = await filled(husband.id, 'KHAI_SINH');
      expect(field(form, 'cha.hoTen')).toMatchObject({ value: husband.fullName, editable: false });
      expect(field(form, 'me.hoTen')).toMatchObject({ value: mother.fullName, editable: false });
      expect(field(form, 'nguoiYeuCau.quanHe')).toMatchObject({ value: 'Cha', editable: true });
      // The birth registration's purpose lets a citizen see what the form asks of the other parent.
      expect(field(form, 'me.danToc')).toMatchObject({ value: mother.ethnicity, status: 'FILLED', editable: false });
      expect(field(form, 'me.quocTich')).toMatchObject({ value: mother.nationality, status: 'FILLED', editable: false });
      expect(field(form, 'me.noiCuTru')).toMatchObject({ status: 'FILLED' });
    });

    it('names an unmarried woman as the mother only, and leaves the father to type', async () => {
      const single = find((p) => p.gender === 'FEMALE' && p.maritalStatus === 'SINGLE' && !p.spouseId && age(p) >= 20, 'unmarried adult woman');
      const form = await filled(single.id, 'KHAI_SINH');
      expect(field(form, 'me.hoTen')).toMatchObject({ value: single.fullName, status: 'FILLED' });
      for (const key of ['cha.hoTen', 'cha.namSinh']) expect(field(form, key)).toMatchObject({ value: null, status: 'NOT_IN_REGISTRY', editable: true });
    });

    it('offers the temporary residence as "nơi cư trú" where the applicant lives, and accepts either registry value but no other', async () => {
      const id = stack.persona('temporary-residence');
      const residence = d.residences.get(id);
      const form = await filled(id, 'KHAI_SINH');
      const place = field(form, 'nguoiYeuCau.noiCuTru');
      const temporary = `${residence?.temporary?.address.line}, ${residence?.temporary?.address.communeName}, ${residence?.temporary?.address.provinceName}`;
      expect(place).toMatchObject({ status: 'FILLED', editable: false, options: [place.value, temporary] });
      const choose = (value: string) => asSubmitted(form.fields).map((f) => (f.key === place.key ? { ...f, value } : f));
      expect(await verify(id, form, choose(temporary))).toMatchObject({ valid: true });
      expect(await verify(id, form, choose('Số 1, đường Không Có, Phường Ba Đình, Thành phố Hà Nội'))).toMatchObject({ valid: false, alteredLockedFields: ['nguoiYeuCau.noiCuTru'] });
    });
  });

  describe('LLTP_03', () => {
    it('prints the name in capitals, the other names, the document type and the residence history since 14 from the registry', async () => {
      const person = find((p) => age(p) >= 30 && p.otherNames.length > 0 && docs(p, 'CAN_CUOC').some(inForce), 'adult with another name and an identity card');
      const form = await filled(person.id, 'LLTP_03');
      expect(field(form, 'hoTen').value).toBe(person.fullName.toLocaleUpperCase('vi'));
      expect(field(form, 'tenGoiKhac')).toMatchObject({ value: person.otherNames.join(', '), status: 'FILLED' });
      expect(field(form, 'giayToTuyThan.loai').value).toMatch(/^Thẻ (Căn cước công dân|căn cước)$/);
      const history = field(form, 'quaTrinhCuTru');
      const since = `${Number(person.dateOfBirth.slice(0, 4)) + 14}${person.dateOfBirth.slice(4)}`;
      const registered = (d.residences.get(person.id)?.history ?? []).filter((h) => h.to === null || h.to >= since);
      expect(history.rows?.length).toBe(registered.length);
      expect(history.rows?.[0]?.cells.find((c) => c.key === 'tuThang')?.value).toBe(`${since.slice(5, 7)}/${since.slice(0, 4)}`);
      expect(history.rows?.at(-1)?.cells.find((c) => c.key === 'denThang')?.value).toBe('nay');
      expect(history.rows?.[0]?.cells.map((c) => [c.key, c.editable])).toEqual([['tuThang', false], ['denThang', false], ['noiCuTru', false], ['ngheNghiep', true]]);
    });

    it('keeps every registered residence on verification, and lets the citizen add one the registry lacks', async () => {
      const id = stack.persona('no-documents');
      const form = await filled(id, 'LLTP_03');
      const table = field(form, 'quaTrinhCuTru');
      const rows = (table.rows ?? []).map((r) => ({ cells: r.cells.map((c) => ({ key: c.key, value: c.key === 'ngheNghiep' ? 'Nông dân' : c.value })) }));
      const abroad = { cells: [{ key: 'tuThang', value: '01/1990' }, { key: 'denThang', value: '12/1991' }, { key: 'noiCuTru', value: 'Praha, Cộng hòa Séc' }, { key: 'ngheNghiep', value: 'Công nhân' }] };
      const submit = (r: unknown[]) => asSubmitted(form.fields).map((f) => (f.key === table.key ? { key: f.key, rows: r } : f));
      expect(await verify(id, form, submit([...rows, abroad]))).toMatchObject({ valid: true });
      expect(await verify(id, form, submit(rows.slice(1)))).toMatchObject({ valid: false, alteredLockedFields: ['quaTrinhCuTru'] });
    });

    it('is prefilled for the provincial police, which issue the certificates since 2025-03-01, and no longer for the Department of Justice', async () => {
      const id = stack.persona('criminal-record-certificate');
      const police = await stack.agencyToken('CA_HN', ['criminal-record.issue']);
      const res = await stack.graphql(PREFILL, { token: police, variables: { f: 'LLTP_03', s: id }, headers: { 'x-purpose': 'CRIMINAL_RECORD' } });
      expect(res.body.errors).toBeUndefined();
      expect(field(res.body.data?.prefill as Prefill, 'quaTrinhCuTru').rows?.length).toBeGreaterThan(0);
      const justice = await stack.agencyToken('STP_HN', ['criminal-record.issue']);
      const refused = await stack.graphql(PREFILL, { token: justice, variables: { f: 'LLTP_03', s: id }, headers: { 'x-purpose': 'CRIMINAL_RECORD' } });
      expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', rule: 'NO_GRANT' });
    });
  });

  describe('TK01 and TK01A', () => {
    it('writes the place of birth as the province in today\'s units on TK01', async () => {
      const person = find((p) => age(p) >= 14 && p.placeOfBirth.startsWith('Bệnh viện'), 'adult born in a hospital');
      const form = await filled(person.id, 'TK01');
      const today = province(legacyProvince(person.birthProvinceCode)?.mergedInto ?? '')?.fullName;
      expect(field(form, 'noiSinh')).toMatchObject({ value: today, status: 'FILLED' });
      expect(field(form, 'noiSinh').value).not.toContain('Bệnh viện');
    });

    it('fills TK01A for a parent acting with GUARDIAN, with their own legal representative block', async () => {
      const child = stack.dataset.people.get(stack.persona('minor')) as MockPerson;
      const father = d.people.get(child.fatherId as string) as MockPerson;
      const form = await filled(father.id, 'TK01A', { subject: child.id, purpose: 'GUARDIAN' });
      expect(form.subjectId).toBe(child.id);
      expect(field(form, 'hoTen').value).toBe(child.fullName.toLocaleUpperCase('vi'));
      expect(field(form, 'daiDien.hoTen')).toMatchObject({ value: father.fullName.toLocaleUpperCase('vi'), editable: false });
      expect(field(form, 'daiDien.quanHe')).toMatchObject({ value: 'Cha', editable: false });
      const residence = d.residences.get(father.id)?.permanent?.address;
      expect(field(form, 'daiDien.diaChiThuongTru').value).toBe(`${residence?.line}, ${residence?.communeName}, ${residence?.provinceName}`);
      expect(await verify(father.id, form, asSubmitted(form.fields))).toMatchObject({ valid: true });
    });

    it('refuses TK01A for a child of 14 or more, and TK01 for a child under 14', async () => {
      const teen = find((p) => age(p) >= 14 && age(p) < 18 && !!p.fatherId && d.residences.get(p.fatherId)?.householdId === d.residences.get(p.id)?.householdId, 'teenager living with their father');
      const res = await prefill(teen.fatherId as string, 'TK01A', { subject: teen.id, purpose: 'GUARDIAN' });
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', rule: 'GUARDIAN' });
      const own = await prefill(teen.id, 'TK01A');
      expect(own.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'formId', reason: 'TK01A is for subjects under 14; use TK01' });
      const minor = stack.persona('minor');
      const tooYoung = await prefill((d.people.get(minor) as MockPerson).motherId as string, 'TK01', { subject: minor, purpose: 'GUARDIAN' });
      expect(tooYoung.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'TK01 is for subjects aged 14 or over; use TK01A' });
    });

    it('leaves the legal representative for the passport office to type: an agency knows no representative', async () => {
      const child = stack.persona('minor');
      const token = await stack.agencyToken('XNC', ['passport.issue']);
      const res = await stack.graphql(PREFILL, { token, variables: { f: 'TK01A', s: child }, headers: { 'x-purpose': 'PASSPORT' } });
      expect(res.body.errors).toBeUndefined();
      const form = res.body.data?.prefill as Prefill;
      expect(form.fields.filter((f) => f.key.startsWith('daiDien.')).every((f) => f.value === null && f.editable)).toBe(true);
      expect(field(form, 'hoTen').status).toBe('FILLED');
    });
  });
});

import DataLoader from 'dataloader';
import type { DocumentRecord, HolderDocuments, PersonRecord, ProvenanceRecord, RegistryName, ResidenceRecord } from '../../connectors/types';
import { createSchema } from '../../src/graphql/createSchema';
import { loadForms } from '../../src/forms/loadForms';
import { IneligibleSubjectError, prefillForm, type FieldPermission, type PrefilledValue } from '../../src/forms/prefill';
import { loadCatalogue, readCatalogueFile } from '../../src/policy/loadCatalogue';
import type { Loaders } from '../../src/request/createLoaders';

/**
 * Prefill without HTTP: the forms of the shipped catalogue filled from registry records
 * held in memory, one family whose life has moved on — a widower whose identity card
 * expired and was renewed, whose father has died, whose passport has expired. Every
 * judgement is made on `today`; the loaders count the batches each registry would get.
 */
const { facts } = createSchema();
const forms = loadForms(facts, loadCatalogue(readCatalogueFile(), facts));
const TODAY = '2026-12-01';

const SUBJECT = '001060000011';
const WIFE = '001162000021';
const FATHER = '001030000031';
const MOTHER = '001134000041';
const SON = '001095000051';
const GRANDSON = '001220000061';

const from = (registry: RegistryName, asOf = '2026-01-10T00:00:00Z'): ProvenanceRecord => ({ registry, asOf, fetchedAt: `${TODAY}T01:00:00Z`, fromCache: false, ageSeconds: 0, stale: false });

function person(id: string, fields: Partial<PersonRecord>): PersonRecord {
  return {
    id, legacyIdNumber: null, fullName: '', otherNames: [], dateOfBirth: '1960-01-01', gender: 'MALE', placeOfBirth: 'Xã Đông Anh, Huyện Đông Anh, Thành phố Hà Nội',
    placeOfBirthProvince: 'Thành phố Hà Nội', placeOfBirthProvinceCode: '01', birthRegistrationPlace: null, hometown: 'Thành phố Hà Nội', ethnicity: 'Kinh', religion: 'Không',
    nationality: 'Việt Nam', bloodType: null, maritalStatus: 'SINGLE', dateOfDeath: null, fatherId: null, motherId: null, spouseId: null, childrenIds: [],
    phoneNumber: null, email: null, provenance: from('POPULATION'), ...fields,
  };
}

function document(id: string, fields: Partial<DocumentRecord> & Pick<DocumentRecord, 'type' | 'number' | 'issuedOn'>): DocumentRecord {
  return { id, title: null, issuer: 'Cục Cảnh sát quản lý hành chính về trật tự xã hội', validUntil: null, status: 'VALID', statusChangedOn: null, statusReason: null, refersTo: null, provenance: from('DOCUMENTS'), ...fields };
}

const ADDRESS = { full: 'Số 12 phố Hàng Bạc, Phường Hoàn Kiếm, Thành phố Hà Nội', line: 'Số 12 phố Hàng Bạc', communeCode: '00070', communeName: 'Phường Hoàn Kiếm', districtName: null, provinceCode: '01', provinceName: 'Thành phố Hà Nội', unitsAsOf: '2025-07-01' };
const HOUSEHOLD = {
  id: 'HK0100000001', headId: SUBJECT, address: ADDRESS, provenance: from('RESIDENCE'),
  members: [{ personalId: SUBJECT, relationshipToHead: 'Chủ hộ' }, { personalId: SON, relationshipToHead: 'Con' }, { personalId: GRANDSON, relationshipToHead: 'Cháu' }],
};
const resident = (id: string, relationshipToHead: string): ResidenceRecord => ({
  personalId: id, residenceRecordNumber: null, permanentAddress: ADDRESS, permanentSince: '1990-05-02', temporaryAddress: null, temporarySince: null, temporaryUntil: null,
  currentAddress: ADDRESS, deregistration: null, history: [{ kind: 'PERMANENT', address: ADDRESS, from: '1990-05-02', to: null }], relationshipToHead, household: HOUSEHOLD, provenance: from('RESIDENCE'),
});

const PEOPLE = new Map<string, PersonRecord>([
  [SUBJECT, person(SUBJECT, { fullName: 'Nguyễn Văn Bình', maritalStatus: 'WIDOWED', spouseId: WIFE, fatherId: FATHER, motherId: MOTHER, childrenIds: [SON], phoneNumber: '0912345678' })],
  [WIFE, person(WIFE, { fullName: 'Trần Thị Hoa', gender: 'FEMALE', dateOfBirth: '1962-03-04', maritalStatus: 'MARRIED', spouseId: SUBJECT, dateOfDeath: '2005-08-09' })],
  [FATHER, person(FATHER, { fullName: 'Nguyễn Văn Cường', dateOfBirth: '1930-02-03', maritalStatus: 'MARRIED', spouseId: MOTHER, childrenIds: [SUBJECT], dateOfDeath: '2019-11-20' })],
  [MOTHER, person(MOTHER, { fullName: 'Lê Thị Dung', gender: 'FEMALE', dateOfBirth: '1934-06-07', maritalStatus: 'WIDOWED', spouseId: FATHER, childrenIds: [SUBJECT] })],
  [SON, person(SON, { fullName: 'Nguyễn Văn Đức', dateOfBirth: '1995-09-10', fatherId: SUBJECT, motherId: WIFE, childrenIds: [GRANDSON] })],
  [GRANDSON, person(GRANDSON, { fullName: 'Nguyễn Minh Khang', dateOfBirth: '2020-04-05', fatherId: SON })],
]);
const RESIDENTS = new Map<string, ResidenceRecord>([[SUBJECT, resident(SUBJECT, 'Chủ hộ')], [SON, resident(SON, 'Con')], [GRANDSON, resident(GRANDSON, 'Cháu')]]);
const HOLDERS = new Map<string, HolderDocuments>([
  [SUBJECT, {
    holderId: SUBJECT, provenance: from('DOCUMENTS'), documents: [
      document('d1', { type: 'IDENTITY_CARD', number: '001060000011', issuedOn: '2016-04-01', validUntil: '2020-01-01' }),
      document('d2', { type: 'IDENTITY_CARD', number: '001060000011', issuedOn: '2021-05-06', validUntil: '2035-01-01' }),
      document('d3', { type: 'PASSPORT', number: 'C1234567', issuedOn: '2012-07-08', validUntil: '2022-07-08' }),
    ],
  }],
]);

/** Loaders over the records above that count the batches each registry gets, and what was asked. */
function countingLoaders() {
  const batches: Record<RegistryName, string[][]> = { POPULATION: [], RESIDENCE: [], DOCUMENTS: [] };
  const over = <T>(registry: RegistryName, records: Map<string, T>) =>
    new DataLoader<string, T | null>(async (ids) => {
      batches[registry].push([...ids]);
      return ids.map((id) => records.get(id) ?? null);
    });
  const loaders: Loaders = {
    person: over('POPULATION', PEOPLE),
    residence: over('RESIDENCE', RESIDENTS),
    documents: over('DOCUMENTS', HOLDERS),
    disputes: new DataLoader(async (ids) => ids.map(() => [])),
  };
  return { loaders, batches };
}

const everything: FieldPermission = () => true;
const field = (fields: PrefilledValue[], key: string) => fields.find((f) => f.key === key) as PrefilledValue;

async function fill(formId: string, options: { subject?: string; may?: FieldPermission; today?: string; actorId?: string | null } = {}) {
  const { loaders, batches } = countingLoaders();
  const form = forms.get(formId);
  if (!form) throw new Error(`no form ${formId}`);
  const result = await prefillForm(form, options.subject ?? SUBJECT, { may: options.may ?? everything, loaders, today: options.today ?? TODAY, actorId: options.actorId ?? null });
  return { result, batches };
}

describe('prefill, judged on the day, without HTTP', () => {
  it('never prefills a widower’s deceased spouse as living, and reads nothing of her', async () => {
    const { result, batches } = await fill('TK01');
    expect(field(result.fields, 'voChong.hoTen')).toMatchObject({ value: null, status: 'DECEASED', note: 'Đã mất', editable: true });
    expect(batches.POPULATION.flat()).not.toContain(WIFE);
    expect(result.disclosed.has(WIFE)).toBe(false);
  });

  it('marks a deceased parent with the form’s note and records that the death was disclosed', async () => {
    const { result } = await fill('TK01');
    const father = field(result.fields, 'cha.hoTen');
    expect(father.value).toBe('Nguyễn Văn Cường');
    expect(father.note).toBe('Đã mất');
    expect(result.disclosed.get(FATHER)?.fields.has('person.dateOfDeath')).toBe(true);
    expect(field(result.fields, 'me.hoTen')).toMatchObject({ value: 'Lê Thị Dung', note: null, status: 'FILLED', editable: false });
  });

  it('takes the identity card in force today, not the expired one, and never passes an expired passport as current', async () => {
    const { result } = await fill('TK01');
    expect(field(result.fields, 'ngayCapDinhDanh')).toMatchObject({ status: 'FILLED' });
    expect(field(result.fields, 'ngayCapDinhDanh').value).toContain('2021');
    const passport = field(result.fields, 'hoChieuGanNhat.so');
    // TK01 asks for the latest passport, expired or not, and says it has expired.
    expect(passport.value).toBe('C1234567');
    expect(passport.note).toMatch(/đã hết hạn/);
  });

  it('judges the same record again when the day moves: the renewed card expires too', async () => {
    const { result } = await fill('LLTP_03', { today: '2035-06-01' });
    expect(field(result.fields, 'giayToTuyThan.so')).toMatchObject({ value: null, status: 'NOT_CURRENT', editable: true });
    expect(field(result.fields, 'giayToTuyThan.so').note).toMatch(/đã hết hạn/);
    expect(result.missing).toContain('giayToTuyThan.so');
  });

  it('leaves a field the caller may not see empty and editable, and reads no registry for it', async () => {
    const may: FieldPermission = (hop, coordinate) => !(hop === 0 && coordinate.startsWith('Citizen.documents'));
    const { result, batches } = await fill('LLTP_03', { may });
    for (const key of ['giayToTuyThan.so', 'giayToTuyThan.ngayCap', 'giayToTuyThan.noiCap']) {
      expect(field(result.fields, key)).toMatchObject({ value: null, status: 'NOT_PERMITTED', editable: true });
    }
    expect(batches.DOCUMENTS).toEqual([]);
    // LLTP_03 prints names in capitals.
    expect(field(result.fields, 'hoTen')).toMatchObject({ value: 'NGUYỄN VĂN BÌNH', status: 'FILLED', editable: false });
  });

  it('asks each registry at most once per level: the subject, then every relative in one batch', async () => {
    const { batches } = await fill('LLTP_03');
    expect(batches.POPULATION).toEqual([[SUBJECT], expect.arrayContaining([FATHER, MOTHER])]);
    expect(batches.POPULATION[1]).toHaveLength(2);
    expect(batches.DOCUMENTS).toEqual([[SUBJECT]]);
    expect(batches.RESIDENCE).toEqual([[SUBJECT]]);
  });

  it('offers the household’s other members on CT01 without including them, the applicant left out', async () => {
    const { result } = await fill('CT01');
    const members = field(result.fields, 'thanhVienCungThayDoi');
    expect(members.rows?.map((r) => r.included)).toEqual([false, false]);
    expect(members.rows?.map((r) => r.cells.find((c) => c.value === 'Con' || c.value === 'Cháu')?.value)).toEqual(['Con', 'Cháu']);
    expect(field(result.fields, 'hoTenChuHo')).toMatchObject({ value: 'Nguyễn Văn Bình', status: 'FILLED' });
  });

  it('refuses a subject outside the form’s ages, naming the form to use instead, in both languages', async () => {
    const error = await fill('TK01', { subject: GRANDSON }).then(() => null, (err: unknown) => err);
    expect(error).toBeInstanceOf(IneligibleSubjectError);
    expect((error as IneligibleSubjectError).reason.en).toMatch(/TK01A/);
    expect((error as IneligibleSubjectError).reason.vi).toMatch(/tờ khai TK01A/);
  });

  it('says NOT_IN_REGISTRY, editable, for a subject the population registry does not hold', async () => {
    const { result } = await fill('LLTP_03', { subject: '001099999999' });
    expect(field(result.fields, 'hoTen')).toMatchObject({ value: null, status: 'NOT_IN_REGISTRY', editable: true });
  });
});

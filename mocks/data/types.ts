/**
 * The synthetic registries' internal records. The HTTP services render them in each
 * registry's own wire format; nothing outside `mocks/` depends on these types.
 */

export type Gender = 'MALE' | 'FEMALE';
export type MaritalStatus = 'SINGLE' | 'MARRIED' | 'DIVORCED' | 'WIDOWED';

/** The same place as written before 2025-07-01, in the 63-province units (what older records and banks hold). */
export interface MockLegacyAddress {
  /** Two-digit QĐ 124/2004 province code. */
  provinceCode: string;
  /** "Tỉnh Nam Định", "Thành phố Hà Nội". */
  provinceName: string;
  /** "Quận Ba Đình", "Huyện Hải Hậu". */
  districtName: string;
  /** "Phường Trúc Bạch". */
  communeName: string;
}

export interface MockAddress {
  line: string;
  communeCode: string;
  communeName: string;
  provinceCode: string;
  provinceName: string;
  /** Date from which these unit codes are valid (the 2025 reorganisation). */
  unitsAsOf: string;
  /** The pre-2025-07-01 form of this address: one of the legacy communes the commune was formed from. */
  legacy: MockLegacyAddress;
}

export interface MockPerson {
  id: string;
  legacyIdNumber: string | null;
  familyName: string;
  fullName: string;
  otherNames: string[];
  dateOfBirth: string;
  gender: Gender;
  /** Legacy province code where the birth was registered (the ID prefix without "0"). */
  birthProvinceCode: string;
  /** As recorded at birth registration, in the units of the time. */
  placeOfBirth: string;
  birthRegistrationPlace: string;
  hometown: string;
  ethnicity: string;
  religion: string;
  nationality: string;
  bloodType: string | null;
  /** Status today, or at death for the deceased. */
  maritalStatus: MaritalStatus;
  dateOfDeath: string | null;
  fatherId: string | null;
  motherId: string | null;
  /** Current spouse; for the widowed, the deceased spouse; null after a divorce. */
  spouseId: string | null;
  childrenIds: string[];
  phone: string | null;
  email: string | null;
  updatedAt: string;
}

/** Kind of a residence registration (Luật Cư trú 2020: thường trú, tạm trú). */
export type MockRegistrationKind = 'PERMANENT' | 'TEMPORARY';

/**
 * One registration in a resident's history. Permanent registrations follow each other without
 * gaps; temporary ones overlap them (a temporary resident keeps their permanent residence).
 */
export interface MockRegistration {
  kind: MockRegistrationKind;
  address: MockAddress;
  from: string;
  /** Last day of the registration; null while it is current. */
  to: string | null;
}

export interface MockResidence {
  personalId: string;
  residenceRecordNumber: string;
  permanent: { address: MockAddress; registeredOn: string } | null;
  /** Current temporary registration; valid on the data's `asOf` date, up to two years long. */
  temporary: { address: MockAddress; registeredOn: string; expiresOn: string } | null;
  current: MockAddress | null;
  /** Set when the permanent registration was struck off: reason "Chết" on the date of death. */
  deregistration: { reason: string; on: string } | null;
  householdId: string | null;
  relationshipToHead: string | null;
  /** Every registration since birth, oldest first, ending with the current ones. */
  history: MockRegistration[];
  updatedAt: string;
}

export interface MockHousehold {
  id: string;
  headId: string;
  address: MockAddress;
  members: { personalId: string; relationshipToHead: string }[];
  updatedAt: string;
}

/** Document kinds as the issued-document registry names them. */
export type MockDocumentKind =
  | 'GIAY_KHAI_SINH'
  | 'GIAY_CHUNG_NHAN_KET_HON'
  | 'BAN_AN_QUYET_DINH_LY_HON'
  | 'CAN_CUOC'
  | 'HO_CHIEU'
  | 'GIAY_PHEP_LAI_XE'
  | 'PHIEU_LY_LICH_TU_PHAP';

/**
 * The issued-document registry's status of a document. The registry sets it when something
 * happens to the document; it does not re-judge validity dates every day, so a VALID document
 * past its `expiresOn` is expired all the same (consumers judge dates at read time).
 *
 * - `VALID`: in force as far as the registry knows.
 * - `EXPIRED`: the registry has recorded that its validity period ended.
 * - `REVOKED`: withdrawn or cancelled by the issuer or by law (an identity card or passport
 *   whose holder has died, a licence withdrawn).
 * - `LOST`: reported lost or stolen by the holder; it must not be accepted.
 * - `DISSOLVED`: the legal relationship it evidences has ended: a marriage certificate after a
 *   divorce judgment or decision takes effect, or after the death of a spouse. The document
 *   remains proof that the marriage existed.
 */
export type MockDocumentStatus = 'VALID' | 'EXPIRED' | 'REVOKED' | 'LOST' | 'DISSOLVED';

/** Every registry document status, in the order above. */
export const MOCK_DOCUMENT_STATUSES: readonly MockDocumentStatus[] = ['VALID', 'EXPIRED', 'REVOKED', 'LOST', 'DISSOLVED'];

export interface MockDocument {
  documentId: string;
  kind: MockDocumentKind;
  /** The document's name as printed ("Thẻ căn cước", "Bản án ly hôn"). */
  title: string;
  number: string;
  issuedOn: string;
  issuingAuthority: string;
  expiresOn: string | null;
  status: MockDocumentStatus;
  /** When the status last changed from VALID (null for a VALID document). */
  statusChangedOn: string | null;
  /** Why, in Vietnamese, for statuses other than VALID and EXPIRED. */
  statusReason: string | null;
  /** Another document this one acts on: a divorce record names the marriage certificate it dissolves. */
  refersTo: string | null;
  updatedAt: string;
}

/** A sample citizen for developers, with a one-line description. */
export interface Persona {
  key: string;
  personalId: string;
  fullName: string;
  /** One line for developers, in English. */
  description: string;
  /** The same, in Vietnamese, as the playground shows it. */
  title: string;
}

export interface MockDataset {
  seed: string;
  /** The reference date the data describes. */
  asOf: string;
  people: Map<string, MockPerson>;
  residences: Map<string, MockResidence>;
  households: Map<string, MockHousehold>;
  /** Documents by holder; every person has an entry, possibly empty. */
  documents: Map<string, MockDocument[]>;
  personas: Persona[];
}

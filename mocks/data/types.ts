/**
 * The synthetic registries' internal records. The HTTP services render them in each
 * registry's own wire format; nothing outside `mocks/` depends on these types.
 */

export type Gender = 'MALE' | 'FEMALE';
export type MaritalStatus = 'SINGLE' | 'MARRIED' | 'DIVORCED' | 'WIDOWED';

export interface MockAddress {
  line: string;
  communeCode: string;
  communeName: string;
  provinceCode: string;
  provinceName: string;
  /** Date from which these unit codes are valid (the 2025 reorganisation). */
  unitsAsOf: string;
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
  placeOfBirth: string;
  birthRegistrationPlace: string;
  hometown: string;
  ethnicity: string;
  religion: string;
  nationality: string;
  bloodType: string | null;
  maritalStatus: MaritalStatus;
  dateOfDeath: string | null;
  fatherId: string | null;
  motherId: string | null;
  spouseId: string | null;
  childrenIds: string[];
  phone: string | null;
  email: string | null;
  updatedAt: string;
}

export interface MockResidence {
  personalId: string;
  residenceRecordNumber: string;
  permanent: { address: MockAddress; registeredOn: string } | null;
  temporary: { address: MockAddress; registeredOn: string; expiresOn: string } | null;
  current: MockAddress | null;
  deregistration: { reason: string; on: string } | null;
  householdId: string | null;
  relationshipToHead: string | null;
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
  | 'CAN_CUOC'
  | 'HO_CHIEU'
  | 'GIAY_PHEP_LAI_XE'
  | 'PHIEU_LY_LICH_TU_PHAP';

export interface MockDocument {
  documentId: string;
  kind: MockDocumentKind;
  number: string;
  issuedOn: string;
  issuingAuthority: string;
  expiresOn: string | null;
  status: 'VALID' | 'EXPIRED' | 'REVOKED';
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

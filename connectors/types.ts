/**
 * What the connectors hand to the gateway: registry records in the gateway's own
 * vocabulary, each with its provenance. Wire formats stay inside the connectors.
 */

export type RegistryName = 'POPULATION' | 'RESIDENCE' | 'DOCUMENTS';
export const REGISTRY_NAMES: readonly RegistryName[] = ['POPULATION', 'RESIDENCE', 'DOCUMENTS'];

export interface ProvenanceRecord {
  registry: RegistryName;
  /** When the registry last changed the record (ISO 8601). */
  asOf: string;
  /** When the gateway read it from the registry (ISO 8601). */
  fetchedAt: string;
  fromCache: boolean;
  /** Seconds since the gateway fetched it (0 when fetched for this request). */
  ageSeconds: number;
  /** Served past its freshness because the registry is failing (stale-if-error). */
  stale: boolean;
}

export type Gender = 'MALE' | 'FEMALE';
export type MaritalStatus = 'SINGLE' | 'MARRIED' | 'DIVORCED' | 'WIDOWED';

export interface PersonRecord {
  id: string;
  legacyIdNumber: string | null;
  fullName: string;
  otherNames: string[];
  dateOfBirth: string;
  gender: Gender;
  /** Place of birth as recorded at birth registration, free text in the units of the time. */
  placeOfBirth: string | null;
  /**
   * Province of birth, in today's (post-2025-07-01) units: "Tỉnh Ninh Bình" for a birth in
   * the former Nam Định province. What forms that ask for the province only want.
   */
  placeOfBirthProvince: string | null;
  /** Code of `placeOfBirthProvince` in today's units ("37"). */
  placeOfBirthProvinceCode: string | null;
  birthRegistrationPlace: string | null;
  hometown: string | null;
  ethnicity: string | null;
  religion: string | null;
  nationality: string;
  bloodType: string | null;
  maritalStatus: MaritalStatus | null;
  dateOfDeath: string | null;
  fatherId: string | null;
  motherId: string | null;
  spouseId: string | null;
  childrenIds: string[];
  phoneNumber: string | null;
  email: string | null;
  provenance: ProvenanceRecord;
}

export interface AddressRecord {
  /** Line, commune, district (legacy addresses only) and province, comma-separated. */
  full: string;
  line: string | null;
  communeCode: string | null;
  communeName: string | null;
  /**
   * The district ("Quận Ba Đình"), only in an address written in the units before 2025-07-01,
   * which had three levels; null in today's two-level units.
   */
  districtName: string | null;
  provinceCode: string | null;
  provinceName: string | null;
  /** Date from which the unit codes are valid; null for an address in the units before 2025-07-01. */
  unitsAsOf: string | null;
}

export interface HouseholdRecord {
  id: string;
  headId: string;
  address: AddressRecord | null;
  members: { personalId: string; relationshipToHead: string }[];
  provenance: ProvenanceRecord;
}

/** Kind of a residence registration (Luật Cư trú 2020: thường trú, tạm trú). */
export type RegistrationKind = 'PERMANENT' | 'TEMPORARY';

/** One registration in a resident's history. */
export interface RegistrationRecord {
  kind: RegistrationKind;
  /** In the units of the time: a registration that ended before 2025-07-01 has a district and no codes. */
  address: AddressRecord;
  from: string;
  /** Last day of the registration; null while it is current. A temporary one may be past its end. */
  to: string | null;
}

export interface ResidenceRecord {
  personalId: string;
  residenceRecordNumber: string | null;
  permanentAddress: AddressRecord | null;
  permanentSince: string | null;
  temporaryAddress: AddressRecord | null;
  /** When the current temporary registration began. */
  temporarySince: string | null;
  /** When it ends; the registry does not strike it off when this date passes. */
  temporaryUntil: string | null;
  currentAddress: AddressRecord | null;
  /** Set when the permanent registration was struck off, e.g. `{ reason: "Chết", on: <date of death> }`. */
  deregistration: { reason: string; on: string } | null;
  /**
   * Permanent and temporary registrations, oldest first, ending with the current ones. Only
   * the residence registry's full view carries it; empty when the registry sent none.
   */
  history: RegistrationRecord[];
  relationshipToHead: string | null;
  household: HouseholdRecord | null;
  provenance: ProvenanceRecord;
}

export type DocumentType =
  | 'BIRTH_CERTIFICATE'
  | 'MARRIAGE_CERTIFICATE'
  | 'IDENTITY_CARD'
  | 'PASSPORT'
  | 'DRIVING_LICENCE'
  | 'CRIMINAL_RECORD_CERTIFICATE'
  /** A court's divorce judgment or decision (bản án, quyết định ly hôn). */
  | 'DIVORCE_DECISION';

/**
 * The issued-document registry's status of a document: set when something happens to it.
 * The registry does not re-judge dates, so a VALID document past `validUntil` has expired all the same.
 *
 * - `VALID`: in force as far as the registry knows.
 * - `EXPIRED`: the registry recorded that its validity period ended.
 * - `REVOKED`: withdrawn by the issuer or by law (e.g. the identity card of a deceased holder).
 * - `LOST`: reported lost or stolen; not to be accepted.
 * - `DISSOLVED`: the relationship it evidences has ended (a marriage certificate after a divorce
 *   or a spouse's death); it still proves the marriage existed.
 */
export type DocumentStatus = 'VALID' | 'EXPIRED' | 'REVOKED' | 'LOST' | 'DISSOLVED';
export const DOCUMENT_STATUSES: readonly DocumentStatus[] = ['VALID', 'EXPIRED', 'REVOKED', 'LOST', 'DISSOLVED'];

export interface DocumentRecord {
  id: string;
  type: DocumentType;
  /** The document's name as printed ("Thẻ căn cước", "Bản án ly hôn"); null when the registry gives none. */
  title: string | null;
  number: string;
  issuedOn: string;
  issuer: string;
  validUntil: string | null;
  status: DocumentStatus;
  /** When the status last changed from VALID; null for a VALID document. */
  statusChangedOn: string | null;
  /** Why, in Vietnamese ("Người được cấp đã chết ngày …", "Ly hôn theo Bản án …"), when the registry recorded a reason. */
  statusReason: string | null;
  /** ID of the document this one acts on: a divorce decision names the marriage certificate it dissolves. */
  refersTo: string | null;
  provenance: ProvenanceRecord;
}

export interface HolderDocuments {
  holderId: string;
  documents: DocumentRecord[];
  provenance: ProvenanceRecord;
}

/** A field of a citizen's record under a correction request still open at its registry: what the disputed marker shows. */
export interface OpenCorrection {
  subjectId: string;
  /** The field's coordinate in the gateway's schema (`Person.fullName`). */
  field: string;
  /** The document, for a field of an issued document. */
  documentId: string | null;
}

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
  placeOfBirth: string | null;
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
  full: string;
  line: string | null;
  communeCode: string | null;
  communeName: string | null;
  provinceCode: string | null;
  provinceName: string | null;
  /** Date from which the unit codes are valid. */
  unitsAsOf: string | null;
}

export interface HouseholdRecord {
  id: string;
  headId: string;
  address: AddressRecord | null;
  members: { personalId: string; relationshipToHead: string }[];
  provenance: ProvenanceRecord;
}

export interface ResidenceRecord {
  personalId: string;
  residenceRecordNumber: string | null;
  permanentAddress: AddressRecord | null;
  permanentSince: string | null;
  temporaryAddress: AddressRecord | null;
  temporaryUntil: string | null;
  currentAddress: AddressRecord | null;
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
  | 'CRIMINAL_RECORD_CERTIFICATE';

export interface DocumentRecord {
  id: string;
  type: DocumentType;
  number: string;
  issuedOn: string;
  issuer: string;
  validUntil: string | null;
  status: string;
  provenance: ProvenanceRecord;
}

export interface HolderDocuments {
  holderId: string;
  documents: DocumentRecord[];
  provenance: ProvenanceRecord;
}

import type { DocumentRecord, ProvenanceRecord } from '../../connectors/types';

/** An issued document as the registry holds it, with whose it is: its status is judged when asked for. */
export type IssuedDocumentModel = DocumentRecord & { holderId: string };

/**
 * Parent values of the citizen graph. A citizen is only a personal ID until one of
 * its registry-backed fields is asked for; the loaders fetch on demand.
 */
export interface CitizenRef {
  id: string;
}

export interface HouseholdMemberRef {
  personalId: string;
  relationshipToHead: string;
}

/** A form field or table column, as `forms` lists them. */
export interface FormFieldModel {
  key: string;
  label: string;
  editable: boolean;
  party: import('../forms/loadForms').Party;
  prefillable: boolean;
  columns: FormFieldModel[] | null;
  choices: string[] | null;
}

export interface FormPrefillModel {
  formId: string;
  subjectId: string;
  fields: import('../forms/prefill').PrefilledValue[];
  missing: string[];
  attestation: string;
  expiresAt: Date;
}

export interface VerificationModel {
  verdict: import('../verification/verifyCitizen').Verdict;
  fields: { field: string; result: 'MATCH' | 'MISMATCH' | 'UNKNOWN' }[];
  checkedAt: Date;
}

/**
 * A record's provenance as the API shows it: the registry's facts, and — for a record a
 * registry holds about a citizen — whose record it is, so that its disputed fields can be
 * looked up for the request. Made per request: the cached record is never changed.
 */
export type ProvenanceModel = ProvenanceRecord & {
  about?: { subjectId: string; record: string; documentId?: string };
};

import type { DocumentRecord } from '../../connectors/types';

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

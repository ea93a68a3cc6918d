import { decodeJwt, errors as joseErrors, jwtVerify } from 'jose';
import type { KeyRing } from '../keys/loadKeyRing';
import { isLowS } from '../keys/lowS';
import type { FormDefinition } from './loadForms';
import type { PrefillResult } from './prefill';

export const ATTESTATION_TYPE = 'prefill-attestation+jwt';

/** A table's attested rows: each row maps column keys to values. */
type AttestedValue = string | Record<string, string | null>[];

export interface SubmittedField {
  key: string;
  value?: string | null;
  rows?: { cells: { key: string; value?: string | null }[] }[] | null;
}

export type VerificationFailure =
  | 'EXPIRED'
  | 'UNKNOWN_KEY'
  | 'BAD_SIGNATURE'
  | 'MALFORMED'
  | 'UNKNOWN_FORM'
  | 'FORM_MISMATCH'
  | 'SUBJECT_MISMATCH'
  | 'LOCKED_FIELDS_ALTERED';

/** What the portal is processing: an attestation of any other form or citizen is refused. */
export interface ExpectedPrefill {
  formId: string;
  subjectId: string;
}

export interface PrefillCheck {
  valid: boolean;
  reason: VerificationFailure | null;
  formId: string | null;
  subjectId: string | null;
  issuedAt: string | null;
  expiresAt: string | null;
  alteredLockedFields: string[];
}

/** The values an attestation covers: every prefilled value, tables as rows of cells. */
export function attestedValues(result: PrefillResult): Record<string, AttestedValue> {
  const values: Record<string, AttestedValue> = {};
  for (const f of result.fields) {
    if (f.rows) values[f.key] = f.rows.map((r) => Object.fromEntries(r.cells.map((c) => [c.key, c.value])));
    else if (f.status === 'FILLED' && f.value !== null) values[f.key] = f.value;
  }
  return values;
}

/**
 * Signs what the gateway prefilled: form, subject, values, issue time, expiry, key id
 * (in the header). Anyone can verify it with the keys at /.well-known/jwks.json.
 */
export async function signAttestation(keys: KeyRing, result: PrefillResult, ttlSeconds: number): Promise<{ jws: string; expiresAt: Date }> {
  const jws = await keys.sign({ form: result.formId, sub: result.subjectId, values: attestedValues(result) }, { typ: ATTESTATION_TYPE, expiresInSeconds: ttlSeconds });
  // The expiry signed into it, read back rather than computed again with another clock.
  const { exp } = decodeJwt(jws);
  return { jws, expiresAt: new Date((exp as number) * 1000) };
}

function failure(reason: VerificationFailure): PrefillCheck {
  return { valid: false, reason, formId: null, subjectId: null, issuedAt: null, expiresAt: null, alteredLockedFields: [] };
}

/** A table row in one canonical form: its cells sorted by key. */
function canonicalRow(row: Record<string, string | null>): string {
  return JSON.stringify(Object.keys(row).sort().map((k) => [k, row[k] ?? null]));
}

/** True when any key repeats: a second value for a key would otherwise hide behind the first. */
function hasDuplicates(keys: string[]): boolean {
  return new Set(keys).size !== keys.length;
}

/**
 * Checks a submitted form against its attestation: the signature (low-S ES256 only)
 * and expiry, that it attests the form and citizen the portal expects, then every
 * locked field. A locked value changed or dropped is named; editable fields may change;
 * a table may lose rows but not gain, repeat or alter any. A submission that repeats a
 * field key or a cell key within a row is MALFORMED: which of the copies a portal would
 * keep is not ours to guess.
 */
export async function verifyAttestation(
  keys: KeyRing,
  forms: ReadonlyMap<string, FormDefinition>,
  attestation: string,
  submitted: SubmittedField[],
  expected: ExpectedPrefill,
): Promise<PrefillCheck> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(attestation, keys.keySet, { algorithms: ['ES256'], typ: ATTESTATION_TYPE, requiredClaims: ['exp', 'iat', 'sub'] }));
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) return failure('EXPIRED');
    if (err instanceof joseErrors.JWKSNoMatchingKey) return failure('UNKNOWN_KEY');
    if (err instanceof joseErrors.JWSSignatureVerificationFailed) return failure('BAD_SIGNATURE');
    return failure('MALFORMED');
  }
  // The gateway signs in low-S form only; the high-S twin of a signature is a copy passed off as another token.
  if (!isLowS(attestation)) return failure('BAD_SIGNATURE');
  if (payload.form !== expected.formId) return failure('FORM_MISMATCH');
  if (payload.sub !== expected.subjectId) return failure('SUBJECT_MISMATCH');
  const form = forms.get(String(payload.form));
  const values = (payload.values ?? {}) as Record<string, AttestedValue>;
  if (!form) return failure('UNKNOWN_FORM');
  if (hasDuplicates(submitted.map((s) => s.key)) || submitted.some((s) => (s.rows ?? []).some((r) => hasDuplicates(r.cells.map((c) => c.key))))) {
    return failure('MALFORMED');
  }
  const byKey = new Map(submitted.map((s) => [s.key, s]));
  const altered: string[] = [];
  for (const field of form.fields) {
    const attested = values[field.key];
    if (attested === undefined) continue;
    const given = byKey.get(field.key);
    if (Array.isArray(attested)) {
      // A multiset: each attested row may be submitted at most as often as it was attested.
      const left = new Map<string, number>();
      for (const row of attested) left.set(canonicalRow(row), (left.get(canonicalRow(row)) ?? 0) + 1);
      const rows = (given?.rows ?? []).map((r) => canonicalRow(Object.fromEntries(r.cells.map((c) => [c.key, c.value ?? null]))));
      const fits = rows.every((row) => {
        const n = left.get(row) ?? 0;
        left.set(row, n - 1);
        return n > 0;
      });
      if (!given || !fits) altered.push(field.key);
    } else if (!field.editable && (given?.value ?? null) !== attested) {
      altered.push(field.key);
    }
  }
  return {
    valid: altered.length === 0,
    reason: altered.length === 0 ? null : 'LOCKED_FIELDS_ALTERED',
    formId: form.id,
    subjectId: String(payload.sub),
    issuedAt: new Date(Number(payload.iat) * 1000).toISOString(),
    expiresAt: new Date(Number(payload.exp) * 1000).toISOString(),
    alteredLockedFields: altered,
  };
}

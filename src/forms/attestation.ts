import { errors as joseErrors, jwtVerify } from 'jose';
import type { KeyRing } from '../keys/loadKeyRing';
import { isLowS } from '../keys/lowS';
import type { FormDefinition } from './loadForms';
import type { PrefillResult } from './prefill';

export const ATTESTATION_TYPE = 'prefill-attestation+jwt';

/** A table row as attested: its locked cells, by column key. */
type AttestedRow = Record<string, string | null>;

/**
 * What an attestation holds for a field:
 * - a string: the value of a locked field;
 * - `{ oneOf }`: a locked field that may take any of these registry values (permanent or temporary residence);
 * - an array: a table of rows the citizen may choose from, each at most once (household members who change together);
 * - `{ allOf }`: a table whose rows must all stay, to which the citizen may add rows the registry lacks (residence history).
 */
type AttestedValue = string | { oneOf: string[] } | AttestedRow[] | { allOf: AttestedRow[] };

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

/**
 * The values an attestation covers: every value the registries filled and the form
 * locks. Editable values, and values the registries could not give, are the citizen's.
 */
export function attestedValues(result: PrefillResult, form: FormDefinition): Record<string, AttestedValue> {
  const values: Record<string, AttestedValue> = {};
  const definitions = new Map(form.fields.map((f) => [f.key, f]));
  for (const f of result.fields) {
    if (f.rows) {
      const rows = f.rows.map((r) => Object.fromEntries(r.cells.filter((c) => c.status === 'FILLED' && !c.editable).map((c) => [c.key, c.value])));
      values[f.key] = definitions.get(f.key)?.party === 'APPLICANT' ? { allOf: rows } : rows;
    } else if (f.status === 'FILLED' && !f.editable && f.value !== null) {
      values[f.key] = f.options ? { oneOf: f.options } : f.value;
    }
  }
  return values;
}

/**
 * Signs what the gateway prefilled: form, subject, values, issue time, expiry, key id
 * (in the header). Anyone can verify it with the keys at /.well-known/jwks.json.
 */
export function signAttestation(keys: KeyRing, form: FormDefinition, result: PrefillResult, ttlSeconds: number): { jws: string; expiresAt: Date } {
  const { jws, exp } = keys.signed({ form: result.formId, sub: result.subjectId, values: attestedValues(result, form) }, { typ: ATTESTATION_TYPE, expiresInSeconds: ttlSeconds });
  // The expiry signed into it, not computed again with another clock.
  if (exp === null) throw new Error(`an attestation must expire, but its lifetime is ${ttlSeconds} s`);
  return { jws, expiresAt: new Date(exp * 1000) };
}

function failure(reason: VerificationFailure): PrefillCheck {
  return { valid: false, reason, formId: null, subjectId: null, issuedAt: null, expiresAt: null, alteredLockedFields: [] };
}

/** Whether a submitted row keeps an attested row's locked cells (cells of columns the form lets change are not compared). */
function keeps(submitted: AttestedRow, attested: AttestedRow, editable: ReadonlySet<string>): boolean {
  return Object.keys(attested).every((k) => editable.has(k) || (submitted[k] ?? null) === attested[k]);
}

/**
 * Pairs submitted rows with attested ones, each attested row used at most once: the
 * attested rows left unpaired, and whether every submitted row found one.
 */
function pairRows(submitted: AttestedRow[], attested: AttestedRow[], editable: ReadonlySet<string>): { unpaired: number; allPaired: boolean } {
  const used = new Set<number>();
  // Rows with more locked cells first, so that a fuller row is not taken by a sparser one.
  const order = attested.map((_, i) => i).sort((a, b) => Object.keys(attested[b] as AttestedRow).length - Object.keys(attested[a] as AttestedRow).length);
  let allPaired = true;
  for (const row of submitted) {
    const match = order.find((i) => !used.has(i) && keeps(row, attested[i] as AttestedRow, editable));
    if (match === undefined) allPaired = false;
    else used.add(match);
  }
  return { unpaired: attested.length - used.size, allPaired };
}

/** True when any key repeats: a second value for a key would otherwise hide behind the first. */
function hasDuplicates(keys: string[]): boolean {
  return new Set(keys).size !== keys.length;
}

/**
 * Checks a submitted form against its attestation: the signature (low-S ES256 only)
 * and expiry, that it attests the form and citizen the portal expects, then every
 * locked field. A locked value changed or dropped is named; editable fields may change;
 * a locked field with registry options takes one of them; a household table may lose
 * rows but not gain, repeat or alter any; a residence-history table keeps every
 * registry row and may gain rows the registry lacks. A submission that repeats a
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
    const editable = new Set((field.columns ?? []).filter((c) => c.editable).map((c) => c.key));
    const rows = (given?.rows ?? []).map((r) => Object.fromEntries(r.cells.map((c) => [c.key, c.value ?? null])));
    if (Array.isArray(attested)) {
      // Chosen among the attested rows: fewer is fine, another or a repeated one is not.
      if (!given || !pairRows(rows, attested, editable).allPaired) altered.push(field.key);
    } else if (typeof attested === 'object' && 'allOf' in attested) {
      // Every registry row kept; rows the citizen adds are theirs.
      if (!given || pairRows(rows, attested.allOf, editable).unpaired > 0) altered.push(field.key);
    } else if (typeof attested === 'object') {
      if (!attested.oneOf.includes(given?.value ?? '')) altered.push(field.key);
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

import type { HolderDocuments, PersonRecord, RegistryName, ResidenceRecord } from '../../connectors/types';
import { loadRecords, type Loaders } from '../request/createLoaders';

export type MatchResult = 'MATCH' | 'MISMATCH' | 'UNKNOWN';

export interface VerifyCitizenInput {
  personalId: string;
  fullName?: string | null;
  dateOfBirth?: string | null;
  gender?: 'MALE' | 'FEMALE' | null;
  permanentAddress?: string | null;
  documentNumber?: string | null;
}

export interface VerificationOutcome {
  verdict: MatchResult;
  fields: { field: string; result: MatchResult }[];
  registries: RegistryName[];
}

/**
 * Names compare without regard to case, spacing or Unicode composition (a name typed
 * with combining diacritics, NFD, matches the same name precomposed, NFC), but a
 * different letter or diacritic is a different name.
 */
export function normalizeName(name: string): string {
  return name.normalize('NFC').trim().replace(/\s+/g, ' ').toLocaleLowerCase('vi');
}

/** Addresses also ignore punctuation between their parts. */
export function normalizeAddress(address: string): string {
  return normalizeName(address.replace(/[,.;–-]/g, ' '));
}

/**
 * Compares what a bank or telco was told with the registries and answers match /
 * no match per field, never a registry value. A field whose registry has no record or
 * cannot be reached is UNKNOWN. The verdict is MISMATCH if any field mismatches,
 * MATCH if all match, UNKNOWN otherwise.
 */
export async function verifyCitizen(input: VerifyCitizenInput, loaders: Loaders): Promise<VerificationOutcome> {
  const wantsPerson = input.fullName != null || input.dateOfBirth != null || input.gender != null;
  const wantsResidence = input.permanentAddress != null;
  const wantsDocuments = input.documentNumber != null;
  const registries = new Set<RegistryName>([
    ...(wantsPerson ? (['POPULATION'] as const) : []),
    ...(wantsResidence ? (['RESIDENCE'] as const) : []),
    ...(wantsDocuments ? (['DOCUMENTS'] as const) : []),
  ]);
  const { person, residence, documents } = await loadRecords(loaders, input.personalId, registries);
  const fields: VerificationOutcome['fields'] = [];
  const compare = <R>(record: R | null | Error | undefined, test: (r: R) => boolean, field: string) => {
    const result: MatchResult = !record || record instanceof Error ? 'UNKNOWN' : test(record) ? 'MATCH' : 'MISMATCH';
    fields.push({ field, result });
  };
  if (input.fullName != null) compare<PersonRecord>(person, (p) => normalizeName(p.fullName) === normalizeName(input.fullName as string), 'fullName');
  if (input.dateOfBirth != null) compare<PersonRecord>(person, (p) => p.dateOfBirth === input.dateOfBirth, 'dateOfBirth');
  if (input.gender != null) compare<PersonRecord>(person, (p) => p.gender === input.gender, 'gender');
  if (input.permanentAddress != null) {
    compare<ResidenceRecord>(residence, (r) => !!r.permanentAddress && normalizeAddress(r.permanentAddress.full) === normalizeAddress(input.permanentAddress as string), 'permanentAddress');
  }
  if (input.documentNumber != null) {
    const wanted = (input.documentNumber as string).trim().toUpperCase();
    compare<HolderDocuments>(documents, (h) => h.documents.some((d) => d.status === 'VALID' && d.number.toUpperCase() === wanted), 'documentNumber');
  }
  const results = fields.map((f) => f.result);
  const verdict: MatchResult = results.includes('MISMATCH') ? 'MISMATCH' : results.every((r) => r === 'MATCH') ? 'MATCH' : 'UNKNOWN';
  return { verdict, fields, registries: [...registries] };
}

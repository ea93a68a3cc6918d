import type { HolderDocuments, PersonRecord, RegistryName, ResidenceRecord } from '../../connectors/types';
import { deceasedOn, documentStatusOn } from '../domain/lifeStatus';
import { loadRecords, type Loaders } from '../request/createLoaders';
import { addressMatches, normalizeName } from './matchAddress';

export type MatchResult = 'MATCH' | 'MISMATCH' | 'UNKNOWN';
/** The answer as a whole: a field result, or that the citizen has died. */
export type Verdict = MatchResult | 'DECEASED';

export interface VerifyCitizenInput {
  personalId: string;
  fullName?: string | null;
  dateOfBirth?: string | null;
  gender?: 'MALE' | 'FEMALE' | null;
  permanentAddress?: string | null;
  documentNumber?: string | null;
}

export interface VerificationOutcome {
  verdict: Verdict;
  fields: { field: string; result: MatchResult }[];
  registries: RegistryName[];
}

/**
 * Compares what a bank or telco was told with the registries and answers match /
 * no match per field, never a registry value. A field whose registry has no record or
 * cannot be reached is UNKNOWN. The verdict is DECEASED when the population registry
 * records the citizen as dead on `today` (someone presenting their identity is not
 * them), else MISMATCH if any field mismatches, MATCH if all match, UNKNOWN otherwise.
 * A document number matches only a document in force on `today`.
 */
export async function verifyCitizen(input: VerifyCitizenInput, loaders: Loaders, today: string): Promise<VerificationOutcome> {
  const wantsResidence = input.permanentAddress != null;
  const wantsDocuments = input.documentNumber != null;
  // The population record is always read: whether the citizen is alive decides the verdict.
  const registries = new Set<RegistryName>([
    'POPULATION',
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
    compare<ResidenceRecord>(residence, (r) => !!r.permanentAddress && addressMatches(r.permanentAddress, input.permanentAddress as string), 'permanentAddress');
  }
  if (input.documentNumber != null) {
    const wanted = (input.documentNumber as string).trim().toUpperCase();
    const death = person instanceof Error ? null : person?.dateOfDeath;
    compare<HolderDocuments>(documents, (h) => h.documents.some((d) => d.number.toUpperCase() === wanted && documentStatusOn(d, today, death) === 'VALID'), 'documentNumber');
  }
  const deceased = !(person instanceof Error) && deceasedOn(person?.dateOfDeath, today);
  const results = fields.map((f) => f.result);
  const verdict: Verdict = deceased ? 'DECEASED' : results.includes('MISMATCH') ? 'MISMATCH' : results.every((r) => r === 'MATCH') ? 'MATCH' : 'UNKNOWN';
  return { verdict, fields, registries: [...registries] };
}

import type { DocumentRecord, DocumentStatus, DocumentType, ResidenceRecord } from '../../connectors/types';

/**
 * A document's status on a given day, as the gateway reports it: the registry's own
 * status where it is stronger (revoked, lost, dissolved), the holder's death for
 * documents that identify a living person, then the validity dates — judged at read
 * time, because a registry does not re-judge dates and records change after they are
 * cached.
 */
export type DocumentStatusOnDay = DocumentStatus | 'HOLDER_DECEASED';

/** Documents that identify or authorise a living person: they end with their holder. */
const PERSONAL_DOCUMENTS: ReadonlySet<DocumentType> = new Set(['IDENTITY_CARD', 'PASSPORT', 'DRIVING_LICENCE']);
/** Registry statuses that no date can improve on. */
const FINAL: ReadonlySet<DocumentStatus> = new Set(['REVOKED', 'LOST', 'DISSOLVED']);

/** Whether a person with this date of death (or none) is dead on `today` (`yyyy-mm-dd`). */
export function deceasedOn(dateOfDeath: string | null | undefined, today: string): boolean {
  return !!dateOfDeath && dateOfDeath <= today;
}

/** Whether `doc`'s status depends on whether its holder lives (so the population registry must be read). */
export function statusDependsOnHolder(doc: Pick<DocumentRecord, 'type' | 'status'>): boolean {
  return !FINAL.has(doc.status) && PERSONAL_DOCUMENTS.has(doc.type);
}

/**
 * The status of `doc` on `today`. `holderDeathDate` is the holder's date of death, if
 * any (unknown counts as alive: the registry's own status still applies).
 */
export function documentStatusOn(doc: Pick<DocumentRecord, 'type' | 'status' | 'validUntil'>, today: string, holderDeathDate: string | null | undefined): DocumentStatusOnDay {
  if (FINAL.has(doc.status)) return doc.status;
  if (statusDependsOnHolder(doc) && deceasedOn(holderDeathDate, today)) return 'HOLDER_DECEASED';
  if (doc.status === 'EXPIRED' || (doc.validUntil !== null && doc.validUntil < today)) return 'EXPIRED';
  return 'VALID';
}

/** A registration in force on `today`: begun, and not past its last day. */
export function inForceOn(from: string | null | undefined, to: string | null | undefined, today: string): boolean {
  return (!from || from <= today) && (!to || to >= today);
}

/**
 * A residence record as it stands on `today`: a temporary residence past its last day
 * is no longer one (the registry does not strike it off when the date passes; it stays
 * in the history), and a deregistered permanent residence is no longer one either.
 */
export function residenceOn(record: ResidenceRecord, today: string): ResidenceRecord {
  const temporaryEnded = !!record.temporaryAddress && !inForceOn(record.temporarySince, record.temporaryUntil, today);
  const deregistered = !!record.deregistration && record.deregistration.on <= today;
  if (!temporaryEnded && !deregistered) return record;
  return {
    ...record,
    ...(temporaryEnded ? { temporaryAddress: null } : {}),
    ...(deregistered ? { permanentAddress: null, currentAddress: null } : {}),
  };
}

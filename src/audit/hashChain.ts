import { hash } from 'node:crypto';

/** The chain's starting point: the previous hash of the first record ever written. */
export const GENESIS = '0'.repeat(64);

/** The hash scheme of records written now (see migration 003); 1 is the scheme before it. */
export const HASH_VERSION = 2;

/** What retention keeps of a record: covered by its content hash for as long as the chain exists. */
export interface KeptPart {
  seq: number;
  recordedAt: string;
  retainUntil: string;
  callerKind: 'citizen' | 'agency';
  agency: string | null;
  purpose: string | null;
  registries: string[];
  outcome: 'disclosed' | 'denied' | 'failed';
}

/** What retention blanks. The salt is random per record and blanked with the rest, so that
 * the hash left behind cannot be matched against guessed personal IDs. */
export interface PersonalPart {
  salt: string;
  requestId: string;
  callerId: string;
  caseId: string | null;
  subjectId: string;
  fields: string[];
  reason: string | null;
}

/** Hash of the kept part, over a fixed order and tagged with the scheme's version. */
export function keptHash(k: KeptPart): string {
  return hash('sha256', JSON.stringify([HASH_VERSION, k.seq, k.recordedAt, k.retainUntil, k.callerKind, k.agency, k.purpose, k.registries, k.outcome]));
}

/** Hash of the personal part: stored with the record, and all that remains of it once pruned. */
export function personalHash(p: PersonalPart): string {
  return hash('sha256', JSON.stringify([p.salt, p.requestId, p.callerId, p.caseId, p.subjectId, p.fields, p.reason]));
}

/** A record's content hash: binds both parts, so either can be checked while the other is gone. */
export function contentHash(kept: string, personal: string): string {
  return hash('sha256', `${kept}\n${personal}`);
}

/** What a link's key signs: the previous link, the position and the content. */
export function linkInput(prevHash: string, seq: number, content: string): string {
  return `${prevHash}\n${seq}\n${content}`;
}

/** A record as hashed by scheme 1: every field in one content hash. */
export interface LegacyContent {
  seq: number;
  recordedAt: string;
  retainUntil: string;
  requestId: string;
  callerKind: 'citizen' | 'agency';
  callerId: string;
  agency: string | null;
  purpose: string | null;
  caseId: string | null;
  subjectId: string;
  fields: string[];
  registries: string[];
  outcome: 'disclosed' | 'denied' | 'failed';
  reason: string | null;
}

/** Scheme 1 content hash, over a fixed key order (records written before migration 003). */
export function legacyContentHash(c: LegacyContent): string {
  return hash(
    'sha256',
    JSON.stringify([
      c.seq, c.recordedAt, c.retainUntil, c.requestId, c.callerKind, c.callerId, c.agency, c.purpose,
      c.caseId, c.subjectId, c.fields, c.registries, c.outcome, c.reason,
    ]),
  );
}

/** Scheme 1 link: an unkeyed hash that binds a record to everything before it. */
export function legacyLinkHash(prevHash: string, seq: number, content: string): string {
  return hash('sha256', linkInput(prevHash, seq, content));
}

/** The JWS `typ` of a signed checkpoint. */
export const CHECKPOINT_TYPE = 'audit-checkpoint+jwt';

/** What a checkpoint signs (scheme 2; scheme-1 checkpoints carry only `seq` and `hash`). */
export interface CheckpointClaims {
  /** The record signed and its link hash: the chain up to it is fixed. */
  seq: number;
  hash: string;
  /** When it was signed, in ms since the epoch (the writer's clock). */
  at: number;
  /** The chain it belongs to (`audit_chain.chain_id`). */
  chain: string;
  /** The last record of hash scheme 1: scheme-1 records after it are forgeries. */
  legacyUntil: number;
  /** The cadence the writer kept: a checkpoint at least every `every` records or `everyMs` ms. */
  every: number;
  everyMs: number;
}

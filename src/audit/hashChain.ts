import { hash } from 'node:crypto';

/** The chain's starting point: the previous hash of the first record ever written. */
export const GENESIS = '0'.repeat(64);

/** The audited facts of one record; every field is covered by its content hash. */
export interface AuditContent {
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

/** Hash of a record's content, over a fixed key order. */
export function contentHash(c: AuditContent): string {
  return hash(
    'sha256',
    JSON.stringify([
      c.seq, c.recordedAt, c.retainUntil, c.requestId, c.callerKind, c.callerId, c.agency, c.purpose,
      c.caseId, c.subjectId, c.fields, c.registries, c.outcome, c.reason,
    ]),
  );
}

/** A link of the chain: binds a record to everything before it. */
export function linkHash(prevHash: string, seq: number, content: string): string {
  return hash('sha256', `${prevHash}\n${seq}\n${content}`);
}

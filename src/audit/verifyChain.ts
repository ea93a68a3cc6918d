import { jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { Queryable } from '../store/createStore';
import { contentHash, GENESIS, linkHash, type AuditContent } from './hashChain';

export interface ChainReport {
  ok: boolean;
  records: number;
  pruned: number;
  checkpoints: number;
  /** The first link that does not hold, with what is wrong with it. */
  firstBroken?: { seq: number; problem: string };
}

interface Row {
  seq: string;
  recorded_at: Date;
  retain_until: Date;
  request_id: string | null;
  caller_kind: 'citizen' | 'agency';
  caller_id: string | null;
  agency: string | null;
  purpose: string | null;
  case_id: string | null;
  subject_id: string | null;
  fields: string[] | null;
  registries: string[];
  outcome: 'disclosed' | 'denied' | 'failed';
  reason: string | null;
  content_hash: string;
  prev_hash: string;
  hash: string;
  pruned_at: Date | null;
}

const PAGE = 5000;

/**
 * Walks the whole chain in order and checks every link: no gap in the sequence, each
 * record's content matches its content hash (unless pruned, when its personal columns
 * must be empty), each hash binds the previous one, and every signed checkpoint
 * verifies against the gateway's keys and matches the chain. Stops at the first
 * broken link and names it.
 */
export async function verifyChain(db: Queryable, keySet: JWTVerifyGetKey): Promise<ChainReport> {
  const report: ChainReport = { ok: true, records: 0, pruned: 0, checkpoints: 0 };
  const broken = (seq: number, problem: string): ChainReport => ({ ...report, ok: false, firstBroken: { seq, problem } });
  // Checkpoints first: each is checked when the walk reaches its record.
  const checkpoints = new Map<number, string>();
  for (const c of await db.query<{ seq: string; hash: string; jws: string }>('SELECT seq::text AS seq, hash, jws FROM audit_checkpoints ORDER BY audit_checkpoints.seq')) {
    const seq = Number(c.seq);
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(c.jws, keySet, { algorithms: ['ES256'], typ: 'audit-checkpoint+jwt' }));
    } catch {
      return broken(seq, 'its signed checkpoint does not verify with the gateway keys');
    }
    if (payload.seq !== seq || payload.hash !== c.hash) return broken(seq, 'its checkpoint row differs from what was signed');
    checkpoints.set(seq, c.hash);
  }
  let previous: { seq: number; hash: string } | null = null;
  let after = 0;

  for (;;) {
    const rows = await db.query<Row>(
      `SELECT seq::text AS seq, recorded_at, retain_until, request_id, caller_kind, caller_id, agency, purpose, case_id,
              subject_id, fields, registries, outcome, reason, content_hash, prev_hash, hash, pruned_at
         FROM audit_log WHERE audit_log.seq > $1 ORDER BY audit_log.seq LIMIT ${PAGE}`,
      [after],
    );
    for (const r of rows) {
      const seq = Number(r.seq);
      const expectedPrev = previous ? previous.hash : GENESIS;
      if (previous && seq !== previous.seq + 1) return broken(previous.seq + 1, `records ${previous.seq + 1}..${seq - 1} are missing`);
      if (!previous && seq !== 1) return broken(1, `records 1..${seq - 1} are missing`);
      if (r.prev_hash !== expectedPrev) return broken(seq, 'its previous hash does not match the record before it');
      if (r.pruned_at) {
        report.pruned++;
        if ([r.request_id, r.caller_id, r.case_id, r.subject_id, r.fields, r.reason].some((v) => v !== null)) {
          return broken(seq, 'it is marked pruned but still holds personal data');
        }
      } else {
        const content: AuditContent = {
          seq,
          recordedAt: new Date(r.recorded_at).toISOString(),
          retainUntil: new Date(r.retain_until).toISOString(),
          requestId: r.request_id as string,
          callerKind: r.caller_kind,
          callerId: r.caller_id as string,
          agency: r.agency,
          purpose: r.purpose,
          caseId: r.case_id,
          subjectId: r.subject_id as string,
          fields: r.fields ?? [],
          registries: r.registries,
          outcome: r.outcome,
          reason: r.reason,
        };
        if (contentHash(content) !== r.content_hash) return broken(seq, 'its content was changed after it was written');
      }
      if (linkHash(r.prev_hash, seq, r.content_hash) !== r.hash) return broken(seq, 'its hash does not match its content hash and previous hash');
      const signed = checkpoints.get(seq);
      if (signed !== undefined && signed !== r.hash) return broken(seq, 'it differs from the signed checkpoint for it');
      if (signed !== undefined) report.checkpoints++;
      previous = { seq, hash: r.hash };
      report.records++;
    }
    if (rows.length < PAGE) break;
    after = Number((rows[rows.length - 1] as Row).seq);
  }

  const lastSigned = Math.max(0, ...checkpoints.keys());
  if (lastSigned > (previous?.seq ?? 0)) {
    return broken(lastSigned, `records up to ${lastSigned} were signed but are gone (the end of the chain was removed)`);
  }
  return report;
}

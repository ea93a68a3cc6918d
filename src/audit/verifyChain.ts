import { decodeJwt, jwtVerify } from 'jose';
import type { KeyRing } from '../keys/loadKeyRing';
import type { Queryable } from '../store/createStore';
import { createCheckpointFile } from './createCheckpointFile';
import {
  CHECKPOINT_TYPE,
  contentHash,
  GENESIS,
  keptHash,
  legacyContentHash,
  legacyLinkHash,
  linkInput,
  personalHash,
  type LegacyContent,
} from './hashChain';

export interface ChainReport {
  ok: boolean;
  records: number;
  pruned: number;
  checkpoints: number;
  /** Records of hash scheme 1, written before the upgrade. */
  legacy: number;
  /** Checkpoints of this chain found in the checkpoint file, each matched with the database. */
  fileCheckpoints: number;
  /** The first record that does not hold, in chain order, with what is wrong with it (seq 0: the chain as a whole). */
  firstBroken?: { seq: number; problem: string };
}

export interface VerifyOptions {
  /**
   * The checkpoint cadence the gateway runs with. Each stretch of the chain is held to
   * it, or to the cadence its opening checkpoint declares when that one is looser (a
   * stretch written before the settings were tightened). Default: 500 records, 60 s.
   */
  cadence?: { records: number; ms: number };
  /** The append-only checkpoint file to compare the chain with; null or absent for none. */
  checkpointFile?: string | null;
  now?: () => Date;
  /** Clock difference tolerated between gateway processes, for the time cadence and prune times. */
  clockSkewMs?: number;
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
  hash_version: number;
  personal_hash: string | null;
  personal_salt: string | null;
  chain_kid: string | null;
}

interface Checkpoint {
  hash: string;
  /** When it was signed, ms since the epoch. */
  at: number;
  every: number | null;
  everyMs: number | null;
  version: 1 | 2;
}

const PAGE = 5000;

/**
 * Walks the whole chain in order and checks every link: no gap in the sequence; each
 * record's content matches its content hash — for a pruned record, the part retention
 * keeps, and it must have been pruned after its retention ended; each link binds the
 * previous one under the gateway's chain key (scheme 2) or a plain hash (scheme 1, only
 * before the upgrade point); every signed checkpoint, in the database and in the
 * checkpoint file, verifies and matches the chain; and checkpoints are as frequent as
 * the cadence requires, so that deleting them is seen. Reports the first problem in
 * chain order.
 */
export async function verifyChain(db: Queryable, keys: KeyRing, options: VerifyOptions = {}): Promise<ChainReport> {
  const report: ChainReport = { ok: true, records: 0, pruned: 0, checkpoints: 0, legacy: 0, fileCheckpoints: 0 };
  const broken = (seq: number, problem: string): ChainReport => ({ ...report, ok: false, firstBroken: { seq, problem } });
  const cadence = options.cadence ?? { records: 500, ms: 60_000 };
  const skew = options.clockSkewMs ?? 5000;
  const now = (options.now ?? (() => new Date()))().getTime();

  const identity = (await db.query<{ id: string; legacy_until: string }>('SELECT chain_id::text AS id, legacy_until::text AS legacy_until FROM audit_chain'))[0];
  if (!identity) return broken(0, 'the chain has no identity row (audit_chain): it was deleted');
  const chainId = identity.id;
  const legacyUntil = Number(identity.legacy_until);

  // Problems found before the walk wait for it to reach their record, so that the first one in chain order is named.
  const pending = new Map<number, string>();
  const later = (seq: number, problem: string) => {
    if (!pending.has(seq)) pending.set(seq, problem);
  };
  const checkpoints = new Map<number, Checkpoint>();
  for (const c of await db.query<{ seq: string; hash: string; jws: string }>('SELECT seq::text AS seq, hash, jws FROM audit_checkpoints ORDER BY audit_checkpoints.seq')) {
    const seq = Number(c.seq);
    const checked = await readCheckpoint(c.jws, keys, seq, c.hash, chainId, legacyUntil);
    if (typeof checked === 'string') later(seq, `its signed checkpoint ${checked}`);
    else checkpoints.set(seq, checked);
  }
  const [{ top } = { top: '0' }] = await db.query<{ top: string }>('SELECT coalesce(max(seq), 0)::text AS top FROM audit_log');
  let lastSigned = Math.max(0, ...checkpoints.keys());
  if (options.checkpointFile) {
    const file = await createCheckpointFile(options.checkpointFile).read();
    for (const line of file.lines) {
      let claims: Record<string, unknown>;
      try {
        claims = decodeJwt(line.jws);
      } catch {
        continue;
      }
      // Other chains (another database, a test run) may share a file: only this chain's entries count.
      if (claims.chain !== chainId) continue;
      const seq = Number(claims.seq);
      const checked = await readCheckpoint(line.jws, keys, seq, String(claims.hash), chainId, legacyUntil);
      if (typeof checked === 'string') {
        later(seq, `its signed checkpoint in ${options.checkpointFile} ${checked}`);
        continue;
      }
      report.fileCheckpoints++;
      lastSigned = Math.max(lastSigned, seq);
      const inDatabase = checkpoints.get(seq);
      if (!inDatabase && seq <= Number(top)) later(seq, `its signed checkpoint is in ${options.checkpointFile} but was deleted from the database`);
      else if (inDatabase && inDatabase.hash !== checked.hash) later(seq, `its checkpoint in the database differs from the one in ${options.checkpointFile}`);
      if (!inDatabase) checkpoints.set(seq, checked);
    }
  }

  let previous: { seq: number; hash: string } | null = null;
  let after = 0;
  // The cadence: the latest checkpoint so far, and the first record since that made one due.
  let cp: { seq: number; at: number; every: number; everyMs: number } = { seq: 0, at: Number.NEGATIVE_INFINITY, every: cadence.records, everyMs: cadence.ms };
  let batch: { at: number; version: number } | null = null;
  let due: { seq: number; batchesLeft: number } | null = null;
  const uncovered = (seq: number) =>
    broken(seq, `no signed checkpoint covers it, though one is due every ${cp.every} records or ${cp.everyMs} ms (checkpoints deleted?)`);

  for (;;) {
    const rows = await db.query<Row>(
      `SELECT seq::text AS seq, recorded_at, retain_until, request_id, caller_kind, caller_id, agency, purpose, case_id,
              subject_id, fields, registries, outcome, reason, content_hash, prev_hash, hash, pruned_at,
              hash_version, personal_hash, personal_salt, chain_kid
         FROM audit_log WHERE audit_log.seq > $1 ORDER BY audit_log.seq LIMIT ${PAGE}`,
      [after],
    );
    for (const r of rows) {
      const seq = Number(r.seq);
      for (const [at, problem] of pending) if (at <= seq) return broken(at, problem);
      const expectedPrev = previous ? previous.hash : GENESIS;
      if (previous && seq !== previous.seq + 1) return broken(previous.seq + 1, `records ${previous.seq + 1}..${seq - 1} are missing`);
      if (!previous && seq !== 1) return broken(1, `records 1..${seq - 1} are missing`);
      if (r.prev_hash !== expectedPrev) return broken(seq, 'its previous hash does not match the record before it');

      const problem = r.hash_version === 1 ? checkLegacy(r, seq, legacyUntil) : r.hash_version === 2 ? checkRecord(r, seq, legacyUntil, keys) : `it names an unknown hash scheme (${r.hash_version})`;
      if (problem) return broken(seq, problem);
      if (r.pruned_at) {
        report.pruned++;
        const prunedAt = new Date(r.pruned_at).getTime();
        const retainUntil = new Date(r.retain_until).getTime();
        if (prunedAt < retainUntil) {
          return broken(seq, `it was marked pruned at ${new Date(prunedAt).toISOString()}, before its retention ended at ${new Date(retainUntil).toISOString()}`);
        }
        if (prunedAt > now + skew) return broken(seq, `it is marked pruned at ${new Date(prunedAt).toISOString()}, a time still to come`);
      }
      if (r.hash_version === 1) report.legacy++;

      // A batch is a run of records written in one transaction: one recorded time, one scheme.
      const at = new Date(r.recorded_at).getTime();
      if (batch && (batch.at !== at || batch.version !== r.hash_version) && due) {
        // Scheme-1 writers signed after committing: a crash in between left the checkpoint to the next batch.
        if (due.batchesLeft === 0) return uncovered(due.seq);
        due.batchesLeft--;
      }
      batch = { at, version: r.hash_version };
      const every = Math.max(cadence.records, cp.every);
      const everyMs = Math.max(cadence.ms, cp.everyMs);
      if (!due && (seq - cp.seq >= every || at - cp.at >= everyMs + skew)) due = { seq, batchesLeft: r.hash_version === 1 ? 1 : 0 };

      const signed = checkpoints.get(seq);
      if (signed !== undefined && signed.hash !== r.hash) return broken(seq, 'it differs from the signed checkpoint for it');
      if (signed !== undefined) {
        report.checkpoints++;
        cp = { seq, at: signed.at, every: signed.every ?? cadence.records, everyMs: signed.everyMs ?? cadence.ms };
        due = null;
      }
      previous = { seq, hash: r.hash };
      report.records++;
    }
    if (rows.length < PAGE) break;
    after = Number((rows[rows.length - 1] as Row).seq);
  }

  if (lastSigned > (previous?.seq ?? 0)) {
    return broken(lastSigned, `records up to ${lastSigned} were signed but are gone (the end of the chain was removed)`);
  }
  const first = [...pending.keys()].sort((a, b) => a - b)[0];
  if (first !== undefined) return broken(first, pending.get(first) as string);
  if (due && (batch?.version !== 1 || due.batchesLeft === 0)) return uncovered(due.seq);
  return report;
}

/** Checks a signed checkpoint; its claims, or what is wrong with it (said of "its signed checkpoint"). */
async function readCheckpoint(jws: string, keys: KeyRing, seq: number, hash: string, chainId: string, legacyUntil: number): Promise<Checkpoint | string> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(jws, keys.keySet, { algorithms: ['ES256'], typ: CHECKPOINT_TYPE }));
  } catch {
    return 'does not verify with the gateway keys';
  }
  if (payload.seq !== seq || payload.hash !== hash) return 'differs from the row that holds it';
  if (payload.chain === undefined) {
    // Scheme 1 checkpoints carry no more than seq and hash, and none can follow the upgrade.
    if (seq > legacyUntil) return 'is of the old kind but was signed after the upgrade';
    return { hash, at: Number(payload.iat) * 1000, every: null, everyMs: null, version: 1 };
  }
  if (payload.chain !== chainId) return 'was signed for another chain';
  if (payload.legacyUntil !== legacyUntil) return `puts the upgrade point at record ${String(payload.legacyUntil)}, the database at ${legacyUntil}`;
  if (typeof payload.at !== 'number' || typeof payload.every !== 'number' || typeof payload.everyMs !== 'number') return 'has malformed claims';
  return { hash, at: payload.at, every: payload.every, everyMs: payload.everyMs, version: 2 };
}

const PERSONAL: (keyof Row)[] = ['request_id', 'caller_id', 'case_id', 'subject_id', 'fields', 'reason', 'personal_salt'];

/** A scheme-2 record: the kept part always, the personal part unless pruned, the keyed link. */
function checkRecord(r: Row, seq: number, legacyUntil: number, keys: KeyRing): string | null {
  if (seq <= legacyUntil) return `it claims the new hash scheme but lies before the upgrade point (record ${legacyUntil})`;
  if (!r.personal_hash || !r.chain_kid) return 'it lacks its personal hash or chain key id';
  const kept = keptHash({
    seq,
    recordedAt: new Date(r.recorded_at).toISOString(),
    retainUntil: new Date(r.retain_until).toISOString(),
    callerKind: r.caller_kind,
    agency: r.agency,
    purpose: r.purpose,
    registries: r.registries,
    outcome: r.outcome,
  });
  if (r.pruned_at) {
    if (PERSONAL.some((c) => r[c] !== null)) return 'it is marked pruned but still holds personal data';
  } else {
    const personal = personalHash({
      salt: r.personal_salt as string,
      requestId: r.request_id as string,
      callerId: r.caller_id as string,
      caseId: r.case_id,
      subjectId: r.subject_id as string,
      fields: r.fields ?? [],
      reason: r.reason,
    });
    if (personal !== r.personal_hash) return 'its content was changed after it was written';
  }
  if (contentHash(kept, r.personal_hash) !== r.content_hash) return 'its content was changed after it was written';
  const mac = keys.chain.mac(r.chain_kid, linkInput(r.prev_hash, seq, r.content_hash));
  if (mac === null) return `it is linked under chain key ${r.chain_kid}, which is not in the key directory`;
  if (mac !== r.hash) return "its hash is not the gateway's keyed link of its content and the record before it (rewritten without the chain key?)";
  return null;
}

/** A scheme-1 record: whole content unless pruned, plain link; only before the upgrade point. */
function checkLegacy(r: Row, seq: number, legacyUntil: number): string | null {
  if (seq > legacyUntil) return `it is hashed the old way (scheme 1) but was written after the upgrade (record ${legacyUntil})`;
  if (r.pruned_at) {
    if (PERSONAL.some((c) => r[c] !== null)) return 'it is marked pruned but still holds personal data';
  } else {
    const content: LegacyContent = {
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
    if (legacyContentHash(content) !== r.content_hash) return 'its content was changed after it was written';
  }
  if (legacyLinkHash(r.prev_hash, seq, r.content_hash) !== r.hash) return 'its hash does not match its content hash and previous hash';
  return null;
}

import type { KeyRing } from '../keys/loadKeyRing';
import type { Queryable, Store } from '../store/createStore';
import { contentHash, GENESIS, linkHash, type AuditContent } from './hashChain';

/** One record to write: an operation's dealings with one subject. */
export interface AuditEntry {
  requestId: string;
  callerKind: 'citizen' | 'agency';
  callerId: string;
  agency: string | null;
  purpose: string | null;
  caseId: string | null;
  subjectId: string;
  /** Field paths from the subject (`person.fullName`), never values. */
  fields: string[];
  registries: string[];
  outcome: 'disclosed' | 'denied' | 'failed';
  reason: string | null;
  /** How long the record is kept in full (the purpose's retention). */
  retentionDays: number;
}

export interface AuditLogOptions {
  /** Sign the chain head after this many records... */
  checkpointEveryRecords?: number;
  /** ...or when this much time has passed since the last signature. */
  checkpointEveryMs?: number;
  /** Most records written in one transaction. */
  maxBatch?: number;
  now?: () => Date;
  /** Told of each committed transaction and how many records it held (metrics). */
  onCommit?: (records: number) => void;
}

interface Waiting {
  entries: AuditEntry[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Arbitrary but fixed: one writer at a time, across every process sharing the database. */
const CHAIN_LOCK = 74_200_002;
const INSERT_INTO = `
  INSERT INTO audit_log (seq, recorded_at, retain_until, request_id, caller_kind, caller_id, agency, purpose,
                         case_id, subject_id, fields, registries, outcome, reason, content_hash, prev_hash, hash)`;
// The rows travel as one JSON array: the statement text is the same whatever the batch
// size (parsed and planned once), and serialising is one native JSON.stringify rather than
// escaping seventeen PostgreSQL array literals.
const ROWS = `
  SELECT seq, recorded_at, retain_until, request_id, caller_kind, caller_id, agency, purpose, case_id, subject_id,
         fields, registries, outcome, reason, content_hash, prev_hash, hash
    FROM jsonb_to_recordset($1::jsonb)
      AS t(seq bigint, recorded_at timestamptz, retain_until timestamptz, request_id text, caller_kind text, caller_id text,
           agency text, purpose text, case_id text, subject_id text, fields text[], registries text[], outcome text, reason text,
           content_hash text, prev_hash text, hash text)`;
/** Inside a transaction that already holds the chain lock. */
const INSERT_BATCH = `${INSERT_INTO}${ROWS}`;
/** One statement, its own transaction: takes the chain lock ($2) before its first row is inserted. */
const INSERT_AFTER_LOCK = `WITH chain_lock AS (SELECT pg_advisory_xact_lock($2::bigint))${INSERT_INTO}${ROWS}
    CROSS JOIN chain_lock`;
const UNIQUE_VIOLATION = '23505';

/**
 * The append-only, hash-chained audit trail. Appends from concurrent requests are
 * grouped into one transaction (group commit): under an advisory lock it reads the
 * chain head, links the new records to it and inserts them in one statement, so the
 * chain stays single and gapless with any number of gateway processes. `append`
 * resolves only once the records are committed: the caller may then disclose.
 */
export class AuditLog {
  private readonly queue: Waiting[] = [];
  private draining = false;
  private lastCheckpointSeq = 0;
  private lastCheckpointAt = 0;
  /** The chain head as this process last wrote it; null when unknown (start, failure, another writer). */
  private known: { seq: number; hash: string } | null = null;
  private readonly now: () => Date;
  private readonly every: { records: number; ms: number };
  private readonly maxBatch: number;
  private readonly onCommit: (records: number) => void;

  constructor(
    private readonly store: Store,
    private readonly keys: KeyRing,
    options: AuditLogOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.every = { records: options.checkpointEveryRecords ?? 500, ms: options.checkpointEveryMs ?? 60_000 };
    this.maxBatch = options.maxBatch ?? 200;
    this.onCommit = options.onCommit ?? (() => {});
  }

  /** Writes the records of one operation; resolves when they are durable. */
  append(entries: AuditEntry[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.queue.push({ entries, resolve, reject });
      if (!this.draining) void this.drain();
    });
  }

  /** Blanks the personal columns of records past their retention; returns how many. */
  async prune(): Promise<number> {
    const rows = await this.store.query<{ seq: string }>(
      `UPDATE audit_log
          SET request_id = NULL, caller_id = NULL, case_id = NULL, subject_id = NULL, fields = NULL, reason = NULL, pruned_at = $1
        WHERE retain_until < $1 AND pruned_at IS NULL
        RETURNING seq::text AS seq`,
      [this.now()],
    );
    return rows.length;
  }

  /** Signs the current chain head now (also done periodically while writing). */
  async checkpoint(): Promise<void> {
    await this.store.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK]);
      const head = await this.head(tx);
      if (head.seq > 0) await this.sign(tx, head.seq, head.hash);
    });
  }

  /**
   * Writes queued records until none are left. The flag is cleared in the same
   * synchronous step that finds the queue empty (no `await` in between), so an append
   * made by a caller woken by the last batch always starts a new loop.
   */
  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const batch: Waiting[] = [];
        let size = 0;
        while (this.queue.length > 0 && (batch.length === 0 || size + (this.queue[0] as Waiting).entries.length <= this.maxBatch)) {
          const next = this.queue.shift() as Waiting;
          batch.push(next);
          size += next.entries.length;
        }
        try {
          const entries = batch.flatMap((w) => w.entries);
          await this.write(entries);
          this.onCommit(entries.length);
          for (const w of batch) w.resolve();
        } catch (err) {
          for (const w of batch) w.reject(err);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  private async head(tx: Queryable): Promise<{ seq: number; hash: string }> {
    const row = (await tx.query<{ seq: string; hash: string }>('SELECT seq::text AS seq, hash FROM audit_log ORDER BY audit_log.seq DESC LIMIT 1'))[0];
    return row ? { seq: Number(row.seq), hash: row.hash } : { seq: 0, hash: GENESIS };
  }

  /**
   * One transaction's worth of records. The common case is one statement: linked to the
   * head this process last wrote, inserted under the chain lock (taken inside the
   * statement, so every writer still takes turns). If another process has moved the head
   * meanwhile, the first sequence number is already taken and the primary key refuses
   * the whole statement; the records are then linked again to the head read under the lock.
   */
  private async write(entries: AuditEntry[]): Promise<void> {
    const known = this.known;
    this.known = null;
    if (known) {
      try {
        const linked = this.link(known, entries);
        await this.store.query(INSERT_AFTER_LOCK, [linked.rows, CHAIN_LOCK]);
        this.known = linked.head;
        // The records are committed: a checkpoint that fails now must not fail their
        // requests. It stays due and is retried with the next batch.
        if (this.checkpointDue(linked.head.seq)) await this.sign(this.store, linked.head.seq, linked.head.hash).catch(() => {});
        return;
      } catch (err) {
        if ((err as { code?: string }).code !== UNIQUE_VIOLATION) throw err;
      }
    }
    const head = await this.store.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK]);
      const linked = this.link(await this.head(tx), entries);
      await tx.query(INSERT_BATCH, [linked.rows]);
      if (this.checkpointDue(linked.head.seq)) await this.sign(tx, linked.head.seq, linked.head.hash);
      return linked.head;
    });
    // Only once committed: a batch whose COMMIT failed is no head to link to.
    this.known = head;
  }

  /** Chains the records after `head`: the rows as JSON, and the new head. */
  private link(head: { seq: number; hash: string }, entries: AuditEntry[]): { rows: string; head: { seq: number; hash: string } } {
    let { seq, hash: prev } = head;
    const recordedAt = this.now();
    const rows: object[] = [];
    for (const e of entries) {
      seq++;
      const content: AuditContent = {
        seq,
        recordedAt: recordedAt.toISOString(),
        retainUntil: new Date(recordedAt.getTime() + e.retentionDays * 86_400_000).toISOString(),
        requestId: e.requestId,
        callerKind: e.callerKind,
        callerId: e.callerId,
        agency: e.agency,
        purpose: e.purpose,
        caseId: e.caseId,
        subjectId: e.subjectId,
        fields: e.fields,
        registries: e.registries,
        outcome: e.outcome,
        reason: e.reason,
      };
      const ch = contentHash(content);
      const hash = linkHash(prev, seq, ch);
      rows.push({
        seq,
        recorded_at: content.recordedAt,
        retain_until: content.retainUntil,
        request_id: e.requestId,
        caller_kind: e.callerKind,
        caller_id: e.callerId,
        agency: e.agency,
        purpose: e.purpose,
        case_id: e.caseId,
        subject_id: e.subjectId,
        fields: e.fields,
        registries: e.registries,
        outcome: e.outcome,
        reason: e.reason,
        content_hash: ch,
        prev_hash: prev,
        hash,
      });
      prev = hash;
    }
    return { rows: JSON.stringify(rows), head: { seq, hash: prev } };
  }

  private checkpointDue(seq: number): boolean {
    return seq - this.lastCheckpointSeq >= this.every.records || Date.now() - this.lastCheckpointAt >= this.every.ms;
  }

  private async sign(tx: Queryable, seq: number, hash: string): Promise<void> {
    const signedAt = this.now();
    const jws = await this.keys.sign({ seq, hash }, { typ: 'audit-checkpoint+jwt' });
    await tx.query('INSERT INTO audit_checkpoints (seq, hash, signed_at, jws) VALUES ($1, $2, $3, $4) ON CONFLICT (seq) DO NOTHING', [seq, hash, signedAt, jws]);
    this.lastCheckpointSeq = seq;
    this.lastCheckpointAt = Date.now();
  }
}

import { randomBytes } from 'node:crypto';
import type { KeyRing } from '../keys/loadKeyRing';
import type { Queryable, Store } from '../store/createStore';
import { StoreUnavailableError } from '../store/StoreUnavailableError';
import { createCheckpointFile, type CheckpointFile } from './createCheckpointFile';
import { CHECKPOINT_TYPE, contentHash, GENESIS, HASH_VERSION, keptHash, linkInput, personalHash, type CheckpointClaims } from './hashChain';

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
  /** Records blanked per statement when pruning (default 5000). */
  pruneBatch?: number;
  /** Sign the chain head after this many records... */
  checkpointEveryRecords?: number;
  /** ...or when this much time has passed since the last signature. */
  checkpointEveryMs?: number;
  /** Most records written in one transaction. */
  maxBatch?: number;
  /** Longest one transaction may take to commit; past it, its requests are refused. */
  batchDeadlineMs?: number;
  /** Most records waiting for a transaction; past it, `append` refuses at once. */
  maxQueuedRecords?: number;
  /** Append-only file that receives a copy of each signed checkpoint; null for none. */
  checkpointFile?: string | null;
  now?: () => Date;
  /** Told of each committed transaction and how many records it held (metrics). */
  onCommit?: (records: number) => void;
  /** Told when a committed checkpoint could not be copied to the checkpoint file. */
  onCheckpointFileError?: (err: Error) => void;
}

/**
 * Records each transaction of the trail as a span under a request whose records it
 * carries. Given per append, and only while tracing is on.
 */
export interface CommitTrace {
  /**
   * Starts the span of one transaction of `records` records, made of this request's and
   * those of `others` (the requests it was grouped with, linked rather than parented).
   */
  commit(records: number, others: readonly CommitTrace[]): { end(error?: Error): void };
}

/** What the writer last saw of the store, for readiness and metrics. */
export interface AuditStatus {
  /** False from a failed or overdue transaction until a later one (or a probe) succeeds. */
  committing: boolean;
  queuedRecords: number;
  lastCommitAt: Date | null;
  lastFailureAt: Date | null;
}

interface Waiting {
  entries: AuditEntry[];
  trace: CommitTrace | undefined;
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface Signed {
  claims: CheckpointClaims;
  jws: string;
}

/** Arbitrary but fixed: one writer at a time, across every process sharing the database. */
const CHAIN_LOCK = 74_200_002;
const INSERT_INTO = `
  INSERT INTO audit_log (seq, recorded_at, retain_until, request_id, caller_kind, caller_id, agency, purpose, case_id, subject_id,
                         fields, registries, outcome, reason, content_hash, prev_hash, hash, hash_version, personal_hash, personal_salt, chain_kid)`;
// The rows travel as one JSON array: the statement text is the same whatever the batch
// size (parsed and planned once), and each row is one JSON text written out by `link` (written
// into the parameter by `jsonArray`) rather than twenty-one escaped PostgreSQL array literals.
// What PostgreSQL spends per row is mostly in
// turning each JSON object into a row, so the rows carry no more than they must: the batch's
// time once ($2), each row's retention in days (added as whole days of 86,400 s, whatever the
// session's time zone, exactly as the record's hash computes it), and the two lists as array
// literals (text → text[] costs less than a JSON array → text[]). Against one jsonb array of
// complete rows this took a third less of the server's CPU per record (docs/PERFORMANCE.md).
const ROWS = `
  SELECT seq, $2::timestamptz, $2::timestamptz + retention_days * interval '86400 seconds', request_id, caller_kind, caller_id,
         agency, purpose, case_id, subject_id, fields::text[], registries::text[], outcome, reason, content_hash, prev_hash, hash,
         hash_version, personal_hash, personal_salt, chain_kid
    FROM json_to_recordset($1::json)
      AS t(seq bigint, retention_days integer, request_id text, caller_kind text, caller_id text, agency text, purpose text,
           case_id text, subject_id text, fields text, registries text, outcome text, reason text, content_hash text,
           prev_hash text, hash text, hash_version smallint, personal_hash text, personal_salt text, chain_kid text)`;
/** Inside a transaction that already holds the chain lock. */
const INSERT_BATCH = `${INSERT_INTO}${ROWS}`;
/** One statement, its own transaction: takes the chain lock ($3) before its first row is inserted. */
const INSERT_AFTER_LOCK = `WITH chain_lock AS (SELECT pg_advisory_xact_lock($3::bigint))${INSERT_INTO}${ROWS}
    CROSS JOIN chain_lock`;
/** The chain's identity as every checkpoint names it (the `audit_chain` row). */
interface ChainIdentity {
  id: string;
  legacyUntil: number;
}

const INSERT_CHECKPOINT = 'INSERT INTO audit_checkpoints (seq, hash, signed_at, jws) VALUES ($1, $2, $3, $4) ON CONFLICT (seq) DO NOTHING';
/** INSERT_AFTER_LOCK and the batch's checkpoint ($4–$7), one statement: both commit or neither. */
const INSERT_WITH_CHECKPOINT = `WITH chain_lock AS (SELECT pg_advisory_xact_lock($3::bigint)),
  records AS (${INSERT_INTO}${ROWS}
    CROSS JOIN chain_lock
    RETURNING seq)
  INSERT INTO audit_checkpoints (seq, hash, signed_at, jws)
  SELECT $4::bigint, $5::text, $6::timestamptz, $7::text WHERE EXISTS (SELECT 1 FROM records)
  ON CONFLICT (seq) DO NOTHING`;
const UNIQUE_VIOLATION = '23505';
const SALT_BYTES = 16;

/** Field paths and registry names as written, each once: a bounded set (schema coordinates). */
const written = new Map<string, string>();
const LATIN1 = /^[\x00-\xff]*$/;

/**
 * The same text, held by V8 as a one-byte string whenever it is Latin-1. Field paths are built
 * from names sliced out of sources that also hold Vietnamese text (the schema's SDL, the forms
 * catalogue), and such slices keep their source's two-byte form: one of them made the JSON of a
 * whole batch two-byte — twice the bytes, allocated outside V8's regular heap — and the
 * PostgreSQL driver's measure of it several times slower (docs/PERFORMANCE.md, "What 0.5× would
 * take on this machine").
 */
export function oneByte(text: string): string {
  const known = written.get(text);
  if (known !== undefined) return known;
  if (!LATIN1.test(text)) return text;
  const copy = Buffer.from(text, 'latin1').toString('latin1');
  // Kept under the copy, never under `text`: a name sliced out of a request's document holds on
  // to the whole document, which must not outlive the request.
  if (written.size < 10_000) written.set(copy, copy);
  return copy;
}

/** A string as JSON, or null (also for a value left undefined, which JSON.stringify of an object would have omitted). */
function json(value: string | null | undefined): string {
  return value === null || value === undefined ? 'null' : JSON.stringify(value);
}

/** A PostgreSQL array literal of `values`, each quoted: `{"a","b \"c\""}`. */
export function arrayLiteral(values: readonly string[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as string;
    out += `${i === 0 ? '' : ','}"${/["\\]/.test(v) ? v.replace(/["\\]/g, '\\$&') : v}"`;
  }
  return `${out}}`;
}

/**
 * The JSON array of `rows` (each a JSON text; `bytes` at least their length with the brackets and commas), as
 * UTF-8 bytes for PostgreSQL (sent as a binary parameter, which json takes as its text). One
 * JSON.stringify of the whole batch made a string V8 keeps as a tree of parts, which the driver
 * flattened to measure it: about 1 ms for a batch of 250 records, 28 µs once flat; building and
 * writing the rows one by one into a buffer costs less than that flattening alone
 * (docs/PERFORMANCE.md, "Optimisations, before and after").
 */
function jsonArray(rows: readonly string[], bytes: number): Buffer {
  const out = Buffer.allocUnsafe(bytes);
  let at = 0;
  out[at++] = 0x5b; // [
  for (let i = 0; i < rows.length; i++) {
    if (i > 0) out[at++] = 0x2c; // ,
    at += out.write(rows[i] as string, at);
  }
  out[at++] = 0x5d; // ]
  return out.subarray(0, at);
}

/**
 * The append-only, hash-chained audit trail. Appends from concurrent requests are
 * grouped into one transaction (group commit): under an advisory lock it reads the
 * chain head, links the new records to it and inserts them in one statement, so the
 * chain stays single and gapless with any number of gateway processes. `append`
 * resolves only once the records are committed: the caller may then disclose.
 *
 * Each link is an HMAC under the gateway's chain key, and when a checkpoint is due the
 * batch commits together with its signed checkpoint, which is then copied to the
 * checkpoint file: the cadence `audit:verify` expects holds even across a crash.
 *
 * Every transaction has a deadline and the queue a bound: a store that hangs or falls
 * behind turns into quick refusals (the request answers STORE_UNAVAILABLE), never
 * into requests that wait without end.
 */
export class AuditLog {
  private readonly queue: Waiting[] = [];
  private queuedRecords = 0;
  private draining = false;
  /** This process's last signature: the next is due from it. */
  private lastCheckpoint = { seq: 0, at: Number.NEGATIVE_INFINITY };
  /** The chain head as this process last wrote it; null when unknown (start, failure, another writer). */
  private known: { seq: number; hash: string } | null = null;
  /** Moves on when a transaction is given up: its late completion must not set `known`. */
  private generation = 0;
  private chain: ChainIdentity | null = null;
  private committing = true;
  private lastCommitAt: Date | null = null;
  private lastFailureAt: Date | null = null;
  private probing: Promise<boolean> | null = null;
  private readonly now: () => Date;
  private readonly every: { records: number; ms: number };
  private readonly maxBatch: number;
  private readonly pruneBatch: number;
  private readonly deadlineMs: number;
  private readonly maxQueued: number;
  private readonly file: CheckpointFile | null;
  private readonly onCommit: (records: number) => void;
  private readonly onFileError: (err: Error) => void;

  constructor(
    private readonly store: Store,
    private readonly keys: KeyRing,
    options: AuditLogOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.every = { records: options.checkpointEveryRecords ?? 500, ms: options.checkpointEveryMs ?? 60_000 };
    this.maxBatch = options.maxBatch ?? 200;
    this.pruneBatch = options.pruneBatch ?? 5000;
    this.deadlineMs = options.batchDeadlineMs ?? 2000;
    this.maxQueued = options.maxQueuedRecords ?? 5000;
    this.file = options.checkpointFile ? createCheckpointFile(options.checkpointFile) : null;
    this.onCommit = options.onCommit ?? (() => {});
    this.onFileError = options.onCheckpointFileError ?? (() => {});
  }

  /**
   * Writes the records of one operation; resolves when they are durable. Rejects at
   * once with a StoreUnavailableError when the queue is full, and at the latest when
   * the transaction carrying them passes its deadline. `trace` records that
   * transaction under the request (tracing on only).
   */
  append(entries: AuditEntry[], trace?: CommitTrace): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    // One operation larger than the bound is still taken when nothing waits: it could never be written otherwise.
    if (this.queuedRecords > 0 && this.queuedRecords + entries.length > this.maxQueued) {
      return Promise.reject(new StoreUnavailableError(`audit queue full (${this.queuedRecords} records waiting)`));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ entries, trace, resolve, reject });
      this.queuedRecords += entries.length;
      if (!this.draining) void this.drain();
    });
  }

  /** What the writer last saw: whether transactions are committing, and how much waits. */
  status(): AuditStatus {
    return { committing: this.committing, queuedRecords: this.queuedRecords, lastCommitAt: this.lastCommitAt, lastFailureAt: this.lastFailureAt };
  }

  /**
   * Whether a record appended now can commit: the queue has room and a probe
   * transaction (the chain lock taken, a write to the trail's table) commits within the
   * batch deadline. While a probe is still pending, later calls wait on that one
   * instead of starting another, so a hung store holds one probe, not one per call.
   */
  async canCommit(): Promise<boolean> {
    if (this.queuedRecords >= this.maxQueued) return false;
    this.probing ??= this.store
      .transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK]);
        await tx.query('UPDATE audit_log SET seq = seq WHERE false');
      })
      .then(
        () => true,
        () => false,
      )
      .finally(() => {
        this.probing = null;
      });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), this.deadlineMs);
    });
    const ok = await Promise.race([this.probing, deadline]);
    clearTimeout(timer);
    this.committing = ok;
    if (!ok) this.lastFailureAt = this.now();
    return ok;
  }

  /** Blanks the personal columns of records past their retention; returns how many. */
  async prune(): Promise<number> {
    const at = this.now();
    let total = 0;
    // In batches, so that each statement stays well within the store's statement deadline
    // however large the backlog (a first prune after months, a restored backup).
    for (;;) {
      // personal_hash stays: it is what the content hash still needs of what is blanked.
      const rows = await this.store.query<{ seq: string }>(
        `UPDATE audit_log
            SET request_id = NULL, caller_id = NULL, case_id = NULL, subject_id = NULL, fields = NULL, reason = NULL,
                personal_salt = NULL, pruned_at = $1
          WHERE seq IN (SELECT seq FROM audit_log WHERE retain_until < $1 AND pruned_at IS NULL ORDER BY seq LIMIT $2)
          RETURNING seq::text AS seq`,
        [at, this.pruneBatch],
      );
      total += rows.length;
      if (rows.length < this.pruneBatch) return total;
    }
  }

  /** Signs the current chain head now (also done with the batches that make one due). */
  async checkpoint(): Promise<void> {
    const signed = await this.store.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK]);
      const head = await this.head(tx);
      return head.seq > 0 ? this.sign(tx, head) : null;
    });
    if (signed) await this.published(signed);
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
        this.queuedRecords -= size;
        const entries = batch.flatMap((w) => w.entries);
        const span = traceCommit(batch, entries.length);
        try {
          await this.writeWithinDeadline(entries);
          span?.end();
          this.committing = true;
          this.lastCommitAt = this.now();
          this.onCommit(entries.length);
          for (const w of batch) w.resolve();
        } catch (err) {
          span?.end(err as Error);
          for (const w of batch) w.reject(err);
          if (err instanceof StoreUnavailableError) {
            // Those waiting would meet the same store: they are refused now rather than after another deadline.
            this.committing = false;
            this.lastFailureAt = this.now();
            const waiting = this.queue.splice(0);
            this.queuedRecords = 0;
            for (const w of waiting) w.reject(err);
          }
        }
      }
    } finally {
      this.draining = false;
    }
  }

  /**
   * One transaction, given `deadlineMs` to commit. Past it the waiters are refused; the
   * transaction itself cannot be called back and may still commit later — a record for
   * a response that was withheld, which errs on the safe side. It must not then set
   * the head this process links to, hence the generation.
   */
  private writeWithinDeadline(entries: AuditEntry[]): Promise<void> {
    const generation = this.generation;
    const writing = this.write(entries, generation);
    writing.catch(() => {});
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        this.generation++;
        this.known = null;
        reject(new StoreUnavailableError(`audit transaction not committed within ${this.deadlineMs} ms`));
      }, this.deadlineMs);
    });
    return Promise.race([writing, deadline]).finally(() => clearTimeout(timer));
  }

  private async head(tx: Queryable): Promise<{ seq: number; hash: string }> {
    const row = (await tx.query<{ seq: string; hash: string }>('SELECT seq::text AS seq, hash FROM audit_log ORDER BY audit_log.seq DESC LIMIT 1'))[0];
    return row ? { seq: Number(row.seq), hash: row.hash } : { seq: 0, hash: GENESIS };
  }

  /**
   * One transaction's worth of records, in one statement: linked to the head this process
   * last wrote, inserted under the chain lock (taken inside the statement, so every writer
   * still takes turns), with the signed checkpoint when the batch makes one due (signed
   * before sending, over the head the batch ends at, and inserted by the same statement, so
   * that records and checkpoint commit together or not at all). If another process has
   * moved the head meanwhile, the first sequence number is already taken and the primary
   * key refuses the whole statement; the records are then linked again to the head read
   * under the lock, in a transaction — as the first batch of a process is.
   */
  private async write(entries: AuditEntry[], generation: number): Promise<void> {
    const known = this.known;
    this.known = null;
    const recordedAt = this.now();
    // The chain's identity, named in every checkpoint, is read by the first transaction.
    const chain = this.chain;
    if (known && (chain || !this.checkpointDue(known.seq + entries.length, recordedAt))) {
      try {
        const linked = this.link(known, entries, recordedAt);
        const signed = chain && this.checkpointDue(linked.head.seq, recordedAt) ? await this.signHead(chain, linked.head) : null;
        if (signed) {
          const { claims, jws } = signed;
          await this.store.query(INSERT_WITH_CHECKPOINT, [linked.rows, linked.recordedAt, CHAIN_LOCK, claims.seq, claims.hash, new Date(claims.at), jws], { name: 'audit_insert_with_checkpoint' });
        } else {
          // Named: parsed and planned once per connection rather than for every batch (neither
          // statement returns rows at its top level, which a column change would break).
          await this.store.query(INSERT_AFTER_LOCK, [linked.rows, linked.recordedAt, CHAIN_LOCK], { name: 'audit_insert_after_lock' });
        }
        if (generation === this.generation) this.known = linked.head;
        if (signed) await this.published(signed);
        return;
      } catch (err) {
        if ((err as { code?: string }).code !== UNIQUE_VIOLATION) throw err;
      }
    }
    const { head, signed } = await this.store.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK]);
      const linked = this.link(await this.head(tx), entries, recordedAt);
      await tx.query(INSERT_BATCH, [linked.rows, linked.recordedAt]);
      return { head: linked.head, signed: this.checkpointDue(linked.head.seq, recordedAt) ? await this.sign(tx, linked.head) : null };
    });
    // Only once committed: a batch whose COMMIT failed is no head to link to, and no checkpoint.
    if (generation === this.generation) this.known = head;
    if (signed) await this.published(signed);
  }

  /** Chains the records after `head`: the rows as JSON, the batch's time as written, and the new head. */
  private link(head: { seq: number; hash: string }, entries: AuditEntry[], recordedAt: Date): { rows: Buffer | string; recordedAt: string; head: { seq: number; hash: string } } {
    let { seq, hash: prev } = head;
    const kid = this.keys.chain.activeKid;
    const salts = randomBytes(SALT_BYTES * entries.length);
    const rows: string[] = [];
    // The UTF-8 size of the batch, for the buffer PostgreSQL's parameter is written into (the embedded store takes the text).
    const sized = this.store.kind === 'postgres';
    let bytes = entries.length + 2;
    const recorded = recordedAt.toISOString();
    const retention = new Map<number, string>();
    for (const [i, e] of entries.entries()) {
      seq++;
      // One date per retention in the batch: formatting it was a third of this loop's own time.
      let retainUntil = retention.get(e.retentionDays);
      if (retainUntil === undefined) retention.set(e.retentionDays, (retainUntil = new Date(recordedAt.getTime() + e.retentionDays * 86_400_000).toISOString()));
      const salt = salts.subarray(i * SALT_BYTES, (i + 1) * SALT_BYTES).toString('hex');
      const fields = e.fields.map(oneByte);
      const registries = e.registries.map(oneByte);
      const kept = keptHash({ seq, recordedAt: recorded, retainUntil, callerKind: e.callerKind, agency: e.agency, purpose: e.purpose, registries, outcome: e.outcome });
      const personal = personalHash({ salt, requestId: e.requestId, callerId: e.callerId, caseId: e.caseId, subjectId: e.subjectId, fields, reason: e.reason });
      const content = contentHash(kept, personal);
      const hash = this.keys.chain.mac(kid, linkInput(prev, seq, content)) as string;
      // Written out rather than JSON.stringify of an object: half the time per row, the same JSON
      // (every value that is not a number, a hex digest or a constant is escaped by JSON.stringify).
      const row =
        `{"seq":${seq},"retention_days":${e.retentionDays},"request_id":${json(e.requestId)},"caller_kind":${json(e.callerKind)},` +
        `"caller_id":${json(e.callerId)},"agency":${json(e.agency)},"purpose":${json(e.purpose)},"case_id":${json(e.caseId)},` +
        `"subject_id":${json(e.subjectId)},"fields":${json(arrayLiteral(fields))},"registries":${json(arrayLiteral(registries))},` +
        `"outcome":${json(e.outcome)},"reason":${json(e.reason)},"content_hash":"${content}","prev_hash":"${prev}","hash":"${hash}",` +
        `"hash_version":${HASH_VERSION},"personal_hash":"${personal}","personal_salt":"${salt}","chain_kid":${json(kid)}}`;
      rows.push(row);
      if (sized) bytes += Buffer.byteLength(row);
      prev = hash;
    }
    return { rows: sized ? jsonArray(rows, bytes) : `[${rows.join(',')}]`, recordedAt: recorded, head: { seq, hash: prev } };
  }

  private checkpointDue(seq: number, at: Date): boolean {
    return seq - this.lastCheckpoint.seq >= this.every.records || at.getTime() - this.lastCheckpoint.at >= this.every.ms;
  }

  private async chainIdentity(tx: Queryable): Promise<ChainIdentity> {
    if (!this.chain) {
      const row = (await tx.query<{ id: string; legacy_until: string }>('SELECT chain_id::text AS id, legacy_until::text AS legacy_until FROM audit_chain'))[0];
      if (!row) throw new Error('the audit_chain row is missing: the store was not migrated, or it was deleted');
      this.chain = { id: row.id, legacyUntil: Number(row.legacy_until) };
    }
    return this.chain;
  }

  /** A signed checkpoint of `head` (inserted by the caller's statement or transaction). */
  private async signHead(chain: ChainIdentity, head: { seq: number; hash: string }): Promise<Signed> {
    const at = this.now().getTime();
    const claims: CheckpointClaims = { seq: head.seq, hash: head.hash, at, chain: chain.id, legacyUntil: chain.legacyUntil, every: this.every.records, everyMs: this.every.ms };
    const jws = await this.keys.sign({ ...claims }, { typ: CHECKPOINT_TYPE });
    return { claims, jws };
  }

  private async sign(tx: Queryable, head: { seq: number; hash: string }): Promise<Signed> {
    const signed = await this.signHead(await this.chainIdentity(tx), head);
    await tx.query(INSERT_CHECKPOINT, [head.seq, head.hash, new Date(signed.claims.at), signed.jws]);
    return signed;
  }

  /** After its commit: the next checkpoint is due from this one, and a copy leaves the database. */
  private async published(signed: Signed): Promise<void> {
    const { claims, jws } = signed;
    if (claims.seq >= this.lastCheckpoint.seq) this.lastCheckpoint = { seq: claims.seq, at: claims.at };
    // The records are committed: a copy that cannot be written must not fail their requests.
    await this.file?.append({ seq: claims.seq, hash: claims.hash, at: new Date(claims.at).toISOString(), jws }).catch((err: unknown) => this.onFileError(err as Error));
  }
}

/** The span of one transaction, under the first traced request in it, linked to the others; none while tracing is off. */
function traceCommit(batch: readonly Waiting[], records: number): { end(error?: Error): void } | undefined {
  let first: CommitTrace | undefined;
  let others: CommitTrace[] | undefined;
  for (const w of batch) {
    if (!w.trace) continue;
    if (first) (others ??= []).push(w.trace);
    else first = w.trace;
  }
  return first?.commit(records, others ?? []);
}

import type { RegistryName } from '../../connectors/types';
import type { Queryable, Store } from '../store/createStore';
import { StoreUnavailableError } from '../store/StoreUnavailableError';
import type { OpenCorrection } from '../../connectors/types';

/** Where a correction request stands: stored here (SUBMITTED), then the registry's statuses. */
export type CorrectionStatus = 'SUBMITTED' | 'RECEIVED' | 'IN_REVIEW' | 'CORRECTED' | 'REJECTED';
/** Statuses of a request still open: its field is disputed meanwhile. */
export const OPEN_STATUSES: readonly CorrectionStatus[] = ['SUBMITTED', 'RECEIVED', 'IN_REVIEW'];

export interface CorrectionHistoryEntry {
  status: CorrectionStatus;
  at: Date;
  reason: string | null;
}

/** One correction request, as the store keeps it. */
export interface CorrectionRecord {
  id: string;
  subjectId: string;
  reporterId: string;
  idempotencyKey: string;
  bodyHash: string;
  field: string;
  registry: RegistryName;
  documentId: string | null;
  proposedValue: string;
  note: string | null;
  evidenceDocumentId: string | null;
  status: CorrectionStatus;
  reason: string | null;
  createdAt: Date;
  updatedAt: Date;
  forwardedAt: Date | null;
  forwardAttempts: number;
  history: CorrectionHistoryEntry[];
}

export type { OpenCorrection };

export type NewCorrection = Omit<CorrectionRecord, 'status' | 'reason' | 'updatedAt' | 'forwardedAt' | 'forwardAttempts' | 'history'>;

interface Row {
  id: string;
  subject_id: string;
  reporter_id: string;
  idempotency_key: string;
  body_hash: string;
  field: string;
  registry: RegistryName;
  document_id: string | null;
  proposed_value: string;
  note: string | null;
  evidence_document_id: string | null;
  status: CorrectionStatus;
  reason: string | null;
  created_at: Date;
  updated_at: Date;
  forwarded_at: Date | null;
  forward_attempts: number;
}

const COLUMNS = `id, subject_id, reporter_id, idempotency_key, body_hash, field, registry, document_id, proposed_value, note,
  evidence_document_id, status, reason, created_at, updated_at, forwarded_at, forward_attempts`;
const OPEN = `status IN ('SUBMITTED', 'RECEIVED', 'IN_REVIEW')`;

/**
 * Correction requests in the gateway's store (migration 004): one row per report, its
 * status history beside it. Every call has a deadline: a store that hangs is a store
 * that is down (StoreUnavailableError), never a request that waits without end.
 */
export class CorrectionStore {
  constructor(
    private readonly store: Store,
    private readonly deadlineMs: number,
  ) {}

  /** The request a reporter made under this idempotency key, if any. */
  async byKey(reporterId: string, idempotencyKey: string): Promise<CorrectionRecord | null> {
    const rows = await this.query<Row>(`SELECT ${COLUMNS} FROM correction_requests WHERE reporter_id = $1 AND idempotency_key = $2`, [reporterId, idempotencyKey]);
    return (await this.withHistory(rows))[0] ?? null;
  }

  async byId(id: string): Promise<CorrectionRecord | null> {
    const rows = await this.query<Row>(`SELECT ${COLUMNS} FROM correction_requests WHERE id = $1`, [id]);
    return (await this.withHistory(rows))[0] ?? null;
  }

  /**
   * Stores a new request with its first status (SUBMITTED), due to be forwarded at once.
   * Null when the reporter already used the key (a concurrent retry won).
   */
  create(c: NewCorrection): Promise<CorrectionRecord | null> {
    return this.transaction(async (tx) => {
      const rows = await tx.query<Row>(
        `INSERT INTO correction_requests (id, subject_id, reporter_id, idempotency_key, body_hash, field, registry, document_id, proposed_value, note,
                                          evidence_document_id, status, created_at, updated_at, next_forward_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'SUBMITTED', $12, $12, $12)
         ON CONFLICT (reporter_id, idempotency_key) DO NOTHING
         RETURNING ${COLUMNS}`,
        [c.id, c.subjectId, c.reporterId, c.idempotencyKey, c.bodyHash, c.field, c.registry, c.documentId, c.proposedValue, c.note, c.evidenceDocumentId, c.createdAt],
      );
      const row = rows[0];
      if (!row) return null;
      await tx.query(`INSERT INTO correction_request_history (request_id, status, at) VALUES ($1, 'SUBMITTED', $2)`, [c.id, c.createdAt]);
      return { ...toRecord(row), history: [{ status: 'SUBMITTED' as const, at: new Date(c.createdAt), reason: null }] };
    });
  }

  /**
   * Takes requests not yet forwarded for forwarding now: these ids (`force`: even before
   * their backoff ends), or those due. Each is leased until `leaseUntil`, so that one
   * process forwards it at a time; a forwarder that dies leaves it to the next after the lease.
   */
  async claimForForwarding(options: { ids?: readonly string[]; force?: boolean; now: Date; leaseUntil: Date; limit: number }): Promise<CorrectionRecord[]> {
    const rows = await this.query<Row>(
      `UPDATE correction_requests SET forwarding_until = $2
        WHERE id IN (
          SELECT id FROM correction_requests
           WHERE forwarded_at IS NULL AND ${OPEN}
             AND (forwarding_until IS NULL OR forwarding_until <= $1)
             AND ($3::uuid[] IS NULL OR id = ANY($3::uuid[]))
             AND ($4 OR next_forward_at <= $1)
           ORDER BY next_forward_at
           LIMIT $5
           FOR UPDATE SKIP LOCKED)
        RETURNING ${COLUMNS}`,
      [options.now, options.leaseUntil, options.ids ? [...options.ids] : null, options.force ?? false, options.limit],
    );
    return this.withHistory(rows);
  }

  /** A forwarding attempt that failed: the lease is returned, the next attempt backs off. */
  async forwardFailed(id: string, nextAttemptAt: Date): Promise<void> {
    await this.query(`UPDATE correction_requests SET forward_attempts = forward_attempts + 1, next_forward_at = $2, forwarding_until = NULL WHERE id = $1`, [id, nextAttemptAt]);
  }

  /**
   * Records what the registry says of a request: its status (and rejection reason), the
   * history entries not yet recorded, and that it was forwarded. Returns the statuses that
   * are new to this store, in order: nothing when the registry said nothing new.
   */
  recordRegistryState(id: string, state: { status: CorrectionStatus; reason: string | null; history: readonly CorrectionHistoryEntry[] }, now: Date, forwarded: boolean): Promise<CorrectionStatus[]> {
    return this.transaction(async (tx) => {
      const added: CorrectionStatus[] = [];
      for (const h of state.history) {
        const inserted = await tx.query(`INSERT INTO correction_request_history (request_id, status, at, reason) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING status`, [id, h.status, h.at, h.reason]);
        if (inserted.length > 0) added.push(h.status);
      }
      // A decided request stays decided, whatever a late answer says.
      await tx.query(
        `UPDATE correction_requests
            SET status = $2, reason = $3, checked_at = $4,
                updated_at = CASE WHEN status <> $2 OR forwarded_at IS NULL THEN $4 ELSE updated_at END,
                forwarded_at = CASE WHEN $5 THEN COALESCE(forwarded_at, $4) ELSE forwarded_at END,
                forwarding_until = CASE WHEN $5 THEN NULL ELSE forwarding_until END
          WHERE id = $1 AND status NOT IN ('CORRECTED', 'REJECTED')`,
        [id, state.status, state.status === 'REJECTED' ? (state.reason ?? '') : null, now, forwarded],
      );
      return added;
    });
  }

  /** A subject's requests, newest first, each with its history. */
  async forSubject(subjectId: string, limit: number): Promise<CorrectionRecord[]> {
    const rows = await this.query<Row>(`SELECT ${COLUMNS} FROM correction_requests WHERE subject_id = $1 ORDER BY created_at DESC, id LIMIT $2`, [subjectId, limit]);
    return this.withHistory(rows);
  }

  /** Fields under an open request, for these subjects: one query for all of them. */
  async openFor(subjectIds: readonly string[]): Promise<OpenCorrection[]> {
    const rows = await this.query<{ subject_id: string; field: string; document_id: string | null }>(
      `SELECT subject_id, field, document_id FROM correction_requests WHERE subject_id = ANY($1::text[]) AND ${OPEN}`,
      [[...subjectIds]],
    );
    return rows.map((r) => ({ subjectId: r.subject_id, field: r.field, documentId: r.document_id }));
  }

  /** Requests the registry has and has not decided: of these subjects, or (no subjects) those not checked since `checkedBefore`. */
  async awaitingRegistry(options: { registry?: RegistryName; subjectIds?: readonly string[]; checkedBefore?: Date; limit: number }): Promise<CorrectionRecord[]> {
    const rows = await this.query<Row>(
      `SELECT ${COLUMNS} FROM correction_requests
        WHERE status IN ('RECEIVED', 'IN_REVIEW') AND forwarded_at IS NOT NULL
          AND ($1::text IS NULL OR registry = $1)
          AND ($2::text[] IS NULL OR subject_id = ANY($2::text[]))
          AND ($3::timestamptz IS NULL OR checked_at IS NULL OR checked_at < $3)
        ORDER BY checked_at NULLS FIRST
        LIMIT $4`,
      [options.registry ?? null, options.subjectIds ? [...options.subjectIds] : null, options.checkedBefore ?? null, options.limit],
    );
    return this.withHistory(rows);
  }

  /** Notes that the registry was asked about these requests (and had nothing new). */
  async checked(ids: readonly string[], now: Date): Promise<void> {
    if (ids.length === 0) return;
    await this.query(`UPDATE correction_requests SET checked_at = $2 WHERE id = ANY($1::uuid[])`, [[...ids], now]);
  }

  private async withHistory(rows: Row[]): Promise<CorrectionRecord[]> {
    if (rows.length === 0) return [];
    const history = await this.query<{ request_id: string; status: CorrectionStatus; at: Date; reason: string | null }>(
      `SELECT request_id, status, at, reason FROM correction_request_history WHERE request_id = ANY($1::uuid[]) ORDER BY at, status`,
      [rows.map((r) => r.id)],
    );
    return rows.map((r) => ({
      ...toRecord(r),
      history: history.filter((h) => h.request_id === r.id).map((h) => ({ status: h.status, at: new Date(h.at), reason: h.reason })),
    }));
  }

  private query<T extends object>(sql: string, params: unknown[]): Promise<T[]> {
    return this.within(this.store.query<T>(sql, params));
  }

  private transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.within(this.store.transaction(fn));
  }

  /** A store call that has not answered within the deadline is given up on, as if the store were down. */
  private within<T>(pending: Promise<T>): Promise<T> {
    pending.catch(() => {});
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new StoreUnavailableError(`correction store call not answered within ${this.deadlineMs} ms`)), this.deadlineMs);
    });
    return Promise.race([pending, deadline]).finally(() => clearTimeout(timer));
  }
}

function toRecord(r: Row): Omit<CorrectionRecord, 'history'> {
  return {
    id: r.id,
    subjectId: r.subject_id,
    reporterId: r.reporter_id,
    idempotencyKey: r.idempotency_key,
    bodyHash: r.body_hash,
    field: r.field,
    registry: r.registry,
    documentId: r.document_id,
    proposedValue: r.proposed_value,
    note: r.note,
    evidenceDocumentId: r.evidence_document_id,
    status: r.status,
    reason: r.reason,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
    forwardedAt: r.forwarded_at ? new Date(r.forwarded_at) : null,
    forwardAttempts: Number(r.forward_attempts),
  };
}

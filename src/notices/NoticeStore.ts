import { randomUUID } from 'node:crypto';
import type { RegistryName } from '../../connectors/types';
import type { RegistryChange } from '../http/registryEvents';
import type { Store } from '../store/createStore';
import { withDeadline } from '../store/withDeadline';

/** An agency's watch on one citizen, for one case. */
export interface WatchRecord {
  id: string;
  agency: string;
  /** The official who set (or last renewed) it. */
  official: string;
  /** The grant scope the official's token carried; notices are judged again with it. */
  scope: string;
  purpose: string;
  caseId: string;
  subjectId: string;
  createdAt: Date;
  until: Date;
  cancelledAt: Date | null;
}

/** A pending notice taken for one attempt, with what its watch says now. */
export interface ClaimedNotice {
  id: string;
  watchId: string;
  registry: RegistryName;
  agency: string;
  purpose: string;
  caseId: string;
  subjectId: string;
  changedAt: Date;
  /** This attempt's number, from 1: what the notice is settled with. */
  attempts: number;
  audited: boolean;
  official: string;
  scope: string;
}

/** A notice given up on after its last attempt. */
export interface DeadNoticeRecord {
  id: string;
  watchId: string;
  registry: RegistryName;
  purpose: string;
  caseId: string;
  subjectId: string;
  changedAt: Date;
  attempts: number;
  lastError: string | null;
  deadAt: Date;
}

/** What a pass of housekeeping removed. */
export interface Cleanup {
  watches: number;
  notices: number;
}

export interface NoticeStoreOptions {
  now: () => Date;
  /** Longest any statement may take; past it the store counts as down. */
  deadlineMs?: number;
  /** How long a delivered notice is kept: longer than a registry may retry its event. */
  keepDeliveredMs?: number;
  /** How long a dead letter is kept for the agency's supervisors. */
  keepDeadMs: number;
}

const WATCH_COLUMNS = 'id::text AS id, agency, official, scope, purpose, case_id, subject_id, created_at, until, cancelled_at';

interface WatchRow {
  id: string;
  agency: string;
  official: string;
  scope: string;
  purpose: string;
  case_id: string;
  subject_id: string;
  created_at: Date;
  until: Date;
  cancelled_at: Date | null;
}

const toWatch = (r: WatchRow): WatchRecord => ({
  id: r.id,
  agency: r.agency,
  official: r.official,
  scope: r.scope,
  purpose: r.purpose,
  caseId: r.case_id,
  subjectId: r.subject_id,
  createdAt: new Date(r.created_at),
  until: new Date(r.until),
  cancelledAt: r.cancelled_at ? new Date(r.cancelled_at) : null,
});

/** Watch ids are UUIDs, as the store makes them. */
export const WATCH_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Watches and the outbox of change notices, in the gateway's store (PostgreSQL or the
 * embedded one, the same SQL). Every time is the gateway's clock, passed in, never the
 * database's; every statement has a deadline. Several gateway instances share one outbox:
 * a notice is claimed for one attempt with `FOR UPDATE SKIP LOCKED` and a lease, so two
 * instances never send it at once, and one that dies mid-attempt leaves it due again
 * when the lease ends.
 */
export class NoticeStore {
  private readonly now: () => Date;
  private readonly deadlineMs: number;
  private readonly keepDeliveredMs: number;
  private readonly keepDeadMs: number;

  constructor(
    private readonly db: Store,
    options: NoticeStoreOptions,
  ) {
    this.now = options.now;
    this.deadlineMs = options.deadlineMs ?? 5000;
    this.keepDeliveredMs = options.keepDeliveredMs ?? 86_400_000;
    this.keepDeadMs = options.keepDeadMs;
  }

  /**
   * Sets a watch, or renews the one in force for the same agency, purpose, case and
   * citizen (its `until`, official and scope become these): setting it twice is harmless.
   */
  async setWatch(w: { agency: string; official: string; scope: string; purpose: string; caseId: string; subjectId: string; until: Date }): Promise<WatchRecord> {
    const rows = await this.query<WatchRow>(
      'setting a watch',
      `INSERT INTO watches (id, agency, official, scope, purpose, case_id, subject_id, created_at, until)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (agency, purpose, case_id, subject_id) WHERE cancelled_at IS NULL
       DO UPDATE SET until = EXCLUDED.until, official = EXCLUDED.official, scope = EXCLUDED.scope
       RETURNING ${WATCH_COLUMNS}`,
      [randomUUID(), w.agency, w.official, w.scope, w.purpose, w.caseId, w.subjectId, this.now(), w.until],
    );
    return toWatch(rows[0] as WatchRow);
  }

  /**
   * Ends an agency's watch and drops its notices not yet delivered; null when the agency
   * has no watch with this id. Ending it twice returns it as ended the first time.
   */
  async cancelWatch(agency: string, id: string): Promise<WatchRecord | null> {
    if (!WATCH_ID.test(id)) return null;
    const rows = await withDeadline(
      this.db.transaction(async (tx) => {
        const cancelled = await tx.query<WatchRow>(
          `UPDATE watches SET cancelled_at = COALESCE(cancelled_at, $3) WHERE id = $1 AND agency = $2 RETURNING ${WATCH_COLUMNS}`,
          [id, agency, this.now()],
        );
        if (cancelled.length > 0) await tx.query(`DELETE FROM notices WHERE watch_id = $1 AND status = 'pending'`, [id]);
        return cancelled;
      }),
      this.deadlineMs,
      'ending a watch',
    );
    return rows[0] ? toWatch(rows[0]) : null;
  }

  /** An agency's watches in force, newest first, optionally for one case. */
  async watches(agency: string, first: number, caseId: string | null): Promise<WatchRecord[]> {
    const rows = await this.query<WatchRow>(
      'listing watches',
      `SELECT ${WATCH_COLUMNS} FROM watches
        WHERE agency = $1 AND cancelled_at IS NULL AND until > $2 AND ($3::text IS NULL OR case_id = $3)
        ORDER BY created_at DESC, id LIMIT $4`,
      [agency, this.now(), caseId, first],
    );
    return rows.map(toWatch);
  }

  /**
   * Writes a notice for every watch in force on a citizen the change names, in one
   * statement (one transaction): a notice per watch and event, so the same event handled
   * again — the registry's retry, or another instance — adds none. Returns how many were new.
   */
  async enqueue(change: RegistryChange): Promise<number> {
    const at = this.now();
    const rows = await this.query<{ id: string }>(
      'writing change notices',
      `INSERT INTO notices (id, watch_id, registry, event_id, agency, purpose, case_id, subject_id, changed_at, created_at, status, attempts, next_attempt_at)
       SELECT gen_random_uuid(), w.id, $1, $2, w.agency, w.purpose, w.case_id, w.subject_id, $3, $4, 'pending', 0, $4
         FROM watches w
        WHERE w.subject_id = ANY($5::text[]) AND w.cancelled_at IS NULL AND w.until > $4
       ON CONFLICT (watch_id, registry, event_id) DO NOTHING
       RETURNING id::text AS id`,
      [change.registry, change.eventId, change.changedAt, at, [...new Set(change.ids)]],
    );
    return rows.length;
  }

  /**
   * Takes up to `limit` notices due now, of watches still in force, for one attempt each:
   * their attempt count goes up and they are not due again until `leaseMs` from now.
   */
  async claim(limit: number, leaseMs: number): Promise<ClaimedNotice[]> {
    const at = this.now();
    const rows = await this.query<{
      id: string;
      watch_id: string;
      registry: RegistryName;
      agency: string;
      purpose: string;
      case_id: string;
      subject_id: string;
      changed_at: Date;
      attempts: number;
      audited: boolean;
      official: string;
      scope: string;
    }>(
      'claiming change notices',
      `UPDATE notices n
          SET attempts = n.attempts + 1, next_attempt_at = $2
         FROM watches w
        WHERE w.id = n.watch_id
          AND n.id IN (SELECT d.id FROM notices d JOIN watches dw ON dw.id = d.watch_id
                        WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND dw.cancelled_at IS NULL AND dw.until > $1
                        ORDER BY d.next_attempt_at, d.id LIMIT $3
                        FOR UPDATE OF d SKIP LOCKED)
        RETURNING n.id::text AS id, n.watch_id::text AS watch_id, n.registry, n.agency, n.purpose, n.case_id, n.subject_id,
                  n.changed_at, n.attempts, n.audited, w.official, w.scope`,
      [at, new Date(at.getTime() + leaseMs), limit],
    );
    return rows.map((r) => ({
      id: r.id,
      watchId: r.watch_id,
      registry: r.registry,
      agency: r.agency,
      purpose: r.purpose,
      caseId: r.case_id,
      subjectId: r.subject_id,
      changedAt: new Date(r.changed_at),
      attempts: Number(r.attempts),
      audited: r.audited,
      official: r.official,
      scope: r.scope,
    }));
  }

  /** The attempt succeeded. Settling names the attempt: a late one, whose lease ran out, changes nothing. */
  async delivered(n: Pick<ClaimedNotice, 'id' | 'attempts'>): Promise<void> {
    await this.query(
      'settling a change notice',
      `UPDATE notices SET status = 'delivered', finished_at = $3, last_error = NULL, audited = true WHERE id = $1 AND attempts = $2 AND status = 'pending'`,
      [n.id, n.attempts, this.now()],
    );
  }

  /** The attempt failed: due again at `retryAt`, or, with null, a dead letter. */
  async failed(n: Pick<ClaimedNotice, 'id' | 'attempts'>, error: string, retryAt: Date | null): Promise<void> {
    await this.query(
      'settling a change notice',
      retryAt
        ? `UPDATE notices SET next_attempt_at = $4, last_error = $3, audited = true WHERE id = $1 AND attempts = $2 AND status = 'pending'`
        : `UPDATE notices SET status = 'dead', finished_at = $4, last_error = $3, audited = true WHERE id = $1 AND attempts = $2 AND status = 'pending'`,
      [n.id, n.attempts, error, retryAt ?? this.now()],
    );
  }

  /** No attempt was made (the audit trail or the consent register could not be used): due again at `retryAt`, the attempt not counted. */
  async release(n: Pick<ClaimedNotice, 'id' | 'attempts'>, retryAt: Date): Promise<void> {
    await this.query(
      'releasing a change notice',
      `UPDATE notices SET attempts = attempts - 1, next_attempt_at = $3 WHERE id = $1 AND attempts = $2 AND status = 'pending'`,
      [n.id, n.attempts, retryAt],
    );
  }

  /** The notice may no longer be sent (the decision refuses it now): it goes, never disclosed. */
  async drop(n: Pick<ClaimedNotice, 'id'>): Promise<void> {
    await this.query('dropping a change notice', `DELETE FROM notices WHERE id = $1 AND status = 'pending'`, [n.id]);
  }

  /** An agency's dead letters, the most recent first. */
  async dead(agency: string, first: number): Promise<DeadNoticeRecord[]> {
    const rows = await this.query<{
      id: string;
      watch_id: string;
      registry: RegistryName;
      purpose: string;
      case_id: string;
      subject_id: string;
      changed_at: Date;
      attempts: number;
      last_error: string | null;
      finished_at: Date;
    }>(
      'listing dead letters',
      `SELECT id::text AS id, watch_id::text AS watch_id, registry, purpose, case_id, subject_id, changed_at, attempts, last_error, finished_at
         FROM notices WHERE agency = $1 AND status = 'dead' ORDER BY finished_at DESC, id LIMIT $2`,
      [agency, first],
    );
    return rows.map((r) => ({
      id: r.id,
      watchId: r.watch_id,
      registry: r.registry,
      purpose: r.purpose,
      caseId: r.case_id,
      subjectId: r.subject_id,
      changedAt: new Date(r.changed_at),
      attempts: Number(r.attempts),
      lastError: r.last_error,
      deadAt: new Date(r.finished_at),
    }));
  }

  /** Notices waiting to be delivered, by every instance. */
  async depth(): Promise<number> {
    const rows = await this.query<{ n: string }>('counting pending notices', `SELECT count(*)::text AS n FROM notices WHERE status = 'pending'`);
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * Housekeeping: watches that ended (past `until`, or cancelled) go, with their notices
   * not yet delivered; delivered notices go once no registry may retry their event;
   * dead letters once their keeping time is over.
   */
  async cleanup(): Promise<Cleanup> {
    const at = this.now();
    return withDeadline(
      this.db.transaction(async (tx) => {
        const watches = await tx.query(`DELETE FROM watches WHERE cancelled_at IS NOT NULL OR until <= $1 RETURNING id`, [at]);
        const pending = await tx.query(
          `DELETE FROM notices n WHERE n.status = 'pending'
              AND NOT EXISTS (SELECT 1 FROM watches w WHERE w.id = n.watch_id AND w.cancelled_at IS NULL AND w.until > $1)
           RETURNING id`,
          [at],
        );
        const finished = await tx.query(
          `DELETE FROM notices WHERE (status = 'delivered' AND finished_at < $1) OR (status = 'dead' AND finished_at < $2) RETURNING id`,
          [new Date(at.getTime() - this.keepDeliveredMs), new Date(at.getTime() - this.keepDeadMs)],
        );
        return { watches: watches.length, notices: pending.length + finished.length };
      }),
      this.deadlineMs,
      'cleaning up watches and notices',
    );
  }

  private query<T extends object>(what: string, sql: string, params: unknown[] = []): Promise<T[]> {
    return withDeadline(this.db.query<T>(sql, params), this.deadlineMs, what);
  }
}

import type { Queryable } from '../store/createStore';

export interface AccessLogRow {
  seq: number;
  at: Date;
  callerKind: 'citizen' | 'agency';
  callerId: string | null;
  agency: string | null;
  purpose: string | null;
  caseId: string | null;
  subjectId: string | null;
  fields: string[];
  registries: string[];
  outcome: 'disclosed' | 'denied' | 'failed';
  reason: string | null;
  /** Whether the reader may see who read and about whom (an agency's own log). */
  internal: boolean;
}

export interface AccessLogEdgeModel {
  cursor: string;
  node: AccessLogRow;
}

export interface AccessLogPage {
  edges: AccessLogEdgeModel[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

interface Row {
  seq: string;
  recorded_at: Date;
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
}

const SELECT = `SELECT seq::text AS seq, recorded_at, caller_kind, caller_id, agency, purpose, case_id, subject_id, fields, registries, outcome, reason FROM audit_log`;

export const encodeCursor = (seq: number) => Buffer.from(`audit:${seq}`).toString('base64url');

/** The sequence number in a cursor, or null when the cursor is not one this API issued. */
export function decodeCursor(cursor: string): number | null {
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(cursor)) return null;
  const m = /^audit:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return m ? Number(m[1]) : null;
}

/** Reads of the audit trail for the two audiences: the citizen, and the agency's supervisors. */
export class AccessLogReader {
  constructor(private readonly db: Queryable) {}

  /** Who read this citizen's data, newest first; the citizen's own reads are left out. */
  forSubject(subjectId: string, first: number, before: number | null): Promise<AccessLogPage> {
    return this.page(
      `${SELECT} WHERE subject_id = $1 AND NOT (caller_kind = 'citizen' AND caller_id = $1) AND audit_log.seq < $2 ORDER BY audit_log.seq DESC LIMIT $3`,
      [subjectId, before ?? Number.MAX_SAFE_INTEGER, first + 1],
      first,
      false,
    );
  }

  /** Reads by one agency's officials (optionally one official), newest first. */
  forAgency(agency: string, official: string | null, first: number, before: number | null): Promise<AccessLogPage> {
    return this.page(
      `${SELECT} WHERE agency = $1 AND ($2::text IS NULL OR caller_id = $2) AND subject_id IS NOT NULL AND audit_log.seq < $3 ORDER BY audit_log.seq DESC LIMIT $4`,
      [agency, official, before ?? Number.MAX_SAFE_INTEGER, first + 1],
      first,
      true,
    );
  }

  private async page(sql: string, params: unknown[], first: number, internal: boolean): Promise<AccessLogPage> {
    const rows = await this.db.query<Row>(sql, params);
    const edges = rows.slice(0, first).map((r) => {
      const seq = Number(r.seq);
      return {
        cursor: encodeCursor(seq),
        node: {
          seq,
          at: new Date(r.recorded_at),
          callerKind: r.caller_kind,
          callerId: r.caller_id,
          agency: r.agency,
          purpose: r.purpose,
          caseId: r.case_id,
          subjectId: r.subject_id,
          fields: r.fields ?? [],
          registries: r.registries,
          outcome: r.outcome,
          reason: r.reason,
          internal,
        },
      };
    });
    return { edges, pageInfo: { hasNextPage: rows.length > first, endCursor: edges[edges.length - 1]?.cursor ?? null } };
  }
}

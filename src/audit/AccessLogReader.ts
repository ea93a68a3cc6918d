import type { Queryable } from '../store/createStore';
import type { CursorCodec } from './createCursorCodec';

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
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
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

/** Reads of the audit trail for the two audiences: the citizen, and the agency's supervisors. */
export class AccessLogReader {
  constructor(
    private readonly db: Queryable,
    /** Cursors that tell nothing of the trail's size. */
    readonly cursors: CursorCodec,
  ) {}

  /** Who read this citizen's data, newest first; the citizen's own reads are left out. */
  forSubject(subjectId: string, first: number, before: number | null): Promise<AccessLogPage> {
    return this.page(
      `${SELECT} WHERE subject_id = $1 AND NOT (caller_kind = 'citizen' AND caller_id = $1) AND audit_log.seq < $2 ORDER BY audit_log.seq DESC LIMIT $3`,
      [subjectId, before ?? Number.MAX_SAFE_INTEGER, first + 1],
      first,
      false,
      before,
    );
  }

  /** Reads by one agency's officials (optionally one official), newest first. */
  forAgency(agency: string, official: string | null, first: number, before: number | null): Promise<AccessLogPage> {
    return this.page(
      `${SELECT} WHERE agency = $1 AND ($2::text IS NULL OR caller_id = $2) AND subject_id IS NOT NULL AND audit_log.seq < $3 ORDER BY audit_log.seq DESC LIMIT $4`,
      [agency, official, before ?? Number.MAX_SAFE_INTEGER, first + 1],
      first,
      true,
      before,
    );
  }

  /**
   * How many records disclosed each field to one agency's officials, per purpose, over the
   * records not yet pruned (one record per operation and citizen), and when last. `fieldOf`
   * names the field an audit path discloses (null: none), so that the paths under one field
   * (`residence.permanentAddress.full`, `.line`) count each record once.
   */
  async fieldsDisclosedTo(agency: string, fieldOf: (path: string) => string | null): Promise<{ purpose: string; field: string; records: number; lastAt: Date }[]> {
    const where = `agency = $1 AND caller_kind = 'agency' AND outcome = 'disclosed' AND purpose IS NOT NULL AND pruned_at IS NULL`;
    const paths = await this.db.query<{ path: string }>(`SELECT DISTINCT f.path FROM audit_log CROSS JOIN LATERAL unnest(fields) AS f(path) WHERE ${where}`, [agency]);
    const mapped = paths.map((p) => [p.path, fieldOf(p.path)] as const).filter((m): m is readonly [string, string] => m[1] !== null);
    if (mapped.length === 0) return [];
    const rows = await this.db.query<{ purpose: string; field: string; records: string; last_at: Date }>(
      `SELECT purpose, m.field, count(DISTINCT seq)::text AS records, max(recorded_at) AS last_at
         FROM audit_log
         CROSS JOIN LATERAL unnest(fields) AS f(path)
         JOIN unnest($2::text[], $3::text[]) AS m(path, field) ON m.path = f.path
        WHERE ${where}
        GROUP BY purpose, m.field`,
      [agency, mapped.map((m) => m[0]), mapped.map((m) => m[1])],
    );
    return rows.map((r) => ({ purpose: r.purpose, field: r.field, records: Number(r.records), lastAt: new Date(r.last_at) }));
  }

  private async page(sql: string, params: unknown[], first: number, internal: boolean, before: number | null): Promise<AccessLogPage> {
    const rows = await this.db.query<Row>(sql, params);
    const edges = rows.slice(0, first).map((r) => {
      const seq = Number(r.seq);
      return {
        cursor: this.cursors.encode(seq),
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
    return {
      edges,
      pageInfo: {
        hasNextPage: rows.length > first,
        // Pages go from the newest back: a page that starts after a cursor has newer entries before it.
        hasPreviousPage: before !== null,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges[edges.length - 1]?.cursor ?? null,
      },
    };
  }
}

import { randomUUID } from 'node:crypto';
import type { Queryable } from '../store/createStore';

export interface ConsentRecord {
  id: string;
  subjectId: string;
  agency: string;
  purpose: string;
  /** Schema coordinates covered; null means every field the grant allows. */
  fields: string[] | null;
  grantedAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
}

interface Row {
  id: string;
  subject_id: string;
  agency: string;
  purpose: string;
  fields: string[] | null;
  granted_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
}

const COLUMNS = 'id, subject_id, agency, purpose, fields, granted_at, expires_at, revoked_at';
export const CONSENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const toRecord = (r: Row): ConsentRecord => ({
  id: r.id,
  subjectId: r.subject_id,
  agency: r.agency,
  purpose: r.purpose,
  fields: r.fields,
  grantedAt: new Date(r.granted_at),
  expiresAt: new Date(r.expires_at),
  revokedAt: r.revoked_at ? new Date(r.revoked_at) : null,
});

/**
 * Citizens' consents, in the gateway's store. Nothing is cached: a revocation or an
 * expiry takes effect on the very next request.
 */
export class ConsentStore {
  constructor(
    private readonly db: Queryable,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async grant(c: { subjectId: string; agency: string; purpose: string; fields: string[] | null; expiresAt: Date }): Promise<ConsentRecord> {
    const rows = await this.db.query<Row>(
      `INSERT INTO consents (id, subject_id, agency, purpose, fields, granted_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
      [randomUUID(), c.subjectId, c.agency, c.purpose, c.fields, this.now(), c.expiresAt],
    );
    return toRecord(rows[0] as Row);
  }

  /** Revokes the subject's own consent; null when it is not theirs or does not exist. Idempotent. */
  async revoke(subjectId: string, id: string): Promise<ConsentRecord | null> {
    if (!CONSENT_ID.test(id)) return null;
    const rows = await this.db.query<Row>(
      `UPDATE consents SET revoked_at = COALESCE(revoked_at, $3) WHERE id = $1 AND subject_id = $2 RETURNING ${COLUMNS}`,
      [id, subjectId, this.now()],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async list(subjectId: string): Promise<ConsentRecord[]> {
    const rows = await this.db.query<Row>(`SELECT ${COLUMNS} FROM consents WHERE subject_id = $1 ORDER BY granted_at DESC, id`, [subjectId]);
    return rows.map(toRecord);
  }

  /** Consents in force now for this subject, agency and purpose. */
  async active(subjectId: string, agency: string, purpose: string): Promise<ConsentRecord[]> {
    const rows = await this.db.query<Row>(
      `SELECT ${COLUMNS} FROM consents
        WHERE subject_id = $1 AND agency = $2 AND purpose = $3 AND revoked_at IS NULL AND expires_at > $4`,
      [subjectId, agency, purpose, this.now()],
    );
    return rows.map(toRecord);
  }
}

export type ConsentStatus = 'ACTIVE' | 'EXPIRED' | 'REVOKED';

export function consentStatus(c: ConsentRecord, now: Date): ConsentStatus {
  if (c.revokedAt) return 'REVOKED';
  return c.expiresAt.getTime() <= now.getTime() ? 'EXPIRED' : 'ACTIVE';
}

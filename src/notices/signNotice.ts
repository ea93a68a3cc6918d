import type { KeyRing } from '../keys/loadKeyRing';
import type { ClaimedNotice } from './NoticeStore';

/** The `typ` of a change notice's protected header: a receiver checks it, so no other token of the gateway passes for one. */
export const NOTICE_TYPE = 'change-notice+jwt';

/** How long a notice is valid once signed; each attempt signs it afresh. */
export const NOTICE_TTL_SECONDS = 3600;

/**
 * Signs a change notice with the gateway's key (ES256, verifiable with
 * `/.well-known/jwks.json`). It says which record changed, when, and for which watch and
 * case — never a value: the agency reads the record under its grant.
 * - `jti`: the notice's id (the same on every attempt: receivers drop repeats by it);
 * - `aud`: the agency it is for; `sub`: the citizen's personal ID, as the agency named them;
 * - `watchId`, `caseId`, `purpose`: the watch and the case it follows;
 * - `registry`, `changedAt`: whose record changed, and when the registry changed it;
 * - `iat`, `exp`: when this attempt was signed, and until when it holds.
 */
export function signNotice(keys: KeyRing, n: Pick<ClaimedNotice, 'id' | 'agency' | 'subjectId' | 'watchId' | 'caseId' | 'purpose' | 'registry' | 'changedAt'>): Promise<string> {
  return keys.sign(
    {
      jti: n.id,
      aud: n.agency,
      sub: n.subjectId,
      watchId: n.watchId,
      caseId: n.caseId,
      purpose: n.purpose,
      registry: n.registry,
      changedAt: n.changedAt.toISOString(),
    },
    { typ: NOTICE_TYPE, expiresInSeconds: NOTICE_TTL_SECONDS },
  );
}

import { errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { parsePersonalId } from '../domain/personalId';
import { bilingual as bi, unauthenticated, type Bilingual } from '../errors';
import { AGENCY_CODE, OFFICIAL_ID, SCOPE, type Caller } from './caller';

export interface AuthenticatorOptions {
  /** Key set, created once: `createRemoteJWKSet(url)` in production, the embedded provider's in development. */
  keySet: JWTVerifyGetKey;
  issuer: string;
  audience: string;
  /** Explicit allowlist; never includes `none` or HMAC algorithms. */
  algorithms: string[];
  clockToleranceSec: number;
  /**
   * How long a verified token is trusted without checking its signature again; never past
   * its expiry. 0 verifies every request. Bounds how long a key withdrawn from the JWKS
   * keeps working.
   */
  verifiedCacheSec?: number;
  /** Tokens issued longer ago than this are refused (`iat` required); 0 or absent: no bound beyond `exp`. */
  maxTokenAgeSec?: number;
  /** Most tokens remembered; the oldest go first. */
  verifiedCacheSize?: number;
  /** The clock; tests move it. */
  now?: () => Date;
}

export interface Authenticator {
  /** The caller for an `Authorization` header value; anonymous when absent. Throws UNAUTHENTICATED. */
  authenticate(authorization: string | undefined): Promise<Caller>;
}

/** Tokens longer than this are refused before any parsing. */
const MAX_TOKEN_LENGTH = 8192;

/**
 * Verifies bearer JWTs: signature against the key set, algorithm allowlist, issuer,
 * audience, expiry (required) with a small clock tolerance; then maps the claims to a
 * {@link Caller}. Every refusal is UNAUTHENTICATED with a reason a developer can act on.
 */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  if (options.algorithms.length === 0 || options.algorithms.some((a) => a === 'none' || a.startsWith('HS'))) {
    throw new Error(`algorithms must be a non-empty list of asymmetric algorithms, but got: ${options.algorithms.join(',')}`);
  }
  if (!options.issuer || !options.audience) throw new Error('issuer and audience are required');
  const now = options.now ?? (() => new Date());
  const cacheMs = (options.verifiedCacheSec ?? 0) * 1000;
  const cacheSize = options.verifiedCacheSize ?? 10_000;
  // Signature checks dominate the cost of a request that is otherwise served from cache;
  // a portal sends the same token for every request of a session.
  const verified = new Map<string, { caller: Caller; until: number }>();

  return {
    async authenticate(authorization) {
      if (authorization === undefined || authorization === '') return { kind: 'anonymous' };
      const match = /^Bearer ([A-Za-z0-9_.~+/=-]+)$/.exec(authorization);
      if (!match || authorization.length > MAX_TOKEN_LENGTH + 7) {
        throw unauthenticated(bi('the Authorization header must be "Bearer <token>"', 'tiêu đề Authorization phải có dạng "Bearer <mã truy cập>".'));
      }
      const token = match[1] as string;
      const at = now().getTime();
      const known = verified.get(token);
      if (known && at < known.until) return known.caller;
      if (known) verified.delete(token);

      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, options.keySet, {
          issuer: options.issuer,
          audience: options.audience,
          algorithms: options.algorithms,
          clockTolerance: options.clockToleranceSec,
          requiredClaims: options.maxTokenAgeSec ? ['exp', 'sub', 'iat'] : ['exp', 'sub'],
          ...(options.maxTokenAgeSec ? { maxTokenAge: options.maxTokenAgeSec } : {}),
          currentDate: new Date(at),
        }));
      } catch (err) {
        throw unauthenticated(reasonFor(err));
      }
      const caller = deepFreeze(callerFrom(payload));
      if (cacheMs > 0) {
        // jose accepted it, so exp is a number; the tolerance it allowed still applies.
        const expiry = ((payload.exp as number) + options.clockToleranceSec) * 1000;
        const tooOld = options.maxTokenAgeSec ? ((payload.iat as number) + options.maxTokenAgeSec + options.clockToleranceSec) * 1000 : Infinity;
        const until = Math.min(at + cacheMs, expiry, tooOld);
        if (verified.size >= cacheSize) verified.delete(verified.keys().next().value as string);
        verified.set(token, { caller, until });
      }
      return caller;
    },
  };
}

function deepFreeze(caller: Caller): Caller {
  if (caller.kind === 'agency') Object.freeze(caller.scopes);
  return Object.freeze(caller);
}

function reasonFor(err: unknown): Bilingual {
  if (err instanceof joseErrors.JWTExpired) {
    return err.claim === 'iat'
      ? bi('the token was issued too long ago; sign in again', 'mã truy cập đã được cấp quá lâu; vui lòng đăng nhập lại.')
      : bi('the token has expired', 'mã truy cập đã hết hạn; vui lòng đăng nhập lại.');
  }
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'iss':
        return bi('the token was issued by an identity provider this gateway does not trust', 'mã truy cập do một hệ thống xác thực không được tin cậy cấp.');
      case 'aud':
        return bi('the token is meant for another audience', 'mã truy cập này được cấp cho hệ thống khác.');
      case 'nbf':
        return bi('the token is not valid yet', 'mã truy cập chưa đến thời điểm có hiệu lực.');
      default:
        return bi(`the token's "${err.claim}" claim is missing or invalid`, `mã truy cập thiếu hoặc sai thông tin "${err.claim}".`);
    }
  }
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return bi('the token is signed with an algorithm this gateway does not accept', 'mã truy cập được ký bằng thuật toán không được chấp nhận.');
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return bi('the token signature is invalid', 'chữ ký của mã truy cập không hợp lệ.');
  if (err instanceof joseErrors.JWKSNoMatchingKey) return bi('no key of the identity provider matches the token (unknown kid)', 'không có khóa nào của hệ thống xác thực khớp với mã truy cập (khóa đã thu hồi hoặc không rõ).');
  if (err instanceof joseErrors.JWKSTimeout) return bi("the identity provider's keys could not be fetched in time", 'không lấy được khóa của hệ thống xác thực kịp thời; vui lòng thử lại sau.');
  return bi('the token is malformed', 'mã truy cập không đúng định dạng.');
}

function callerFrom(payload: JWTPayload): Caller {
  const sub = payload.sub as string;
  if (payload.agency !== undefined) {
    const agency = payload.agency;
    if (typeof agency !== 'string' || !AGENCY_CODE.test(agency)) throw unauthenticated(bi('the token\'s "agency" claim is not an agency code', 'thông tin "agency" trong mã truy cập không phải mã cơ quan.'));
    if (!OFFICIAL_ID.test(sub)) throw unauthenticated(bi('the token\'s subject is not an official ID', 'mã truy cập không mang mã cán bộ hợp lệ.'));
    const scope = payload.scope ?? '';
    if (typeof scope !== 'string') throw unauthenticated(bi('the token\'s "scope" claim must be a space-separated string', 'thông tin "scope" trong mã truy cập phải là các quyền cách nhau bởi dấu cách.'));
    const scopes = scope.split(' ').filter(Boolean);
    if (scopes.some((s) => !SCOPE.test(s))) throw unauthenticated(bi('the token\'s "scope" claim holds a malformed scope', 'thông tin "scope" trong mã truy cập có quyền sai định dạng.'));
    return { kind: 'agency', officialId: sub, agency, scopes };
  }
  if (!parsePersonalId(sub).ok) throw unauthenticated(bi("a citizen token's subject must be a valid personal ID", 'mã truy cập của công dân phải mang số định danh cá nhân hợp lệ.'));
  return { kind: 'citizen', personalId: sub };
}

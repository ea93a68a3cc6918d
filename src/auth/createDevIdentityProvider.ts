import { randomUUID } from 'node:crypto';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  SignJWT,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';
import { parsePersonalId } from '../domain/personalId';
import { AGENCY_CODE, OFFICIAL_ID, SCOPE } from './caller';

export interface DevIdentityProvider {
  issuer: string;
  audience: string;
  /** Public keys, for the gateway's verifier. */
  jwks: JSONWebKeySet;
  keySet: JWTVerifyGetKey;
  /** Mints a token for a `POST /dev/token` body; throws {@link DevTokenRequestError} on bad input. */
  mint(body: unknown): Promise<{ token: string; expiresIn: number }>;
}

export class DevTokenRequestError extends Error {
  override readonly name = 'DevTokenRequestError';
}

/**
 * The embedded identity provider used in development: an ES256 key generated at
 * start-up, tokens shaped like the production provider's. Never used in production.
 */
export async function createDevIdentityProvider(options: {
  issuer: string;
  audience: string;
  ttlSeconds?: number;
  /** The gateway's clock, so that its tokens are fresh by the clock that checks them. */
  now?: () => Date;
}): Promise<DevIdentityProvider> {
  const ttl = options.ttlSeconds ?? 3600;
  const now = options.now ?? (() => new Date());
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  const jwks: JSONWebKeySet = { keys: [{ ...jwk, kid, alg: 'ES256', use: 'sig' }] };

  return {
    issuer: options.issuer,
    audience: options.audience,
    jwks,
    keySet: createLocalJWKSet(jwks),
    async mint(body) {
      const claims = claimsFor(body);
      const token = await new SignJWT(claims.extra)
        .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setSubject(claims.sub)
        .setIssuedAt(Math.floor(now().getTime() / 1000))
        .setExpirationTime(Math.floor(now().getTime() / 1000) + ttl)
        .setJti(randomUUID())
        .sign(privateKey);
      return { token, expiresIn: ttl };
    },
  };
}

function claimsFor(body: unknown): { sub: string; extra: Record<string, unknown> } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new DevTokenRequestError('body must be a JSON object, e.g. {"role":"citizen","sub":"<personalId>"}');
  }
  const { role, sub, agency, scopes } = body as Record<string, unknown>;
  if (role === 'citizen') {
    const id = parsePersonalId(sub);
    if (!id.ok) throw new DevTokenRequestError(`sub: ${id.reason}`);
    return { sub: sub as string, extra: { role: 'citizen' } };
  }
  if (role === 'agency') {
    if (typeof sub !== 'string' || !OFFICIAL_ID.test(sub)) throw new DevTokenRequestError('sub: an official ID of 1-64 letters, digits, ".", "_", "@" or "-"');
    if (typeof agency !== 'string' || !AGENCY_CODE.test(agency)) throw new DevTokenRequestError('agency: an agency code of 2-64 upper-case letters, digits, "_", "." or "-"');
    const list = scopes ?? [];
    if (!Array.isArray(list) || list.length > 50 || list.some((s) => typeof s !== 'string' || !SCOPE.test(s))) {
      throw new DevTokenRequestError('scopes: a list of at most 50 scope names');
    }
    return { sub, extra: { role: 'agency', agency, scope: (list as string[]).join(' ') } };
  }
  throw new DevTokenRequestError('role must be "citizen" or "agency"');
}

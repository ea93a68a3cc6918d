import { sign, type KeyObject } from 'node:crypto';
import { lowS } from './lowS';

/**
 * A compact JWS signed with ES256 (RFC 7515, RFC 7518 §3.4): the header and payload as
 * JSON in base64url, the signature as r ‖ s (IEEE P1363, 64 bytes), in low-S form so that
 * each signed value has one encoding. Signed with node:crypto directly: through WebCrypto
 * (as jose signs) the same signature cost about three times the CPU, most of it outside
 * the curve arithmetic. Verification stays with jose (`jwtVerify` against the JWKS).
 */
export function signCompact(key: KeyObject, header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  const signature = lowS(sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }));
  return `${input}.${signature.toString('base64url')}`;
}

/** Order of the P-256 group (n): an ECDSA signature (r, s) over it is valid with s and with n - s. */
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const HALF_ORDER = P256_ORDER >> 1n;

function sValue(signature: Buffer): bigint | null {
  if (signature.length !== 64) return null;
  return BigInt(`0x${signature.subarray(32).toString('hex')}`);
}

/**
 * True when the signature part of a compact ES256 JWS is in low-S form (S ≤ n/2).
 * Each ES256 signature has a twin with S replaced by n - S that verifies just as
 * well; accepting only one of the two makes a signed value's encoding unique, so a
 * copy cannot pass for a different token.
 */
export function isLowS(jws: string): boolean {
  const s = sValue(Buffer.from(jws.split('.')[2] ?? '', 'base64url'));
  return s !== null && s > 0n && s <= HALF_ORDER;
}

/** An ES256 signature (r ‖ s, 64 bytes) in low-S form: itself, or its twin with n - s. */
export function lowS(signature: Buffer): Buffer {
  const s = sValue(signature);
  if (s === null || s <= HALF_ORDER) return signature;
  const low = Buffer.from((P256_ORDER - s).toString(16).padStart(64, '0'), 'hex');
  return Buffer.concat([signature.subarray(0, 32), low]);
}

import type { ChainKeys } from '../keys/loadChainKeys';

/** Turns a position in the audit trail into a page cursor and back. */
export interface CursorCodec {
  encode(seq: number): string;
  /** The position, or null when the cursor is not one this gateway issued. */
  decode(cursor: string): number | null;
}

const ROUNDS = 4;
const HALF = 2 ** 32;
const CURSOR = /^([A-Za-z0-9_-]{1,40})\.([A-Za-z0-9_-]{11})$/;

/**
 * Page cursors of the access logs that reveal nothing global: the audit trail's
 * sequence number (how many disclosures the whole gateway has recorded) is enciphered
 * with a four-round Feistel network over 64 bits, each round an HMAC under the audit
 * chain's key (held by the gateway, never published). A cursor names the key that made
 * it, so cursors outlive a rotation. An altered cursor decodes to nothing (all but
 * one in two thousand) or to some other position — which only ever pages through the
 * caller's own log, since every read is filtered by caller.
 */
export function createCursorCodec(keys: ChainKeys): CursorCodec {
  const round = (kid: string, i: number, half: number): number | null => {
    const mac = keys.mac(kid, `access-log-cursor:${i}:${half}`);
    return mac === null ? null : Number.parseInt(mac.slice(0, 8), 16);
  };
  return {
    encode(seq) {
      const kid = keys.activeKid;
      let left = Math.floor(seq / HALF);
      let right = seq % HALF;
      for (let i = 0; i < ROUNDS; i++) [left, right] = [right, (left ^ (round(kid, i, right) as number)) >>> 0];
      const bytes = Buffer.alloc(8);
      bytes.writeUInt32BE(left, 0);
      bytes.writeUInt32BE(right, 4);
      return `${kid}.${bytes.toString('base64url')}`;
    },
    decode(cursor) {
      const m = CURSOR.exec(cursor);
      if (!m) return null;
      const kid = m[1] as string;
      const bytes = Buffer.from(m[2] as string, 'base64url');
      if (bytes.length !== 8) return null;
      let left = bytes.readUInt32BE(0);
      let right = bytes.readUInt32BE(4);
      for (let i = ROUNDS - 1; i >= 0; i--) {
        const f = round(kid, i, left);
        if (f === null) return null;
        [left, right] = [(right ^ f) >>> 0, left];
      }
      const seq = left * HALF + right;
      // A cursor this gateway made holds a position of the trail, never beyond 2^53.
      return left < 2 ** 21 && seq > 0 ? seq : null;
    },
  };
}

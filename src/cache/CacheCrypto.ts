import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import type { CacheKey } from '../config';

/** A named AES-256 key; the first key of the list encrypts, all of them decrypt (declared with the configuration). */
export type { CacheKey };

/**
 * What the cache must never hold in clear: key names carry a keyed HMAC of the
 * personal ID, not the ID; values are AES-256-GCM ciphertext bound (as additional
 * data) to their key name, prefixed with the encryption key's id so keys can rotate.
 */
export class CacheCrypto {
  private readonly byId: Map<string, Buffer>;

  constructor(
    private readonly hmacSecret: Buffer,
    private readonly keys: CacheKey[],
    private readonly prefix: string,
  ) {
    if (hmacSecret.length < 32) throw new Error(`the cache HMAC secret must be at least 32 bytes, but got: ${hmacSecret.length}`);
    if (keys.length === 0 || keys.some((k) => k.key.length !== 32 || !/^[A-Za-z0-9_-]{1,16}$/.test(k.id))) {
      throw new Error('cache encryption keys must be 32-byte keys with ids of 1-16 letters, digits, "_" or "-"');
    }
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  /** The Redis key for a record: `<prefix>c:<registry>:<hmac>`. */
  keyFor(registry: string, id: string): string {
    const mac = createHmac('sha256', this.hmacSecret).update(`${registry}\n${id}`).digest('base64url');
    return `${this.prefix}c:${registry.toLowerCase()}:${mac}`;
  }

  /** A keyed hash for other keys that may name a citizen (rate-limit counters). */
  mac(text: string): string {
    return createHmac('sha256', this.hmacSecret).update(`other\n${text}`).digest('base64url');
  }

  seal(key: string, plaintext: string): string {
    const active = this.keys[0] as CacheKey;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', active.key, iv);
    cipher.setAAD(Buffer.from(key));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `v1.${active.id}.${iv.toString('base64url')}.${body.toString('base64url')}`;
  }

  /** The plaintext, or null when the value is not ours (unknown key id, tampered, moved to another key). */
  open(key: string, sealed: string): string | null {
    const [version, kid, iv, body] = sealed.split('.');
    const secret = kid ? this.byId.get(kid) : undefined;
    if (version !== 'v1' || !secret || !iv || !body) return null;
    try {
      const data = Buffer.from(body, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', secret, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(key));
      decipher.setAuthTag(data.subarray(data.length - 16));
      return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString('utf8');
    } catch {
      return null;
    }
  }
}

/** Random keys for a single process (development): nothing to configure, nothing shared. */
export function ephemeralCacheCrypto(prefix: string): CacheCrypto {
  return new CacheCrypto(randomBytes(32), [{ id: 'ephemeral', key: randomBytes(32) }], prefix);
}

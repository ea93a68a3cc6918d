import { createPrivateKey, type JsonWebKey } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  type JSONWebKeySet,
  type JWK,
  type JWTVerifyGetKey,
} from 'jose';
import { loadChainKeys, rotateChainKeys, type ChainKeys } from './loadChainKeys';
import { signCompact } from './signCompact';

export type { ChainKeys };

/** One signing key as kept on disk: a private ES256 JWK and its life. */
interface StoredKey {
  kid: string;
  createdAt: string;
  /** Set when a newer key took over; the key stays published for verification. */
  retiredAt: string | null;
  privateJwk: JWK;
}

export interface KeyRing {
  readonly activeKid: string;
  /** Signs claims as a compact JWS (ES256, `kid` in the header, low-S signature). */
  sign(claims: Record<string, unknown>, options: { typ: string; expiresInSeconds?: number }): Promise<string>;
  /** The same, with the issue and expiry times signed into it (seconds since the epoch). */
  signed(claims: Record<string, unknown>, options: { typ: string; expiresInSeconds?: number }): { jws: string; iat: number; exp: number | null };
  /** Public keys of every key still kept: the active one and retired ones. */
  jwks(): JSONWebKeySet;
  /** For verifying the gateway's own signatures. */
  keySet: JWTVerifyGetKey;
  /** The secret keys of the audit chain's links (never published). */
  chain: ChainKeys;
}

export class KeyRingError extends Error {
  override readonly name = 'KeyRingError';
}

const FILE = /^signing-[A-Za-z0-9_-]+\.json$/;

function readKeys(dir: string): StoredKey[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => FILE.test(f));
  } catch {
    return [];
  }
  return files.map((f) => {
    try {
      const k = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as StoredKey;
      if (!k.kid || !k.privateJwk?.d || k.privateJwk.crv !== 'P-256') throw new Error('not an ES256 private key');
      return k;
    } catch (err) {
      throw new KeyRingError(`signing key ${f} is unreadable: ${(err as Error).message}`);
    }
  });
}

async function newKey(dir: string, now: Date): Promise<StoredKey> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const privateJwk = await exportJWK(privateKey);
  const { d: _private, ...publicPart } = privateJwk;
  const kid = await calculateJwkThumbprint(publicPart);
  const key: StoredKey = { kid, createdAt: now.toISOString(), retiredAt: null, privateJwk };
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(path.join(dir, `signing-${kid}.json`), JSON.stringify(key, null, 2), { mode: 0o600 });
  return key;
}

/**
 * The gateway's signing keys and audit chain keys, kept as files in one directory (a
 * mounted secret in production, `DATA_DIR/keys` in development). The newest unretired
 * signing key signs; retired keys stay published while anything they signed may still
 * be presented (`publishRetiredForSeconds`), so that rotation never invalidates a live
 * attestation. Keys are read at start: restart (or roll) the gateway after a rotation.
 * In development an empty directory gets fresh keys; in production it is an error.
 */
export async function loadKeyRing(options: {
  dir: string;
  createIfMissing: boolean;
  /** Retired keys stay published this long (the longest life of anything they signed); default: forever. */
  publishRetiredForSeconds?: number;
  now?: () => Date;
}): Promise<KeyRing> {
  const now = options.now ?? (() => new Date());
  let keys = readKeys(options.dir);
  if (keys.length === 0) {
    if (!options.createIfMissing) throw new KeyRingError(`no signing key in ${options.dir} (SIGNING_KEY_DIR)`);
    keys = [await newKey(options.dir, now())];
  }
  const active = keys.filter((k) => !k.retiredAt).sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
  if (!active) throw new KeyRingError(`every signing key in ${options.dir} is retired; rotate to make a new one`);
  const privateKey = createPrivateKey({ key: active.privateJwk as JsonWebKey, format: 'jwk' });
  const header = { alg: 'ES256', kid: active.kid };
  const chain = loadChainKeys({ dir: options.dir, createIfMissing: options.createIfMissing, now });
  const horizon = options.publishRetiredForSeconds;
  const published = keys.filter((k) => !k.retiredAt || horizon === undefined || Date.parse(k.retiredAt) + horizon * 1000 > now().getTime());
  const publicKeys: JSONWebKeySet = {
    keys: published.map((k) => {
      const { d: _private, ...pub } = k.privateJwk;
      return { ...pub, kid: k.kid, alg: 'ES256', use: 'sig' };
    }),
  };
  const signed: KeyRing['signed'] = (claims, o) => {
    const iat = Math.floor(now().getTime() / 1000);
    const exp = o.expiresInSeconds ? iat + o.expiresInSeconds : null;
    const payload = exp === null ? { ...claims, iat } : { ...claims, iat, exp };
    return { jws: signCompact(privateKey, { ...header, typ: o.typ }, payload), iat, exp };
  };
  return {
    activeKid: active.kid,
    signed,
    sign: async (claims, o) => signed(claims, o).jws,
    jwks: () => publicKeys,
    keySet: createLocalJWKSet(publicKeys),
    chain,
  };
}

/**
 * Retires the active signing key and audit chain key and makes new ones (or the first
 * ones, in an empty directory). The old signing key stays published; the old chain
 * key stays in the directory to verify the links it made.
 */
export async function rotateKeys(
  dir: string,
  now: Date = new Date(),
): Promise<{ retired: string[]; active: string; chain: { retired: string[]; active: string } }> {
  const keys = readKeys(dir);
  const retired: string[] = [];
  for (const k of keys.filter((x) => !x.retiredAt)) {
    k.retiredAt = now.toISOString();
    writeFileSync(path.join(dir, `signing-${k.kid}.json`), JSON.stringify(k, null, 2), { mode: 0o600 });
    retired.push(k.kid);
  }
  const fresh = await newKey(dir, now);
  return { retired, active: fresh.kid, chain: rotateChainKeys(dir, now) };
}

import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** One audit chain key as kept on disk: a 256-bit HMAC secret and its life. */
interface StoredChainKey {
  kid: string;
  createdAt: string;
  /** Set when a newer key took over; kept to verify the links it made, never published. */
  retiredAt: string | null;
  /** base64url of 32 random bytes. */
  secret: string;
}

/**
 * The secrets that key the audit chain's links. Held by the gateway in its key
 * directory and never in the database, so that whoever can only write the database
 * cannot recompute a link. Every key ever used is kept: the links it made are
 * verified for as long as the chain exists.
 */
export interface ChainKeys {
  /** The key that links new records. */
  readonly activeKid: string;
  /** HMAC-SHA256 of `data` under key `kid`, in hex; null when no such key is held. */
  mac(kid: string, data: string): string | null;
}

export class ChainKeyError extends Error {
  override readonly name = 'ChainKeyError';
}

const FILE = /^chain-[a-f0-9]{16}\.json$/;

function readChainKeys(dir: string): StoredChainKey[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => FILE.test(f));
  } catch {
    return [];
  }
  return files.map((f) => {
    try {
      const k = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as StoredChainKey;
      if (!/^[a-f0-9]{16}$/.test(k.kid) || Buffer.from(k.secret ?? '', 'base64url').length !== 32) throw new Error('not a 256-bit chain key');
      return k;
    } catch (err) {
      throw new ChainKeyError(`audit chain key ${f} is unreadable: ${(err as Error).message}`);
    }
  });
}

function writeChainKey(dir: string, key: StoredChainKey): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(path.join(dir, `chain-${key.kid}.json`), JSON.stringify(key, null, 2), { mode: 0o600 });
}

function newChainKey(dir: string, now: Date): StoredChainKey {
  const key: StoredChainKey = { kid: randomBytes(8).toString('hex'), createdAt: now.toISOString(), retiredAt: null, secret: randomBytes(32).toString('base64url') };
  writeChainKey(dir, key);
  return key;
}

/**
 * Reads the audit chain keys of a key directory (`SIGNING_KEY_DIR`). The newest
 * unretired key links new records. With `createIfMissing` (development) an empty
 * directory gets a fresh key; otherwise a missing key is an error that says how to
 * make one.
 */
export function loadChainKeys(options: { dir: string; createIfMissing: boolean; now?: () => Date }): ChainKeys {
  let keys = readChainKeys(options.dir);
  if (keys.length === 0) {
    if (!options.createIfMissing) throw new ChainKeyError(`no audit chain key in ${options.dir} (SIGNING_KEY_DIR): run npm run keys:rotate`);
    keys = [newChainKey(options.dir, (options.now ?? (() => new Date()))())];
  }
  const active = keys.filter((k) => !k.retiredAt).sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
  if (!active) throw new ChainKeyError(`every audit chain key in ${options.dir} is retired; rotate to make a new one`);
  const secrets = new Map(keys.map((k) => [k.kid, Buffer.from(k.secret, 'base64url')]));
  return {
    activeKid: active.kid,
    mac(kid, data) {
      const secret = secrets.get(kid);
      return secret ? createHmac('sha256', secret).update(data).digest('hex') : null;
    },
  };
}

/** Retires the active chain key (kept, to verify its links) and makes a new one. */
export function rotateChainKeys(dir: string, now: Date = new Date()): { retired: string[]; active: string } {
  const retired: string[] = [];
  for (const k of readChainKeys(dir).filter((x) => !x.retiredAt)) {
    writeChainKey(dir, { ...k, retiredAt: now.toISOString() });
    retired.push(k.kid);
  }
  return { retired, active: newChainKey(dir, now).kid };
}

/**
 * The in-process layer in front of the shared cache: records already decrypted and
 * parsed, deep-frozen, kept for a few seconds (`CACHE_DECODED_TTL_MS`) within a byte
 * budget (`CACHE_DECODED_MAX_BYTES`, counted as the UTF-8 size of each entry's JSON).
 * A hit costs no backend round trip, no decryption and no parse.
 *
 * It holds personal data in clear in the process's memory beyond a request, so it is off
 * unless configured (docs/CACHE.md). It is emptied by every invalidation the shared cache
 * sees — a registry's change event received here, another instance's invalidation through
 * Redis pub/sub — and whenever the backend cannot be relied on to deliver those: while the
 * backend is down or its invalidation channel is not listening, nothing is served or kept.
 */
export class DecodedCache {
  /** Least recently used first. */
  private readonly entries = new Map<string, { value: unknown; bytes: number; until: number }>();
  private used = 0;
  /** What else is kept for as long as these records (the keyed hashes of their ids): swept and emptied with them. */
  private readonly companions: { sweep(): void; clear(): void }[] = [];

  constructor(
    readonly ttlMs: number,
    private readonly maxBytes: number,
    /** Whether invalidations reach this process now (backend up and listening). */
    private readonly reliable: () => boolean,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(ttlMs) || ttlMs < 1) throw new Error(`ttlMs must be a positive integer, but got: ${ttlMs}`);
    if (!Number.isInteger(maxBytes) || maxBytes < 1) throw new Error(`maxBytes must be a positive integer, but got: ${maxBytes}`);
  }

  /** The frozen value kept under `key`, if it is still within its time here. */
  get(key: string): unknown {
    if (this.entries.size === 0) return undefined;
    if (!this.reliable()) {
      this.clear();
      return undefined;
    }
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    if (e.until <= this.now()) {
      this.used -= e.bytes;
      return undefined;
    }
    this.entries.set(key, e);
    return e.value;
  }

  /** Keeps `value` (deep-frozen here) under `key`; `bytes` is the size of its JSON. */
  set(key: string, value: unknown, bytes: number): void {
    if (bytes > this.maxBytes || !this.reliable()) return;
    this.remove(key);
    this.entries.set(key, { value: deepFreeze(value), bytes, until: this.now() + this.ttlMs });
    this.used += bytes;
    for (const [k] of this.entries) {
      if (this.used <= this.maxBytes) break;
      this.remove(k);
    }
  }

  delete(keys: readonly string[]): void {
    for (const k of keys) this.remove(k);
  }

  clear(): void {
    this.entries.clear();
    this.used = 0;
    for (const c of this.companions) c.clear();
  }

  /**
   * Removes what has outlived its time, here and in the companions: a record nobody asks for
   * again is dropped within one sweep of its end (run by the caches every second, or every
   * `ttlMs` when shorter, at most ten times a second).
   */
  sweep(): void {
    const now = this.now();
    for (const [k, e] of this.entries) if (e.until <= now) this.remove(k);
    for (const c of this.companions) c.sweep();
  }

  /** Keeps `companion` with these records: swept and emptied when they are. */
  keepWith(companion: { sweep(): void; clear(): void }): void {
    this.companions.push(companion);
  }

  /** Entries and bytes held (expired ones until they are next looked at). */
  stats(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.used };
  }

  private remove(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.used -= e.bytes;
  }
}

/** Freezes `value` and everything it holds. */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const v of Object.values(value as object)) deepFreeze(v);
  return value;
}

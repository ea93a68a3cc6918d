/**
 * Keyed hashes computed in the last `ttlMs`, by input, at most `max` of them: a request
 * that names the same citizen or caller as one a moment before costs a map look-up
 * instead of an HMAC. Each entry is served for `ttlMs` from when it was computed, whether
 * used or not, and removed by the next `sweep` after that (the decoded layer sweeps every
 * second) or when the layer is emptied. Only used with the in-process layer of decoded
 * records (`CACHE_DECODED_TTL_MS`): that setting is the one that keeps personal data in the
 * process beyond a request, and these inputs (personal IDs) are kept as its records are.
 */
export class RecentHashes {
  private readonly entries = new Map<string, { hash: string; until: number }>();

  constructor(
    private readonly compute: (input: string) => string,
    private readonly ttlMs: number,
    private readonly max: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isInteger(ttlMs) || ttlMs < 1) throw new Error(`ttlMs must be a positive integer, but got: ${ttlMs}`);
    if (!Number.isInteger(max) || max < 1) throw new Error(`max must be a positive integer, but got: ${max}`);
  }

  hash(input: string): string {
    const now = this.now();
    const kept = this.entries.get(input);
    if (kept && kept.until > now) return kept.hash;
    const hash = this.compute(input);
    if (kept) this.entries.delete(input);
    else if (this.entries.size >= this.max) this.makeRoom();
    this.entries.set(input, { hash, until: now + this.ttlMs });
    return hash;
  }

  /** Inputs kept now (expired ones until the next sweep). */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Removes the entries past their time. Entries are kept in the order they were computed
   * (one is deleted before it is set again), which with one lifetime for all is the order they
   * expire in: the sweep stops at the first that has not. A clock that went back only delays it.
   */
  sweep(): number {
    const now = this.now();
    let dropped = 0;
    for (const [k, e] of this.entries) {
      if (e.until > now) break;
      this.entries.delete(k);
      dropped++;
    }
    return dropped;
  }

  clear(): void {
    this.entries.clear();
  }

  /** Full: the expired entries go; if none had expired, the oldest half. */
  private makeRoom(): void {
    if (this.sweep() > 0) return;
    let half = Math.ceil(this.entries.size / 2);
    for (const k of this.entries.keys()) {
      if (half-- <= 0) break;
      this.entries.delete(k);
    }
  }
}

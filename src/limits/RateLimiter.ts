import type { RoundTripTrace, SharedCounter } from '../cache/backends';

export interface RateDecision {
  allowed: boolean;
  /** When the caller may try again, if refused. */
  retryAfterSeconds: number;
}

export interface RateLimiterOptions {
  /** Counters shared by every instance (Redis); null counts in this process only. */
  shared?: SharedCounter | null;
  prefix?: string;
  /** Keys may name a citizen: they are stored under a keyed hash, never in clear. */
  hashKey?: (key: string) => string;
  /** The clock (milliseconds); tests move it. */
  now?: () => number;
}

/**
 * Fixed-window counters per caller: `limit` events per `windowMs`. In Redis when the
 * gateway has one (shared by every instance), in memory otherwise — and in memory too
 * while Redis fails, so that limits never depend on Redis being up.
 */
export class RateLimiter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();
  private readonly shared: SharedCounter | null;
  private readonly prefix: string;
  private readonly hashKey: (key: string) => string;
  private readonly now: () => number;

  constructor(options: RateLimiterOptions = {}) {
    this.shared = options.shared ?? null;
    this.prefix = options.prefix ?? 'gw:';
    this.hashKey = options.hashKey ?? ((key) => key);
    this.now = options.now ?? Date.now;
  }

  /** Counts `cost` events against `rawKey`; `trace` records the Redis round trip under the request (tracing on only). */
  async consume(rawKey: string, limit: number, windowMs: number, cost = 1, trace?: RoundTripTrace): Promise<RateDecision> {
    const key = this.hashKey(rawKey);
    const now = this.now();
    const window = Math.floor(now / windowMs);
    const resetAt = (window + 1) * windowMs;
    if (this.shared) {
      try {
        const count = await this.shared.increment(`${this.prefix}rl:${key}:${window}`, cost, windowMs + 1000, trace);
        return { allowed: count <= limit, retryAfterSeconds: Math.max(1, Math.ceil((resetAt - now) / 1000)) };
      } catch {
        // Redis unavailable or skipped: fall through to this process's own counters.
      }
    }
    const current = this.windows.get(key);
    const entry = current && current.resetAt > now ? current : { count: 0, resetAt };
    entry.count += cost;
    this.windows.set(key, entry);
    if (this.windows.size > 100_000) for (const [k, v] of this.windows) if (v.resetAt <= now) this.windows.delete(k);
    return { allowed: entry.count <= limit, retryAfterSeconds: Math.max(1, Math.ceil((entry.resetAt - now) / 1000)) };
  }
}

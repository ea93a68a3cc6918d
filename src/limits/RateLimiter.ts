import type { RoundTripTrace, SharedCounter } from '../cache/backends';

/** One limit to count against: `cost` events of at most `limit` per `windowMs` under `key`. */
export interface RateStep {
  key: string;
  limit: number;
  windowMs: number;
  cost: number;
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

  /**
   * Counts against each limit in turn and stops at the first that refuses: the limits after it
   * are not charged (an official over their own limit does not spend their agency's). One Redis
   * round trip for all of them. Resolves null when every limit allowed, or the refusing one.
   */
  async consumeAll(steps: readonly RateStep[], trace?: RoundTripTrace): Promise<{ index: number; retryAfterSeconds: number } | null> {
    const now = this.now();
    const keys = steps.map((s) => this.hashKey(s.key));
    if (this.shared) {
      try {
        const counters = steps.map((s, i) => ({ key: `${this.prefix}rl:${keys[i] as string}:${Math.floor(now / s.windowMs)}`, by: s.cost, ttlMs: s.windowMs + 1000, limit: s.limit }));
        const index = await this.shared.incrementUntil(counters, trace);
        return index < 0 ? null : { index, retryAfterSeconds: this.retryAfter(now, (steps[index] as RateStep).windowMs) };
      } catch {
        // Redis unavailable or skipped: fall through to this process's own counters.
      }
    }
    for (const [index, step] of steps.entries()) {
      const key = keys[index] as string;
      const current = this.windows.get(key);
      const entry = current && current.resetAt > now ? current : { count: 0, resetAt: windowEnd(now, step.windowMs) };
      entry.count += step.cost;
      this.windows.set(key, entry);
      if (this.windows.size > 100_000) for (const [k, v] of this.windows) if (v.resetAt <= now) this.windows.delete(k);
      if (entry.count > step.limit) return { index, retryAfterSeconds: Math.max(1, Math.ceil((entry.resetAt - now) / 1000)) };
    }
    return null;
  }

  /** Seconds until the window holding `now` ends. */
  private retryAfter(now: number, windowMs: number): number {
    return Math.max(1, Math.ceil((windowEnd(now, windowMs) - now) / 1000));
  }
}

/** When the fixed window holding `now` ends (ms since the epoch). */
function windowEnd(now: number, windowMs: number): number {
  return (Math.floor(now / windowMs) + 1) * windowMs;
}

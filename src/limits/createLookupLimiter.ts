import type { Caller } from '../auth/caller';
import type { RateLimiter } from './RateLimiter';

/** Citizens readable per window, and verifications per official. */
export interface LookupLimits {
  /** Citizens a citizen token may read per window (their own record and relatives count). */
  citizen: number;
  /** Citizens one official may read per window. */
  official: number;
  /** Citizens all officials of one agency together may read per window. */
  agency: number;
  windowMs: number;
  /** verifyCitizen calls per official per window: guessing costs the same whether it hits or not. */
  verify: { max: number; windowMs: number };
}

export interface LookupRefusal {
  retryAfterSeconds: number;
  /** What was counted, for the message: "citizen lookups" or "verifications". */
  what: string;
}

/**
 * The one limiter every lookup counts against — reads, each subject of a prefilled
 * form, verifications — per official and per agency (a new official id does not reset
 * the agency's budget), or per citizen. Resolves null when allowed, or the refusal.
 */
export function createLookupLimiter(limiter: RateLimiter, limits: LookupLimits) {
  return async (caller: Caller, lookups: number, verifications: number): Promise<LookupRefusal | null> => {
    if (caller.kind === 'anonymous') return null;
    const checks: [string, number, number, number, string][] = [];
    if (verifications > 0 && caller.kind === 'agency') {
      checks.push([`verify:${caller.agency}:${caller.officialId}`, limits.verify.max, limits.verify.windowMs, verifications, 'verifications']);
    }
    if (lookups > 0) {
      if (caller.kind === 'agency') {
        checks.push([`lookups:agency:${caller.agency}:${caller.officialId}`, limits.official, limits.windowMs, lookups, 'citizen lookups']);
        checks.push([`lookups:agency:${caller.agency}`, limits.agency, limits.windowMs, lookups, 'citizen lookups by this agency']);
      } else {
        checks.push([`lookups:citizen:${caller.personalId}`, limits.citizen, limits.windowMs, lookups, 'citizen lookups']);
      }
    }
    for (const [key, max, windowMs, cost, what] of checks) {
      const decision = await limiter.consume(key, max, windowMs, cost);
      if (!decision.allowed) return { retryAfterSeconds: decision.retryAfterSeconds, what };
    }
    return null;
  };
}

export type LookupLimiter = ReturnType<typeof createLookupLimiter>;

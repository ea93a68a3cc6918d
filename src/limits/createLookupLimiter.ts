import type { Caller } from '../auth/caller';
import type { Bilingual } from '../bilingual';
import type { RoundTripTrace } from '../cache/backends';
import type { RateLimiter, RateStep } from './RateLimiter';

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
  /** Reports of wrong registry data (reportIncorrectData) per citizen per window. */
  corrections: { max: number; windowMs: number };
}

export interface LookupRefusal {
  retryAfterSeconds: number;
  /** What was counted, for the message: citizen lookups or verifications. */
  what: Bilingual;
}

/**
 * The one limiter every lookup counts against — reads, each subject of a prefilled
 * form, verifications — per official and per agency (a new official id does not reset
 * the agency's budget), or per citizen; and a citizen's reports of wrong registry data.
 * Resolves null when allowed, or the refusal. `trace` records the shared counters' Redis
 * round trips under the request (tracing on only).
 */
export function createLookupLimiter(limiter: RateLimiter, limits: LookupLimits) {
  return async (caller: Caller, lookups: number, verifications: number, trace?: RoundTripTrace, reports = 0): Promise<LookupRefusal | null> => {
    if (caller.kind === 'anonymous') return null;
    const checks: (RateStep & { what: Bilingual })[] = [];
    if (reports > 0 && caller.kind === 'citizen') {
      checks.push({ key: `corrections:citizen:${caller.personalId}`, limit: limits.corrections.max, windowMs: limits.corrections.windowMs, cost: reports, what: { en: 'reports of wrong registry data', vi: 'đề nghị điều chỉnh thông tin' } });
    }
    if (verifications > 0 && caller.kind === 'agency') {
      checks.push({ key: `verify:${caller.agency}:${caller.officialId}`, limit: limits.verify.max, windowMs: limits.verify.windowMs, cost: verifications, what: { en: 'verifications', vi: 'lượt đối chiếu thông tin' } });
    }
    if (lookups > 0) {
      if (caller.kind === 'agency') {
        checks.push({ key: `lookups:agency:${caller.agency}:${caller.officialId}`, limit: limits.official, windowMs: limits.windowMs, cost: lookups, what: { en: 'citizen lookups', vi: 'lượt tra cứu thông tin công dân của cán bộ này' } });
        checks.push({ key: `lookups:agency:${caller.agency}`, limit: limits.agency, windowMs: limits.windowMs, cost: lookups, what: { en: 'citizen lookups by this agency', vi: 'lượt tra cứu thông tin công dân của cơ quan này' } });
      } else {
        checks.push({ key: `lookups:citizen:${caller.personalId}`, limit: limits.citizen, windowMs: limits.windowMs, cost: lookups, what: { en: 'citizen lookups', vi: 'lượt tra cứu thông tin công dân' } });
      }
    }
    if (checks.length === 0) return null;
    const refused = await limiter.consumeAll(checks, trace);
    return refused ? { retryAfterSeconds: refused.retryAfterSeconds, what: (checks[refused.index] as (typeof checks)[number]).what } : null;
  };
}

export type LookupLimiter = ReturnType<typeof createLookupLimiter>;

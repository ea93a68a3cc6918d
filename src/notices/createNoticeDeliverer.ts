import { WATCH_COORDINATE } from '../access/accessRequest';
import type { AccessRequest, Allowed, Decide, DecisionLookups } from '../access/decide';
import type { AuditEntry, AuditLog } from '../audit/AuditLog';
import type { NoticeConfig } from '../config';
import type { KeyRing } from '../keys/loadKeyRing';
import type { NoticeObserver } from '../metrics';
import { createThrottledLog, type Logger } from '../logger';
import type { PolicyCatalogue } from '../policy/loadCatalogue';
import type { ClaimedNotice, NoticeStore } from './NoticeStore';
import { postNotice, type PostFailure } from './postNotice';
import { signNotice } from './signNotice';

/** What one pass did. */
export interface DrainReport {
  delivered: number;
  /** Failed attempts with another one to come. */
  retrying: number;
  dead: number;
  withheld: number;
  /** Not tried: the audit trail or the consent register could not be used; due again later, the attempt not counted. */
  postponed: number;
}

export interface NoticeDeliverer {
  /** Polls the outbox every `pollMs` (a first pass at once) until stopped. */
  start(): void;
  /** Stops polling and waits for the passes under way: each POST in them has its deadline. */
  stop(): Promise<void>;
  /** One pass: housekeeping, then every notice due now is judged, recorded, signed, sent and settled. */
  drain(): Promise<DrainReport>;
  /** A pass soon rather than at the next poll (a change was just written to the outbox). */
  wake(): void;
  /** Resolves once the passes under way have finished, whoever started them. */
  idle(): Promise<void>;
}

export interface NoticeDelivererOptions {
  store: NoticeStore;
  catalogue: PolicyCatalogue;
  decide: Decide;
  /** Lookups for the decisions of one pass (a notice's decision asks the consent register only). */
  lookups: () => DecisionLookups;
  keys: KeyRing;
  audit: Pick<AuditLog, 'append'>;
  observer: NoticeObserver;
  logger: Logger;
  settings: Pick<NoticeConfig, 'maxAttempts' | 'backoffBaseMs' | 'backoffMaxMs' | 'deadlineMs' | 'pollMs'>;
  now: () => Date;
}

/** Notices claimed at once, and batches in one pass (the rest waits for the next). */
const BATCH = 20;
const MAX_BATCHES = 10;
const CLEANUP_EVERY_MS = 60_000;
/** The delay before attempt `attempt + 1`: doubling from `baseMs`, at most `maxMs`. */
function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

/**
 * Drains the outbox of change notices. For each notice due, in order: the access
 * decision judges it again, as of now, with the watch's agency, official, scope and
 * purpose (a consent withdrawn or a grant removed since the watch was set withholds it);
 * the disclosure is recorded in the audit trail before the first attempt leaves; the
 * notice is signed and POSTed to the agency's endpoint under a deadline; then it is
 * settled — delivered, due again after an exponential backoff on the gateway's clock,
 * or, after `maxAttempts`, a dead letter. Nothing here runs in a registry event's
 * request: the event only writes the outbox and wakes the deliverer.
 */
export function createNoticeDeliverer(options: NoticeDelivererOptions): NoticeDeliverer {
  const { store, settings, observer, logger } = options;
  const millis = () => options.now().getTime();
  // The POST and the audit record it waits for, with room to spare: no other pass takes the notice meanwhile.
  const leaseMs = settings.deadlineMs * 2 + 30_000;
  const passLog = createThrottledLog(60_000, millis);
  let lastCleanup = Number.NEGATIVE_INFINITY;
  let phase: 'idle' | 'polling' | 'stopped' = 'idle';
  let timer: NodeJS.Timeout | null = null;
  let ticking = false;
  let again = false;
  const passes = new Set<Promise<unknown>>();

  const request = (n: ClaimedNotice): AccessRequest => ({
    caller: { kind: 'agency', officialId: n.official, agency: n.agency, scopes: [n.scope] },
    purpose: n.purpose,
    rootFields: [],
    subjects: [{ hop: 0, id: n.subjectId, path: 'notice', reads: [{ kind: 'watch', coordinate: WATCH_COORDINATE, paths: ['notice'] }] }],
  });

  const auditEntry = (n: ClaimedNotice, decision: Allowed): AuditEntry => ({
    requestId: n.id,
    callerKind: 'agency',
    callerId: n.official,
    agency: n.agency,
    purpose: n.purpose,
    caseId: n.caseId,
    subjectId: n.subjectId,
    // That this registry's record changed: the fact the notice discloses (no value, no registry read).
    fields: [`notice.${n.registry.toLowerCase()}`],
    registries: [],
    outcome: 'disclosed',
    reason: null,
    retentionDays: decision.purpose?.retentionDays ?? 1,
  });

  const later = (ms: number) => new Date(millis() + ms);

  async function send(n: ClaimedNotice, endpoint: string, report: DrainReport): Promise<void> {
    const outcome = await postNotice(endpoint, await signNotice(options.keys, n), settings.deadlineMs);
    if (outcome.delivered) {
      await store.delivered(n);
      observer.delivered();
      report.delivered++;
      return;
    }
    observer.failed(outcome.failure);
    const last = n.attempts >= settings.maxAttempts;
    await store.failed(n, outcome.error, last ? null : later(backoffMs(n.attempts, settings.backoffBaseMs, settings.backoffMaxMs)));
    if (last) {
      observer.dead();
      report.dead++;
      logger.warn({ notice: n.id, agency: n.agency, attempts: n.attempts, error: outcome.error }, 'change notice dead-lettered after its last attempt');
    } else {
      report.retrying++;
      logger.info({ notice: n.id, agency: n.agency, attempt: n.attempts, error: outcome.error }, 'change notice not delivered; it will be retried');
    }
  }

  async function deliver(claimed: ClaimedNotice[], report: DrainReport): Promise<void> {
    const lookups = options.lookups();
    const postponed = later(settings.backoffBaseMs);
    const ready: { n: ClaimedNotice; endpoint: string; decision: Allowed }[] = [];
    for (const n of claimed) {
      const decision = await options.decide(request(n), lookups);
      if (decision.allowed) {
        ready.push({ n, endpoint: options.catalogue.agencies.get(n.agency)?.noticeEndpoint as string, decision });
      } else if (decision.code === 'STORE_UNAVAILABLE' || decision.code.startsWith('UPSTREAM_')) {
        await store.release(n, postponed);
        report.postponed++;
      } else {
        await store.drop(n);
        observer.withheld();
        report.withheld++;
        logger.info({ notice: n.id, agency: n.agency, reason: decision.rule ? `${decision.code}:${decision.rule}` : decision.code }, 'change notice withheld: the access decision refuses it now');
      }
    }
    // Recorded before the first attempt leaves; a retry tells the same agency the same fact again.
    const unrecorded = ready.filter((r) => !r.n.audited);
    let sendable = ready;
    if (unrecorded.length > 0) {
      try {
        await options.audit.append(unrecorded.map((r) => auditEntry(r.n, r.decision)));
      } catch (err) {
        logger.warn({ err: { name: (err as Error).name, message: (err as Error).message }, notices: unrecorded.length }, 'change notices not recorded in the audit trail; not sent');
        for (const r of unrecorded) await store.release(r.n, postponed);
        report.postponed += unrecorded.length;
        sendable = ready.filter((r) => r.n.audited);
      }
    }
    await Promise.all(
      sendable.map((r) =>
        // A notice that cannot be settled stays claimed until its lease ends, then is due again.
        send(r.n, r.endpoint, report).catch((err: unknown) =>
          passLog((suppressed) => logger.warn({ err: { name: (err as Error).name, message: (err as Error).message }, suppressed }, 'change notice attempt not settled; it is due again when its lease ends')),
        ),
      ),
    );
  }

  async function pass(): Promise<DrainReport> {
    const report: DrainReport = { delivered: 0, retrying: 0, dead: 0, withheld: 0, postponed: 0 };
    if (millis() - lastCleanup >= CLEANUP_EVERY_MS) {
      lastCleanup = millis();
      const removed = await store.cleanup();
      if (removed.watches + removed.notices > 0) logger.info(removed, 'ended watches and old notices removed');
    }
    for (let i = 0; i < MAX_BATCHES; i++) {
      const claimed = await store.claim(BATCH, leaseMs);
      if (claimed.length > 0) await deliver(claimed, report);
      if (claimed.length < BATCH) break;
    }
    observer.depth(await store.depth());
    return report;
  }

  function drain(): Promise<DrainReport> {
    const running = pass();
    passes.add(running);
    const done = () => passes.delete(running);
    running.then(done, done);
    return running;
  }

  async function idle(): Promise<void> {
    await Promise.allSettled([...passes]);
  }

  function schedule(delayMs: number): void {
    if (phase !== 'polling' || timer) return;
    timer = setTimeout(tick, delayMs);
    timer.unref();
  }

  function tick(): void {
    timer = null;
    ticking = true;
    again = false;
    drain()
      .catch((err: unknown) => passLog((suppressed) => logger.warn({ err: { name: (err as Error).name, message: (err as Error).message }, suppressed }, 'change notices: a pass failed; the next poll tries again')))
      .finally(() => {
        ticking = false;
        schedule(again ? 0 : settings.pollMs);
      });
  }

  return {
    start() {
      if (phase !== 'idle') return;
      phase = 'polling';
      schedule(0);
    },
    async stop() {
      phase = 'stopped';
      if (timer) clearTimeout(timer);
      timer = null;
      await idle();
    },
    drain,
    wake() {
      if (phase !== 'polling') return;
      if (ticking) {
        again = true;
        return;
      }
      if (timer) clearTimeout(timer);
      timer = null;
      schedule(0);
    },
    idle,
  };
}

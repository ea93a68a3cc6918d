import { createHash, randomUUID } from 'node:crypto';
import type { CorrectionsConnector, RegistryCorrection } from '../../connectors/CorrectionsConnector';
import type { CallContext } from '../../connectors/RegistryClient';
import type { HolderDocuments, RegistryName } from '../../connectors/types';
import { UpstreamError } from '../../connectors/UpstreamError';
import type { AuditEntry, AuditLog } from '../audit/AuditLog';
import { BadUserInputError, bilingual as bi, REGISTRY_VI } from '../errors';
import type { RegistryChange } from '../http/registryEvents';
import type { Logger } from '../logger';
import { checkNote, checkValue, type CorrectableField } from './correctableFields';
import type { CorrectionHistoryEntry, CorrectionRecord, CorrectionStatus, CorrectionStore, OpenCorrection } from './CorrectionStore';

/** A report as the citizen submits it (`reportIncorrectData`). */
export interface ReportInput {
  field: string;
  registry: RegistryName;
  proposedValue: string;
  note?: string | null;
  evidenceDocument?: string | null;
  documentId?: string | null;
  idempotencyKey: string;
}

/** Who acts, in which request: the reporting citizen (the subject, or their parent). */
export interface CorrectionActor {
  /** The HTTP request's id, for the audit. */
  requestId: string;
  reporterId: string;
  subjectId: string;
  /** The subject's documents, through the request's loader (one batch, the request's cache). */
  documents(subjectId: string): Promise<HolderDocuments | null>;
  /** The request's trace and registry timings, for the calls made for it. */
  call?: CallContext;
}

export interface CorrectionServiceOptions {
  store: CorrectionStore;
  connectors: Pick<CorrectionsConnector, 'submit' | 'statuses'>;
  audit: Pick<AuditLog, 'append'>;
  /** The correctable fields (src/corrections/correctableFields.ts). */
  fields: ReadonlyMap<string, CorrectableField>;
  /** Audit retention of a citizen's own steps, and of a parent's for their child (GUARDIAN). */
  retentionDays: { own: number; guardian: number };
  /** How often requests not yet forwarded are tried again, and open ones looked up; the first backoff step. */
  syncEveryMs: number;
  logger: Logger;
  now: () => Date;
  metrics?: { step(step: string): void; disputeLookup(): void };
}

/** How a status was learnt, as the audit records it. */
type Via = 'FORWARD' | 'READ' | 'CHANGE_EVENT' | 'SYNC';

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_-]{8,64}$/;
const DOCUMENT_ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_FIELD = 100;
const MAX_NOTE = 1000;
/** Raw input longer than this is refused before it is even normalised. */
const MAX_RAW = 4000;
/** One forwarder at a time per request: longer than any registry call's deadline. */
const LEASE_MS = 60_000;
const MAX_BACKOFF_MS = 3_600_000;
/** What a citizen reads when the registry rejected a request without saying why. */
const NO_REASON = 'Cơ quan quản lý dữ liệu không nêu lý do.';
/** Requests forwarded, and open requests looked up, per sync run. */
const SYNC_BATCH = 50;

/**
 * The correction route: a citizen (or their parent, for a child under 14) reports that a
 * value a registry holds about them is wrong; the report is checked like the field,
 * stored durably and idempotently, forwarded to the registry that owns the field (again
 * later, with backoff, while that registry is unreachable), and followed through the
 * registry's statuses to CORRECTED or REJECTED — learnt from the registry's change
 * event, from the citizen's next read, or from a periodic look-up. Every step is in the
 * audit trail, written before the step's state is: a step is never recorded without its
 * audit record (a retried step may be recorded twice).
 */
export class CorrectionService {
  readonly fields: ReadonlyMap<string, CorrectableField>;
  private readonly store: CorrectionStore;
  private readonly now: () => Date;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(private readonly options: CorrectionServiceOptions) {
    this.fields = options.fields;
    this.store = options.store;
    this.now = options.now;
    if (!(options.syncEveryMs > 0)) throw new Error(`syncEveryMs must be positive, but got: ${options.syncEveryMs}`);
  }

  /**
   * Checks, stores and forwards a report. A retry with the same idempotency key returns
   * the stored request (forwarding it only if it never reached the registry); the same
   * key with another report is bad input. An unreachable registry leaves the request
   * SUBMITTED, to be forwarded later: the report is never lost.
   */
  async report(input: ReportInput, actor: CorrectionActor): Promise<CorrectionRecord> {
    const checked = this.check(input);
    const bodyHash = createHash('sha256')
      .update(JSON.stringify([actor.subjectId, checked.field.coordinate, checked.documentId, checked.proposedValue, checked.note, checked.evidenceDocument]))
      .digest('hex');
    const existing = await this.store.byKey(actor.reporterId, input.idempotencyKey);
    if (existing) return this.replay(existing, bodyHash, actor);
    await this.checkDocuments(checked, actor);

    const id = randomUUID();
    const now = this.now();
    const draft = {
      id,
      subjectId: actor.subjectId,
      reporterId: actor.reporterId,
      idempotencyKey: input.idempotencyKey,
      bodyHash,
      field: checked.field.coordinate,
      registry: checked.field.registry,
      documentId: checked.documentId,
      proposedValue: checked.proposedValue,
      note: checked.note,
      evidenceDocumentId: checked.evidenceDocument,
      createdAt: now,
    };
    await this.audit([this.entry(draft, actor.requestId, 'CORRECTION_REPORTED', 'disclosed', [])]);
    const created = await this.store.create(draft);
    if (!created) {
      // A concurrent retry stored it first.
      const stored = await this.store.byKey(actor.reporterId, input.idempotencyKey);
      if (!stored) throw new Error('a correction request vanished between its conflict and its read');
      return this.replay(stored, bodyHash, actor);
    }
    this.options.metrics?.step('reported');
    return (await this.forwardQuietly(created, actor.requestId, actor.call)) ?? created;
  }

  /**
   * A subject's requests, newest first. First, within the registries' deadlines, forwards
   * what has not reached its registry yet and asks the registries where open ones stand:
   * the citizen reads what the registry knows, or what the gateway last knew.
   */
  async list(subjectId: string, first: number, actor: Pick<CorrectionActor, 'requestId' | 'call'>): Promise<CorrectionRecord[]> {
    const requests = await this.store.forSubject(subjectId, first);
    let changed = false;
    for (const c of requests.filter((r) => r.status === 'SUBMITTED')) changed = (await this.forwardQuietly(c, actor.requestId, actor.call)) !== null || changed;
    const open = requests.filter((r) => r.status === 'RECEIVED' || r.status === 'IN_REVIEW');
    if (open.length > 0) changed = (await this.lookUp(open, 'READ', actor.requestId, actor.call, true)) || changed;
    return changed ? this.store.forSubject(subjectId, first) : requests;
  }

  /** Fields under an open request, per subject, in one store query (the disputed marker's loader). */
  async openFor(subjectIds: readonly string[]): Promise<Map<string, OpenCorrection[]>> {
    this.options.metrics?.disputeLookup();
    const open = await this.store.openFor(subjectIds);
    const out = new Map<string, OpenCorrection[]>(subjectIds.map((id) => [id, []]));
    for (const o of open) out.get(o.subjectId)?.push(o);
    return out;
  }

  /**
   * A registry's change event: for each changed citizen with a request the registry has
   * not decided, asks the registry where it stands and records a decision. Throws when
   * the registry or the store cannot answer: the event is then refused (503) and sent again.
   */
  readonly onRegistryChange = async (change: RegistryChange): Promise<void> => {
    const open = await this.store.awaitingRegistry({ registry: change.registry, subjectIds: change.ids, limit: 1000 });
    if (open.length === 0) return;
    await this.lookUp(open, 'CHANGE_EVENT', `registry-event:${change.eventId}`, undefined, false);
  };

  /** Starts the periodic forwarding and look-ups, every `syncEveryMs`. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.sync(), this.options.syncEveryMs);
    this.timer.unref();
  }

  /** Stops them, and waits for a run under way. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /**
   * One run: forwards requests whose backoff has ended, and asks the registries about open
   * requests not looked up for `syncEveryMs`. Runs one at a time; failures wait for the next run.
   */
  sync(): Promise<void> {
    this.running ??= this.syncOnce()
      .catch((err: unknown) => this.options.logger.warn({ err: { name: (err as Error).name, message: (err as Error).message } }, 'correction requests: sync run failed; the next run tries again'))
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  private async syncOnce(): Promise<void> {
    const requestId = `correction-sync:${randomUUID()}`;
    const now = this.now();
    const due = await this.store.claimForForwarding({ now, leaseUntil: new Date(now.getTime() + LEASE_MS), limit: SYNC_BATCH });
    for (const c of due) await this.send(c, requestId, undefined);
    const stale = await this.store.awaitingRegistry({ checkedBefore: new Date(now.getTime() - this.options.syncEveryMs), limit: SYNC_BATCH });
    if (stale.length > 0) await this.lookUp(stale, 'SYNC', requestId, undefined, true);
  }

  /** The report's values, checked as the field holds them; throws BAD_USER_INPUT naming the input. */
  private check(input: ReportInput) {
    if (typeof input.idempotencyKey !== 'string' || !IDEMPOTENCY_KEY.test(input.idempotencyKey)) {
      throw new BadUserInputError(bi('an idempotency key is 8 to 64 letters, digits, "_" or "-", new for each report', 'khóa chống gửi trùng (idempotencyKey) gồm 8 đến 64 chữ cái, chữ số, dấu "_" hoặc "-", mỗi đề nghị một khóa.'), { field: 'input.idempotencyKey' });
    }
    const field = input.field.length <= MAX_FIELD ? this.fields.get(input.field) : undefined;
    if (!field) {
      throw new BadUserInputError(bi('not a field that can be corrected (see correctableFields)', 'thông tin này không thuộc danh sách thông tin được đề nghị điều chỉnh (xem correctableFields).'), { field: 'input.field' });
    }
    if (input.registry !== field.registry) {
      throw new BadUserInputError(bi(`${field.coordinate} is held by the ${field.registry} registry, not ${input.registry}`, `thông tin ${field.coordinate} do ${REGISTRY_VI[field.registry]} quản lý, không phải ${REGISTRY_VI[input.registry]}.`), {
        field: 'input.registry',
      });
    }
    const documentId = input.documentId ?? null;
    if (field.perRecord && (documentId === null || !DOCUMENT_ID.test(documentId))) {
      throw new BadUserInputError(bi(`${field.coordinate} is a document's: name the document (documentId, as documents lists it)`, 'thông tin này thuộc một giấy tờ: hãy ghi mã giấy tờ (documentId) như trong danh sách giấy tờ.'), { field: 'input.documentId' });
    }
    if (!field.perRecord && documentId !== null) {
      throw new BadUserInputError(bi(`${field.coordinate} is not a document's: leave documentId out`, 'thông tin này không thuộc giấy tờ nào: không ghi mã giấy tờ (documentId).'), { field: 'input.documentId' });
    }
    if (input.proposedValue.length > MAX_RAW) throw new BadUserInputError(bi('is far too long', 'quá dài.'), { field: 'input.proposedValue' });
    const value = checkValue(field.value, input.proposedValue);
    if (!value.ok) throw new BadUserInputError(value.reason, { field: 'input.proposedValue' });
    let note: string | null = null;
    if (input.note !== null && input.note !== undefined) {
      if (input.note.length > MAX_RAW) throw new BadUserInputError(bi('is far too long', 'quá dài.'), { field: 'input.note' });
      const checked = checkNote(input.note, MAX_NOTE);
      if (!checked.ok) throw new BadUserInputError(checked.reason, { field: 'input.note' });
      note = checked.value || null;
    }
    const evidenceDocument = input.evidenceDocument ?? null;
    if (evidenceDocument !== null && !DOCUMENT_ID.test(evidenceDocument)) {
      throw new BadUserInputError(bi('a document ID is 1 to 64 letters, digits, "_" or "-", as documents lists it', 'mã giấy tờ gồm 1 đến 64 chữ cái, chữ số, dấu "_" hoặc "-", như trong danh sách giấy tờ.'), { field: 'input.evidenceDocument' });
    }
    return { field, documentId, proposedValue: value.value, note, evidenceDocument };
  }

  /** The document the value is on, and the evidence, must be the subject's own: the issued-document registry says. */
  private async checkDocuments(checked: { documentId: string | null; evidenceDocument: string | null }, actor: CorrectionActor): Promise<void> {
    if (checked.documentId === null && checked.evidenceDocument === null) return;
    const held = new Set((await actor.documents(actor.subjectId))?.documents.map((d) => d.id) ?? []);
    if (checked.documentId !== null && !held.has(checked.documentId)) {
      throw new BadUserInputError(bi('not one of the documents issued to the citizen', 'không phải giấy tờ đã cấp cho công dân này.'), { field: 'input.documentId' });
    }
    if (checked.evidenceDocument !== null && !held.has(checked.evidenceDocument)) {
      throw new BadUserInputError(bi("not one of the citizen's own issued documents", 'giấy tờ kèm theo phải là giấy tờ đã cấp cho chính công dân này.'), { field: 'input.evidenceDocument' });
    }
  }

  private async replay(existing: CorrectionRecord, bodyHash: string, actor: CorrectionActor): Promise<CorrectionRecord> {
    if (existing.bodyHash !== bodyHash || existing.subjectId !== actor.subjectId) {
      throw new BadUserInputError(bi('this idempotency key was used for another report; use a new key for a new report', 'khóa chống gửi trùng này đã dùng cho một đề nghị khác; hãy dùng khóa mới cho đề nghị mới.'), { field: 'input.idempotencyKey' });
    }
    if (existing.status !== 'SUBMITTED') return existing;
    return (await this.forwardQuietly(existing, actor.requestId, actor.call)) ?? existing;
  }

  /** Forwards now if no one else is; the request as recorded after, or null when it was not forwarded now. */
  private async forwardQuietly(c: CorrectionRecord, requestId: string, call: CallContext | undefined): Promise<CorrectionRecord | null> {
    try {
      const now = this.now();
      const [claimed] = await this.store.claimForForwarding({ ids: [c.id], force: true, now, leaseUntil: new Date(now.getTime() + LEASE_MS), limit: 1 });
      if (!claimed) return null;
      return (await this.send(claimed, requestId, call)) ? this.store.byId(c.id) : null;
    } catch (err) {
      // Stored and audited: forwarding is tried again later, the caller still gets the request.
      this.options.logger.warn({ correction: c.id, err: { name: (err as Error).name, message: (err as Error).message } }, 'correction request not forwarded now; it will be tried again');
      return null;
    }
  }

  /** Sends a claimed request to its registry; true when the registry confirmed receipt. */
  private async send(c: CorrectionRecord, requestId: string, call: CallContext | undefined): Promise<boolean> {
    await this.audit([this.entry(c, requestId, 'CORRECTION_FORWARD', 'disclosed', [c.registry])]);
    let received: RegistryCorrection;
    try {
      received = await this.options.connectors.submit(
        c.registry,
        { requestId: c.id, personalId: c.subjectId, field: c.field, documentId: c.documentId, proposedValue: c.proposedValue, note: c.note, evidenceDocumentId: c.evidenceDocumentId },
        call,
      );
    } catch (err) {
      if (!(err instanceof UpstreamError)) throw err;
      const code = err.failure === 'timeout' ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_UNAVAILABLE';
      const backoff = Math.min(this.options.syncEveryMs * 2 ** c.forwardAttempts, MAX_BACKOFF_MS);
      await this.audit([this.entry(c, requestId, `CORRECTION_FORWARD_FAILED:${code}`, 'failed', [c.registry])]);
      await this.store.forwardFailed(c.id, new Date(this.now().getTime() + backoff));
      this.options.metrics?.step('forward_failed');
      this.options.logger.warn({ correction: c.id, registry: c.registry, code, attempts: c.forwardAttempts + 1, retryInMs: backoff }, 'correction request not forwarded: registry unreachable, will retry');
      return false;
    }
    this.options.metrics?.step('forwarded');
    await this.record(c, received, 'FORWARD', requestId, true);
    return true;
  }

  /**
   * Asks the registries where these requests stand (one call per registry) and records
   * what changed. `quiet`: a registry that cannot answer is left for later rather than
   * thrown. True when anything was recorded.
   */
  private async lookUp(requests: readonly CorrectionRecord[], via: Via, requestId: string, call: CallContext | undefined, quiet: boolean): Promise<boolean> {
    let changed = false;
    const byRegistry = new Map<RegistryName, CorrectionRecord[]>();
    for (const c of requests) byRegistry.set(c.registry, [...(byRegistry.get(c.registry) ?? []), c]);
    for (const [registry, list] of byRegistry) {
      let found: Map<string, RegistryCorrection>;
      try {
        found = await this.options.connectors.statuses(registry, list.map((c) => c.id), call);
      } catch (err) {
        if (!quiet || !(err instanceof UpstreamError)) throw err;
        this.options.logger.warn({ registry, requests: list.length, failure: err.failure }, 'correction requests: registry not reachable to look them up; trying later');
        continue;
      }
      const unchanged: string[] = [];
      for (const c of list) {
        const state = found.get(c.id);
        if (state && (await this.record(c, state, via, requestId, false))) changed = true;
        else unchanged.push(c.id);
      }
      await this.store.checked(unchanged, this.now());
    }
    return changed;
  }

  /** Records a registry's answer about a request: its new statuses, each audited first. True when anything was new. */
  private async record(c: CorrectionRecord, state: RegistryCorrection, via: Via, requestId: string, forwarded: boolean): Promise<boolean> {
    const now = this.now();
    const history: CorrectionHistoryEntry[] = state.history.map((h) => ({ status: h.status, at: new Date(h.at), reason: h.status === 'REJECTED' ? (h.reason ?? NO_REASON) : null }));
    if (!history.some((h) => h.status === state.status)) history.push({ status: state.status, at: now, reason: state.status === 'REJECTED' ? NO_REASON : null });
    const known = new Set(c.history.map((h) => h.status));
    const fresh = history.filter((h) => !known.has(h.status));
    if (fresh.length === 0 && !(forwarded && c.forwardedAt === null)) return false;
    const step = (status: CorrectionStatus) => `CORRECTION_${status}:${via}`;
    await this.audit(fresh.map((h) => this.entry(c, requestId, step(h.status), 'disclosed', [c.registry])));
    const reason = state.status === 'REJECTED' ? (history.find((h) => h.status === 'REJECTED')?.reason ?? NO_REASON) : null;
    await this.store.recordRegistryState(c.id, { status: state.status, reason, history }, now, forwarded);
    for (const h of fresh) this.options.metrics?.step(h.status.toLowerCase());
    if (fresh.some((h) => h.status === 'CORRECTED' || h.status === 'REJECTED')) {
      this.options.logger.info({ correction: c.id, registry: c.registry, status: state.status, via }, 'correction request closed');
    }
    return true;
  }

  private entry(c: Pick<CorrectionRecord, 'id' | 'subjectId' | 'reporterId' | 'field'>, requestId: string, reason: string, outcome: AuditEntry['outcome'], registries: RegistryName[]): AuditEntry {
    const guardian = c.reporterId !== c.subjectId;
    return {
      requestId,
      callerKind: 'citizen',
      callerId: c.reporterId,
      agency: null,
      // A citizen's own data, as their own reads are recorded; a parent acts for a child under GUARDIAN.
      purpose: guardian ? 'GUARDIAN' : null,
      caseId: c.id,
      subjectId: c.subjectId,
      fields: [this.fields.get(c.field)?.path ?? c.field],
      registries,
      outcome,
      reason,
      retentionDays: guardian ? this.options.retentionDays.guardian : this.options.retentionDays.own,
    };
  }

  private audit(entries: AuditEntry[]): Promise<void> {
    return this.options.audit.append(entries);
  }
}


import type { CallContext, RegistryClient } from './RegistryClient';
import { MalformedResponseError, UpstreamError } from './UpstreamError';
import type { RegistryName } from './types';
import { array, chunks, mapOrFail, object, optionalString, string, type Wire } from './wire';

/** A citizen's report that a value a registry holds about them is wrong, as sent to that registry. */
export interface CorrectionSubmission {
  /** The gateway's id of the request: the registry keeps one request per id (idempotency). */
  requestId: string;
  personalId: string;
  /** Schema coordinate of the field (`Person.fullName`). */
  field: string;
  /** The document the value is on, for a document's field. */
  documentId: string | null;
  proposedValue: string;
  note: string | null;
  /** One of the citizen's own documents that supports the report. */
  evidenceDocumentId: string | null;
}

/** Where a registry says a correction request stands. */
export type RegistryCorrectionStatus = 'RECEIVED' | 'IN_REVIEW' | 'CORRECTED' | 'REJECTED';
export const REGISTRY_CORRECTION_STATUSES: readonly RegistryCorrectionStatus[] = ['RECEIVED', 'IN_REVIEW', 'CORRECTED', 'REJECTED'];

export interface RegistryCorrection {
  requestId: string;
  status: RegistryCorrectionStatus;
  /** Each status the request has had at the registry, with when, and why for a rejection. */
  history: { status: RegistryCorrectionStatus; at: string; reason: string | null }[];
}

/** Longest rejection reason kept from a registry; a longer one is cut, never passed whole. */
const MAX_REASON = 500;
const MAX_BATCH = 100;

/**
 * The registries' correction desks: each registry receives corrections of the records it
 * owns (`POST /v1/corrections`, one request per gateway request id, so sending again is
 * safe) and says where they stand (`POST /v1/corrections:batchGet`). Calls go through the
 * registry's own client — its deadline, retries and breaker; answers are read for their
 * statuses and dates, and nothing else of them leaves the connector.
 */
export class CorrectionsConnector {
  constructor(private readonly clients: Readonly<Record<RegistryName, RegistryClient>>) {}

  /** Sends a request to the registry that owns the field; resolves with what the registry recorded. */
  async submit(registry: RegistryName, submission: CorrectionSubmission, call?: CallContext): Promise<RegistryCorrection> {
    const res = await this.clients[registry].request<unknown>({
      method: 'POST',
      path: '/v1/corrections',
      route: '/v1/corrections',
      body: submission,
      // The registry keeps one request per requestId: a resend finds the first.
      idempotent: true,
      call,
    });
    if (res.status === 404) throw new UpstreamError(registry, 'unavailable', 'corrections endpoint or citizen not found');
    const found = mapOrFail(registry, () => correction(object(res.body, 'body'), 'body'));
    if (found.requestId !== submission.requestId) throw new UpstreamError(registry, 'unavailable', 'malformed response: another request id');
    return found;
  }

  /** Where these requests stand at the registry; ids it does not know are absent. */
  async statuses(registry: RegistryName, requestIds: readonly string[], call?: CallContext): Promise<Map<string, RegistryCorrection>> {
    const out = new Map<string, RegistryCorrection>();
    for (const part of chunks([...new Set(requestIds)], MAX_BATCH)) {
      const res = await this.clients[registry].request<unknown>({
        method: 'POST',
        path: '/v1/corrections:batchGet',
        route: '/v1/corrections:batchGet',
        body: { requestIds: part },
        idempotent: true,
        call,
      });
      if (res.status === 404) throw new UpstreamError(registry, 'unavailable', 'corrections endpoint not found');
      const list = mapOrFail(registry, () => array(object(res.body, 'body'), 'corrections', 'body').map((c, i) => correction(object(c, `body.corrections[${i}]`), `body.corrections[${i}]`)));
      for (const c of list) if (part.includes(c.requestId)) out.set(c.requestId, c);
    }
    return out;
  }
}

function status(value: string, path: string): RegistryCorrectionStatus {
  if (!REGISTRY_CORRECTION_STATUSES.includes(value as RegistryCorrectionStatus)) throw new MalformedResponseError(`${path} is not one of ${REGISTRY_CORRECTION_STATUSES.join(', ')}`);
  return value as RegistryCorrectionStatus;
}

function correction(w: Wire, path: string): RegistryCorrection {
  const history = array(w, 'history', path).map((h, i) => {
    const at = `${path}.history[${i}]`;
    const entry = object(h, at);
    const when = string(entry, 'at', at);
    if (!Number.isFinite(Date.parse(when))) throw new MalformedResponseError(`${at}.at is not a date-time`);
    return { status: status(string(entry, 'status', at), `${at}.status`), at: new Date(when).toISOString(), reason: reasonText(optionalString(entry, 'reason', at)) };
  });
  return { requestId: string(w, 'requestId', path), status: status(string(w, 'status', path), `${path}.status`), history };
}

/** A rejection reason as a citizen may read it: one line of printable text, bounded. */
function reasonText(value: string | null): string | null {
  if (value === null) return null;
  const line = value
    .normalize('NFC')
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return line.length === 0 ? null : line.slice(0, MAX_REASON);
}

import { errorReply, type Reply, type Route } from './createRegistryServer';

/** What a correction is about: a citizen's field, and the document for a document's field. */
export interface CorrectionTarget {
  personalId: string;
  /** Schema coordinate, as the gateway names fields (`Person.fullName`). */
  field: string;
  documentId: string | null;
}

export type MockCorrectionStatus = 'RECEIVED' | 'IN_REVIEW' | 'CORRECTED' | 'REJECTED';

export interface MockCorrection extends CorrectionTarget {
  requestId: string;
  proposedValue: string;
  note: string | null;
  evidenceDocumentId: string | null;
  status: MockCorrectionStatus;
  history: { status: MockCorrectionStatus; at: string; reason?: string }[];
  /** The value written, once corrected. */
  correctedValue: string | null;
}

export interface CorrectionsDeskOptions {
  /** Whether this registry holds the field; a request naming another field is refused. */
  owns(field: string): boolean;
  /** Whether the citizen (and, for a document's field, the document) is in this registry. */
  knows(target: CorrectionTarget): boolean;
  /**
   * Writes the corrected value into the record. Returns the citizens whose records
   * changed (they are sent in the change event), or why the value cannot be written.
   */
  apply(target: CorrectionTarget, value: string): { changed: string[] } | { error: string };
}

const REQUEST_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const PERSONAL_ID = /^[0-9]{12}$/;
const MAX_BATCH = 200;

/**
 * A registry's correction desk, as a registry would run one: citizens' correction
 * requests come in from the gateway (`POST /v1/corrections`, one request per gateway
 * request id: sending the same again returns it, sending another body under the same id
 * is a conflict) and go RECEIVED → IN_REVIEW → CORRECTED or REJECTED (with a reason),
 * moved along by an officer through the admin routes. A CORRECTED decision writes the
 * value into the record, and the registry's change event tells its subscribers.
 */
export function createCorrectionsDesk(options: CorrectionsDeskOptions): { routes: Route[]; adminRoutes: Route[]; requests: ReadonlyMap<string, MockCorrection> } {
  const requests = new Map<string, MockCorrection>();
  const resource = (c: MockCorrection) => ({ ...c });
  const now = () => new Date().toISOString();

  const submit = (body: unknown): Reply => {
    const b = (body ?? {}) as Record<string, unknown>;
    const optional = (v: unknown, max: number) => v === undefined || v === null || (typeof v === 'string' && v.length > 0 && v.length <= max);
    if (
      typeof b.requestId !== 'string' ||
      !REQUEST_ID.test(b.requestId) ||
      typeof b.personalId !== 'string' ||
      !PERSONAL_ID.test(b.personalId) ||
      typeof b.field !== 'string' ||
      b.field.length > 100 ||
      typeof b.proposedValue !== 'string' ||
      b.proposedValue.length === 0 ||
      b.proposedValue.length > 1000 ||
      !optional(b.documentId, 64) ||
      !optional(b.note, 2000) ||
      !optional(b.evidenceDocumentId, 64)
    ) {
      return errorReply(400, 'INVALID_ARGUMENT', 'body must be {requestId: uuid, personalId, field, proposedValue, documentId?, note?, evidenceDocumentId?}');
    }
    if (!options.owns(b.field)) return errorReply(400, 'INVALID_ARGUMENT', 'this registry does not hold that field');
    const submitted = {
      requestId: b.requestId,
      personalId: b.personalId,
      field: b.field,
      documentId: (b.documentId as string | null | undefined) ?? null,
      proposedValue: b.proposedValue,
      note: (b.note as string | null | undefined) ?? null,
      evidenceDocumentId: (b.evidenceDocumentId as string | null | undefined) ?? null,
    };
    const existing = requests.get(submitted.requestId);
    if (existing) {
      const same = (Object.keys(submitted) as (keyof typeof submitted)[]).every((k) => existing[k] === submitted[k]);
      return same ? { status: 200, body: resource(existing) } : errorReply(409, 'ALREADY_EXISTS', 'another request was received under this requestId');
    }
    if (!options.knows(submitted)) return errorReply(404, 'NOT_FOUND', 'citizen or document not found');
    const created: MockCorrection = { ...submitted, status: 'RECEIVED', history: [{ status: 'RECEIVED', at: now() }], correctedValue: null };
    requests.set(created.requestId, created);
    return { status: 200, body: resource(created) };
  };

  const routes: Route[] = [
    { method: 'POST', name: 'corrections.create', pattern: /^\/v1\/corrections$/, handle: ({ body }) => submit(body) },
    {
      method: 'POST',
      name: 'corrections.batchGet',
      pattern: /^\/v1\/corrections:batchGet$/,
      handle: ({ body }) => {
        const ids = (body as Record<string, unknown> | undefined)?.requestIds;
        if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_BATCH || !ids.every((id) => typeof id === 'string' && REQUEST_ID.test(id))) {
          return errorReply(400, 'INVALID_ARGUMENT', `body must be {"requestIds": [1..${MAX_BATCH} uuids]}`);
        }
        const found = (ids as string[]).flatMap((id) => (requests.has(id) ? [resource(requests.get(id) as MockCorrection)] : []));
        return { status: 200, body: { corrections: found, notFound: (ids as string[]).filter((id) => !requests.has(id)) } };
      },
    },
    {
      method: 'GET',
      name: 'corrections.get',
      pattern: /^\/v1\/corrections\/([^/]+)$/,
      handle: ({ params }) => {
        const c = requests.get(params[0] ?? '');
        return c ? { status: 200, body: resource(c) } : errorReply(404, 'NOT_FOUND', 'no such correction request');
      },
    },
  ];

  const adminRoutes: Route[] = [
    { method: 'GET', name: '__admin.corrections.list', pattern: /^\/__admin\/corrections$/, handle: () => ({ status: 200, body: { corrections: [...requests.values()].map(resource) } }) },
    {
      // An officer takes the request up.
      method: 'POST',
      name: '__admin.corrections.review',
      pattern: /^\/__admin\/corrections\/([^/]+)\/review$/,
      handle: ({ params }) => {
        const c = requests.get(params[0] ?? '');
        if (!c) return errorReply(404, 'NOT_FOUND', 'no such correction request');
        if (c.status !== 'RECEIVED') return errorReply(409, 'FAILED_PRECONDITION', `the request is ${c.status}, not RECEIVED`);
        c.status = 'IN_REVIEW';
        c.history.push({ status: 'IN_REVIEW', at: now() });
        return { status: 200, body: resource(c) };
      },
    },
    {
      // The officer's decision: {"outcome": "CORRECTED", "value"?: ...} writes the value (the
      // proposed one unless given) into the record; {"outcome": "REJECTED", "reason": ...} says why not.
      method: 'POST',
      name: '__admin.corrections.decide',
      pattern: /^\/__admin\/corrections\/([^/]+)\/decide$/,
      handle: ({ params, body, notify }) => {
        const c = requests.get(params[0] ?? '');
        if (!c) return errorReply(404, 'NOT_FOUND', 'no such correction request');
        if (c.status !== 'IN_REVIEW') return errorReply(409, 'FAILED_PRECONDITION', `the request is ${c.status}, not IN_REVIEW`);
        const { outcome, reason, value } = (body ?? {}) as Record<string, unknown>;
        if (outcome === 'REJECTED') {
          if (typeof reason !== 'string' || reason.trim() === '' || reason.length > 500) return errorReply(400, 'INVALID_ARGUMENT', 'a rejection needs {"reason": "<at most 500 characters>"}');
          c.status = 'REJECTED';
          c.history.push({ status: 'REJECTED', at: now(), reason });
          return { status: 200, body: resource(c) };
        }
        if (outcome !== 'CORRECTED') return errorReply(400, 'INVALID_ARGUMENT', 'body must be {"outcome": "CORRECTED"|"REJECTED", "reason"?, "value"?}');
        const written = value === undefined ? c.proposedValue : value;
        if (typeof written !== 'string' || written.trim() === '' || written.length > 300) return errorReply(400, 'INVALID_ARGUMENT', 'value must be a string of at most 300 characters');
        const applied = options.apply(c, written);
        if ('error' in applied) return errorReply(400, 'INVALID_ARGUMENT', applied.error);
        c.status = 'CORRECTED';
        c.correctedValue = written;
        c.history.push({ status: 'CORRECTED', at: now() });
        notify(applied.changed);
        return { status: 200, body: resource(c) };
      },
    },
  ];
  return { routes, adminRoutes, requests };
}

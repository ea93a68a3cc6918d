import { BadUserInputError, bilingual as bi } from '../errors';
import type { CorrectionStatus } from '../corrections/CorrectionStore';
import { registryCallContext } from '../request/requestScope';
import type { CorrectableFieldResolvers, CorrectionRequestResolvers, CorrectionStatusChangeResolvers, MutationResolvers, ProvenanceResolvers, QueryResolvers } from '../generated/graphql';
import { allowedAccess, type GatewayContext } from './context';
import type { ProvenanceModel } from './models';

/** How a citizen reads each status. */
const STATUS_LABEL: Readonly<Record<CorrectionStatus, string>> = {
  SUBMITTED: 'Đã gửi',
  RECEIVED: 'Đã tiếp nhận',
  IN_REVIEW: 'Đang xem xét',
  CORRECTED: 'Đã điều chỉnh',
  REJECTED: 'Từ chối',
};

const MAX_LIST = 50;

function citizen(ctx: GatewayContext): string {
  if (ctx.caller.kind !== 'citizen') throw new Error('correction requests are for citizen tokens (enforced by @roles)');
  return ctx.caller.personalId;
}

/** reportIncorrectData: the access decision judged the subject; checks and storage in CorrectionService. */
export const correctionMutations: Pick<MutationResolvers<GatewayContext>, 'reportIncorrectData'> = {
  reportIncorrectData: (_parent, { input }, ctx) => {
    const reporterId = citizen(ctx);
    return ctx.corrections.report(input, {
      requestId: ctx.requestId,
      reporterId,
      subjectId: input.subjectId ?? reporterId,
      documents: (id) => ctx.loaders.documents.load(id),
      call: registryCallContext(ctx.scope),
    });
  },
};

export const correctionQueries: Pick<QueryResolvers<GatewayContext>, 'correctableFields' | 'myCorrectionRequests'> = {
  correctableFields: (_parent, _args, ctx) => [...ctx.corrections.fields.values()],
  myCorrectionRequests: async (_parent, { subjectId, first }, ctx) => {
    const subject = subjectId ?? citizen(ctx);
    const n = first ?? 20;
    if (!Number.isInteger(n) || n < 1 || n > MAX_LIST) throw new BadUserInputError(bi(`must be between 1 and ${MAX_LIST}`, `số đề nghị mỗi lần xem từ 1 đến ${MAX_LIST}.`), { field: 'first' });
    const requests = await ctx.corrections.list(subject, n, { requestId: ctx.requestId, call: registryCallContext(ctx.scope) });
    // Reading a citizen's requests is a read of their data, on the record like any other.
    ctx.disclosures.push({ subjectId: subject, fields: ['correctionRequests'], registries: [] });
    return requests;
  },
};

export const correctionRequest: CorrectionRequestResolvers<GatewayContext> = {
  statusLabel: (c) => STATUS_LABEL[c.status],
  evidenceDocument: (c) => c.evidenceDocumentId,
  submittedAt: (c) => c.createdAt.toISOString(),
  updatedAt: (c) => c.updatedAt.toISOString(),
};

export const correctionStatusChange: CorrectionStatusChangeResolvers<GatewayContext> = {
  label: (h) => STATUS_LABEL[h.status],
  at: (h) => h.at.toISOString(),
};

export const correctableField: CorrectableFieldResolvers<GatewayContext> = {
  field: (f) => f.coordinate,
  kind: (f) => (f.value.kind === 'date' ? 'DATE' : f.value.kind === 'enum' ? 'ENUM' : f.value.kind === 'name' ? 'NAME' : 'TEXT'),
  values: (f) => (f.value.kind === 'enum' ? [...f.value.values] : null),
  maxLength: (f) => (f.value.kind === 'name' || f.value.kind === 'text' ? f.value.max : null),
  perDocument: (f) => f.perRecord,
};

/**
 * The disputed marker: the fields of this record under an open correction request,
 * looked up for the request through its loader (one store query for every record the
 * request reads), and only those the caller may read of this citizen here — a citizen
 * their own record in full and a relative's basic identity; an agency what its grant
 * allows at the citizen's distance.
 */
export const provenance: ProvenanceResolvers<GatewayContext> = {
  disputedFields: async (p, _args, ctx) => {
    const about = p.about;
    if (!about) return null;
    const open = await ctx.loaders.disputes.load(about.subjectId);
    const may = readableFields(ctx, about.subjectId);
    const disputed = new Set<string>();
    for (const o of open) {
      const field = ctx.corrections.fields.get(o.field);
      if (!field || field.record !== about.record) continue;
      if (about.documentId !== undefined && o.documentId !== about.documentId) continue;
      if (may(field.governedBy, field.rule)) disputed.add(field.coordinate);
    }
    return [...disputed].sort();
  },
};

/** Which governing fields the caller may read of this citizen, as the access decision allowed them. */
function readableFields(ctx: GatewayContext, subjectId: string): (governedBy: string, rule: string) => boolean {
  const access = allowedAccess(ctx);
  const named = access.subjects.some((s) => s.hop === 0 && s.id === subjectId);
  if (ctx.caller.kind === 'citizen') return (_governedBy, rule) => named || rule === 'IDENTITY';
  const grant = access.decision.grant;
  const scope = grant ? (named ? grant.subject : grant.related) : null;
  return (governedBy) => !!scope && scope.fields.has(governedBy);
}

/** A record's provenance made for this request, naming whose record it is. */
export function provenanceOf(p: ProvenanceModel, subjectId: string, record: string, documentId?: string): ProvenanceModel {
  // Built whole rather than spread from the record's provenance, whose shape depends on where it
  // came from (fetched, cached, frozen in the decoded layer): every record of every answer passes here.
  return {
    registry: p.registry,
    asOf: p.asOf,
    fetchedAt: p.fetchedAt,
    fromCache: p.fromCache,
    ageSeconds: p.ageSeconds,
    stale: p.stale,
    about: documentId !== undefined ? { subjectId, record, documentId } : { subjectId, record },
  };
}

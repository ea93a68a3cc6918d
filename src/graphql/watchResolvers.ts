import { BadUserInputError, bilingual as bi, gatewayError } from '../errors';
import type { DeadNoticeResolvers, MutationResolvers, QueryResolvers, WatchResolvers } from '../generated/graphql';
import { WATCH_ID } from '../notices/NoticeStore';
import { purposeOrPlaceholder } from '../policy/loadCatalogue';
import { allowedAccess, type GatewayContext } from './context';

const DAY_MS = 86_400_000;

function agencyOf(caller: GatewayContext['caller']): { agency: string; officialId: string } {
  if (caller.kind !== 'agency') throw new Error('watches are for agency tokens (enforced by @roles)');
  return caller;
}

function firstOf(first: number | null | undefined, fallback: number): number {
  const n = first ?? fallback;
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new BadUserInputError(bi('must be between 1 and 100', 'số dòng từ 1 đến 100.'), { field: 'first' });
  return n;
}

/**
 * watchCitizen and unwatchCitizen: whether the agency may watch the citizen was decided
 * before the operation ran (src/access/decide.ts); here the watch's own inputs are
 * checked, the citizen's existence confirmed, and the watch stored.
 */
export const watchMutations: Pick<MutationResolvers<GatewayContext>, 'watchCitizen' | 'unwatchCitizen'> = {
  watchCitizen: async (_parent, { id, caseId, until }, ctx) => {
    const caller = agencyOf(ctx.caller);
    if (ctx.caseId !== null && ctx.caseId !== caseId) {
      throw new BadUserInputError(bi('X-Case-Id names another case than caseId', 'tiêu đề X-Case-Id ghi số hồ sơ khác với caseId.'), { field: 'caseId' });
    }
    const { decision } = allowedAccess(ctx);
    const purpose = decision.purpose;
    const grant = decision.grant;
    if (!purpose || !grant) throw new Error('an allowed watch is judged under a purpose and a grant');
    const now = ctx.now().getTime();
    const lapse = Date.parse(until);
    if (lapse <= now) throw new BadUserInputError(bi('must be in the future', 'thời hạn theo dõi phải ở tương lai.'), { field: 'until' });
    // Not beyond the purpose's retention: the case cannot outlive the record of why it was opened.
    const maxDays = Math.min(ctx.settings.watchMaxDays, purpose.retentionDays);
    if (lapse > now + maxDays * DAY_MS) {
      throw new BadUserInputError(bi(`must be at most ${maxDays} days ahead`, `thời hạn theo dõi tối đa ${maxDays} ngày kể từ hôm nay.`), { field: 'until' });
    }
    const person = await ctx.loaders.person.load(id);
    if (!person) {
      ctx.disclosures.push({ subjectId: id, fields: ['watch'], registries: ['POPULATION'], caseId, outcome: 'failed', reason: 'NOT_FOUND' });
      throw gatewayError('NOT_FOUND', bi('The population registry has no record for this personal ID', 'Cơ sở dữ liệu quốc gia về dân cư không có hồ sơ của số định danh cá nhân này.'), { registry: 'POPULATION' });
    }
    const watch = await ctx.notices.setWatch({ agency: caller.agency, official: caller.officialId, scope: grant.scope, purpose: purpose.code, caseId, subjectId: id, until: new Date(lapse) });
    // The answer tells the agency the citizen exists: on the record before it leaves.
    ctx.disclosures.push({ subjectId: id, fields: ['watch'], registries: ['POPULATION'], caseId });
    return watch;
  },

  unwatchCitizen: async (_parent, { id }, ctx) => {
    const caller = agencyOf(ctx.caller);
    if (!WATCH_ID.test(id)) throw new BadUserInputError(bi('a watch ID is a UUID, as myWatches lists it', 'mã theo dõi không đúng định dạng (xem danh sách myWatches).'), { field: 'id' });
    const ended = await ctx.notices.cancelWatch(caller.agency, id);
    if (!ended) throw gatewayError('NOT_FOUND', bi('Your agency has no watch with this ID', 'Cơ quan của bạn không có yêu cầu theo dõi nào với mã này.'));
    return ended;
  },
};

/** myWatches (the agency's watches in force) and deadNotices (its dead letters, for supervisors). */
export const watchQueries: Pick<QueryResolvers<GatewayContext>, 'myWatches' | 'deadNotices'> = {
  myWatches: (_parent, { first, caseId }, ctx) => ctx.notices.watches(agencyOf(ctx.caller).agency, firstOf(first, 50), caseId ?? null),
  deadNotices: (_parent, { first }, ctx) => ctx.notices.dead(agencyOf(ctx.caller).agency, firstOf(first, 20)),
};

export const watch: WatchResolvers<GatewayContext> = {
  // A watch outlives a catalogue entry that is later removed: its code is shown then.
  purpose: (w, _args, ctx) => purposeOrPlaceholder(ctx.catalogue, w.purpose),
  createdAt: (w) => w.createdAt.toISOString(),
  until: (w) => w.until.toISOString(),
  cancelledAt: (w) => w.cancelledAt?.toISOString() ?? null,
  status: (w, _args, ctx) => (w.cancelledAt ? 'CANCELLED' : w.until.getTime() <= ctx.now().getTime() ? 'EXPIRED' : 'ACTIVE'),
};

export const deadNotice: DeadNoticeResolvers<GatewayContext> = {
  purpose: (n, _args, ctx) => purposeOrPlaceholder(ctx.catalogue, n.purpose),
  changedAt: (n) => n.changedAt.toISOString(),
  deadAt: (n) => n.deadAt.toISOString(),
};

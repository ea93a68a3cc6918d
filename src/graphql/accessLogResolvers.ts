import { BadUserInputError, bilingual as bi } from '../errors';
import { agencyOrPlaceholder } from '../policy/loadCatalogue';
import type { AccessLogEntryResolvers, QueryResolvers } from '../generated/graphql';
import type { GatewayContext } from './context';

function page(first: number | null | undefined, after: string | null | undefined, decodeCursor: (cursor: string) => number | null): { first: number; before: number | null } {
  const n = first ?? 20;
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new BadUserInputError(bi('must be between 1 and 100', 'số dòng mỗi trang từ 1 đến 100.'), { field: 'first' });
  if (after === null || after === undefined) return { first: n, before: null };
  const before = decodeCursor(after);
  if (before === null) throw new BadUserInputError(bi('not a cursor from a previous page (pageInfo.endCursor)', 'con trỏ trang không đúng (lấy từ pageInfo.endCursor của trang trước).'), { field: 'after' });
  return { first: n, before };
}

/** myAccessLog (citizens) and accessLog (agency supervisors). */
export const accessLogQueries: Pick<QueryResolvers<GatewayContext>, 'myAccessLog' | 'accessLog'> = {
  myAccessLog: (_parent, { first, after }, ctx) => {
    if (ctx.caller.kind !== 'citizen') throw new Error('myAccessLog is for citizen tokens (enforced by @roles)');
    const p = page(first, after, (c) => ctx.accessLog.cursors.decode(c));
    return ctx.accessLog.forSubject(ctx.caller.personalId, p.first, p.before);
  },
  accessLog: (_parent, { first, after, official }, ctx) => {
    if (ctx.caller.kind !== 'agency') throw new Error('accessLog is for agency tokens (enforced by @roles)');
    if (official !== null && official !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/.test(official)) {
      throw new BadUserInputError(bi('an official ID of letters, digits, ".", "_", "@" or "-"', 'mã cán bộ chỉ gồm chữ, số, dấu ".", "_", "@" hoặc "-".'), { field: 'official' });
    }
    const p = page(first, after, (c) => ctx.accessLog.cursors.decode(c));
    return ctx.accessLog.forAgency(ctx.caller.agency, official ?? null, p.first, p.before);
  },
};

export const accessLogEntry: AccessLogEntryResolvers<GatewayContext> = {
  at: (e) => e.at.toISOString(),
  callerKind: (e) => (e.callerKind === 'agency' ? 'AGENCY' : 'CITIZEN'),
  agency: (e, _args, ctx) => (e.agency ? agencyOrPlaceholder(ctx.catalogue, e.agency) : null),
  official: (e) => (e.internal && e.callerKind === 'agency' ? e.callerId : null),
  purpose: (e, _args, ctx) => (e.purpose ? (ctx.catalogue.purposes.get(e.purpose) ?? null) : null),
  subjectId: (e) => (e.internal ? e.subjectId : null),
  registries: (e) => e.registries.filter((r): r is 'POPULATION' | 'RESIDENCE' | 'DOCUMENTS' => ['POPULATION', 'RESIDENCE', 'DOCUMENTS'].includes(r)),
  outcome: (e) => (e.outcome === 'disclosed' ? 'DISCLOSED' : e.outcome === 'denied' ? 'DENIED' : 'FAILED'),
};

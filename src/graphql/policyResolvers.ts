import { whyNotRequest } from '../access/decide';
import { BadUserInputError, bilingual as bi } from '../errors';
import type { QueryResolvers } from '../generated/graphql';
import { agencyOrPlaceholder, purposeOrPlaceholder } from '../policy/loadCatalogue';
import { overCollected, overGrants } from '../access/purposeNeeds';
import type { GatewayContext } from './context';

/** A schema coordinate as asked: `Type.field`, short, of letters only. */
const COORDINATE = /^[A-Z][A-Za-z]{0,39}\.[a-z][A-Za-z]{0,39}$/;
const MAX_HOPS = 3;

/**
 * whyNot (before asking: may this token read the field, and if not what would allow it —
 * answered by the access decision itself) and policyReport (a supervisor's view of the
 * agency's grants against its purposes' needs, and of what its officials read beyond them).
 */
export const policyQueries: Pick<QueryResolvers<GatewayContext>, 'whyNot' | 'policyReport'> = {
  whyNot: async (_parent, { field, purpose, hop }, ctx) => {
    const { facts, decide } = ctx.policy;
    if (!COORDINATE.test(field) || !facts.citizenFields.includes(field)) {
      throw new BadUserInputError(
        bi('not a field that discloses citizen data, as a schema coordinate such as Person.maritalStatus (see myPermissions)', 'không phải là thông tin công dân; ghi theo dạng Kiểu.trường, ví dụ Person.maritalStatus (xem myPermissions).'),
        { field: 'field' },
      );
    }
    const steps = hop ?? 0;
    if (!Number.isInteger(steps) || steps < 0 || steps > MAX_HOPS) {
      throw new BadUserInputError(bi(`must be between 0 and ${MAX_HOPS}`, `số bước từ công dân được tra cứu phải từ 0 đến ${MAX_HOPS}.`), { field: 'hop' });
    }
    if (ctx.caller.kind === 'anonymous') throw new Error('whyNot is for citizen and agency tokens (enforced by @roles)');
    const { request, lookups } = whyNotRequest({ caller: ctx.caller, coordinate: field, purpose: purpose ?? null, hop: steps });
    const d = await decide(request, lookups);
    const base = { field, purpose: purpose ?? null, hop: steps };
    if (d.allowed) {
      return { ...base, allowed: true, code: null, rule: null, message: 'Allowed as asked', messageVi: 'Được phép xem thông tin này.', remedies: [] };
    }
    if (d.code === 'BAD_USER_INPUT') throw new BadUserInputError(d.message, { field: 'purpose' });
    return {
      ...base,
      allowed: false,
      code: d.code,
      rule: d.rule,
      message: d.message.en,
      messageVi: d.message.vi,
      remedies: d.remedies.map((r) => ({ field: r.field, rule: r.rule, kind: r.kind, message: r.message.en, messageVi: r.message.vi, purpose: r.purpose ?? null, scope: r.scope ?? null, grantConsent: r.grantConsent ?? null })),
    };
  },

  policyReport: async (_parent, _args, ctx) => {
    if (ctx.caller.kind !== 'agency') throw new Error('policyReport is for agency tokens (enforced by @roles)');
    const agency = ctx.caller.agency;
    const { needs, auditPath } = ctx.policy;
    const grants = overGrants(ctx.catalogue, needs)
      .filter((r) => r.agency === agency)
      .map((r) => ({
        agency: agencyOrPlaceholder(ctx.catalogue, r.agency),
        purpose: purposeOrPlaceholder(ctx.catalogue, r.purpose),
        forms: [...r.forms],
        verification: r.verification,
        defined: r.defined,
        subject: { fields: new Set(r.subject.fields), documentTypes: new Set(r.subject.documentTypes) },
        related: r.related ? { fields: new Set(r.related.fields), documentTypes: new Set(r.related.documentTypes) } : null,
        relatedMaxHops: r.related?.maxHops ?? 0,
        neededRelatedMaxHops: r.related?.neededMaxHops ?? 0,
      }));
    // From the audit trail: durable, and the same whichever instance served the reads.
    const disclosed = await ctx.accessLog.fieldsDisclosedTo(agency, auditPath);
    const beyond = disclosed.filter((o) => overCollected(needs.get(o.purpose), [o.field]).length > 0);
    const observed = beyond
      .sort((a, b) => a.purpose.localeCompare(b.purpose) || a.field.localeCompare(b.field))
      .slice(0, 500)
      .map((o) => ({ purpose: purposeOrPlaceholder(ctx.catalogue, o.purpose), field: o.field, records: o.records, lastReadAt: o.lastAt.toISOString() }));
    return { catalogueVersion: ctx.catalogue.version, grants, overCollected: observed };
  },
};

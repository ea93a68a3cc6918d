import type { GraphQLResolveInfo } from 'graphql';
import { consentStatus } from '../consent/ConsentStore';
import { contradictionWithRecord, parsePersonalId } from '../domain/personalId';
import { BadUserInputError, notFound } from '../errors';
import type { DocumentType, Resolvers } from '../generated/graphql';
import type { GatewayContext } from './context';
import { accessLogEntry, accessLogQueries } from './accessLogResolvers';
import { consentMutations } from './consentMutations';
import { formDefinition, formQueries } from './formResolvers';
import type { CitizenRef } from './models';
import { DateScalar, DateTimeScalar, PersonalIdScalar } from './scalars';

const citizen = (id: string | null): CitizenRef | null => (id ? { id } : null);

/** The response path without list indices, as the access analysis names fields. */
function responsePath(info: GraphQLResolveInfo): string {
  const keys: string[] = [];
  for (let p: GraphQLResolveInfo['path'] | undefined = info.path; p; p = p.prev) if (typeof p.key === 'string') keys.push(p.key);
  return keys.reverse().join('.');
}

/** The concrete response path of the object a field belongs to (`citizen.household.members.2.citizen`). */
function parentPath(info: GraphQLResolveInfo): string {
  const keys: (string | number)[] = [];
  for (let p: GraphQLResolveInfo['path'] | undefined = info.path.prev; p; p = p.prev) keys.push(p.key);
  return keys.reverse().join('.');
}

/** Notes which citizen is at this place in the response, for the audit. */
function seen(ctx: GatewayContext, info: GraphQLResolveInfo, c: CitizenRef): void {
  ctx.citizensAt.set(parentPath(info), c.id);
}

/** A record served past its freshness because its registry failed: say so in the response. */
function warnIfStale(ctx: GatewayContext, info: GraphQLResolveInfo, provenance: { stale: boolean; registry: string; ageSeconds: number }): void {
  if (!provenance.stale) return;
  const path: (string | number)[] = [];
  for (let p: GraphQLResolveInfo['path'] | undefined = info.path; p; p = p.prev) path.unshift(p.key);
  ctx.warnings.push({
    code: 'STALE_DATA',
    message: `The ${provenance.registry.toLowerCase()} registry is unavailable; this is its record as cached ${provenance.ageSeconds} s ago`,
    path,
    registry: provenance.registry,
    ageSeconds: provenance.ageSeconds,
  });
}

function agencyCode(ctx: GatewayContext): string {
  return ctx.caller.kind === 'agency' ? ctx.caller.agency : '';
}

/**
 * Thin resolvers: arguments → loaders → mapping. Access decisions were taken for the
 * whole operation before execution; registry failures propagate as UpstreamError and
 * are given their public code by the error formatter.
 */
export const resolvers: Resolvers = {
  PersonalId: PersonalIdScalar,
  Date: DateScalar,
  DateTime: DateTimeScalar,

  Query: {
    me: (_parent, _args, ctx) => (ctx.caller.kind === 'citizen' ? { id: ctx.caller.personalId } : null),
    citizen: (_parent, { id }) => ({ id }),
    myPermissions: (_parent, _args, ctx) => ctx.catalogue.grants.filter((g) => g.agency.code === agencyCode(ctx)),
    agencies: (_parent, _args, ctx) => [...ctx.catalogue.agencies.values()],
    purposes: (_parent, _args, ctx) => [...ctx.catalogue.purposes.values()],
    myConsents: (_parent, _args, ctx) => (ctx.caller.kind === 'citizen' ? ctx.consents.list(ctx.caller.personalId) : []),
    ...accessLogQueries,
    ...formQueries,
  },

  FormDefinition: formDefinition,

  FormPrefill: {
    expiresAt: (p) => p.expiresAt.toISOString(),
  },

  VerificationResult: {
    checkedAt: (v) => v.checkedAt.toISOString(),
  },

  AccessLogEntry: accessLogEntry,

  Mutation: consentMutations,

  Citizen: {
    id: (c, _args, ctx, info) => {
      seen(ctx, info, c);
      return c.id;
    },
    person: async (c, _args, ctx, info) => {
      seen(ctx, info, c);
      const record = await ctx.loaders.person.load(c.id);
      if (!record) throw notFound('POPULATION');
      const parts = parsePersonalId(c.id);
      const contradiction = parts.ok ? contradictionWithRecord(parts.parts, record) : null;
      if (contradiction) throw new BadUserInputError(contradiction, { field: 'id' });
      warnIfStale(ctx, info, record.provenance);
      return record;
    },
    residence: async (c, _args, ctx, info) => {
      seen(ctx, info, c);
      const record = await ctx.loaders.residence.load(c.id);
      if (!record) throw notFound('RESIDENCE');
      warnIfStale(ctx, info, record.provenance);
      return record;
    },
    household: async (c, _args, ctx, info) => {
      seen(ctx, info, c);
      const record = await ctx.loaders.residence.load(c.id);
      if (!record) throw notFound('RESIDENCE');
      warnIfStale(ctx, info, record.provenance);
      return record.household;
    },
    documents: async (c, { types }, ctx, info) => {
      seen(ctx, info, c);
      const holder = await ctx.loaders.documents.load(c.id);
      if (!holder) throw notFound('DOCUMENTS');
      warnIfStale(ctx, info, holder.provenance);
      // The purpose's grant may narrow the types; `types` narrows further.
      const allowed = types ?? ctx.access?.documentTypes.get(responsePath(info));
      return allowed ? holder.documents.filter((d) => allowed.includes(d.type)) : holder.documents;
    },
  },

  Person: {
    father: (p) => citizen(p.fatherId),
    mother: (p) => citizen(p.motherId),
    spouse: (p) => citizen(p.spouseId),
    children: (p) => p.childrenIds.map((id) => ({ id })),
  },

  Household: {
    head: (h) => citizen(h.headId),
    members: (h) => h.members,
  },

  HouseholdMember: {
    citizen: (m) => ({ id: m.personalId }),
  },

  Permission: {
    scopeHeld: (g, _args, ctx) => ctx.caller.kind === 'agency' && ctx.caller.scopes.includes(g.scope),
    relatedMaxHops: (g) => g.related?.maxHops ?? 0,
  },

  FieldGrant: {
    fields: (f) => [...f.fields].sort(),
    // The catalogue admits only the schema's document types (loadCatalogue checks them).
    documentTypes: (f) => [...f.documentTypes].sort() as DocumentType[],
  },

  Consent: {
    // A consent outlives a catalogue entry that is later removed: show its code then.
    agency: (c, _args, ctx) => ctx.catalogue.agencies.get(c.agency) ?? { code: c.agency, name: c.agency, kind: 'STATE' },
    purpose: (c, _args, ctx) =>
      ctx.catalogue.purposes.get(c.purpose) ?? { code: c.purpose, title: c.purpose, legalBasis: '', consentRequired: true, retentionDays: 1 },
    grantedAt: (c) => c.grantedAt.toISOString(),
    expiresAt: (c) => c.expiresAt.toISOString(),
    revokedAt: (c) => c.revokedAt?.toISOString() ?? null,
    status: (c, _args, ctx) => consentStatus(c, ctx.now()),
  },
};

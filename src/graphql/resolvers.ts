import type { GraphQLResolveInfo } from 'graphql';
import { consentStatus } from '../consent/ConsentStore';
import { agencyOrPlaceholder, purposeOrPlaceholder } from '../policy/loadCatalogue';
import { todayInVietnam } from '../domain/dates';
import { documentStatusOn, residenceOn, statusDependsOnHolder } from '../domain/lifeStatus';
import { contradictionWithRecord, parsePersonalId } from '../domain/personalId';
import { settle } from '../request/createLoaders';
import { BadUserInputError, notFound } from '../errors';
import type { Resolvers } from '../generated/graphql';
import { allowedAccess, type GatewayContext } from './context';
import { accessLogEntry, accessLogQueries } from './accessLogResolvers';
import { consentMutations } from './consentMutations';
import { correctableField, correctionMutations, correctionQueries, correctionRequest, correctionStatusChange, provenance, provenanceOf } from './correctionResolvers';
import { formDefinition, formQueries } from './formResolvers';
import { policyQueries } from './policyResolvers';
import { deadNotice, watch, watchMutations, watchQueries } from './watchResolvers';
import type { CitizenRef } from './models';
import { CaseIdScalar, DateScalar, DateTimeScalar, PersonalIdScalar, PurposeCodeScalar } from './scalars';

/**
 * The response path as the access analysis names fields: without list indices, but for
 * the index of an element of a root list (a representation of `_entities`, each a
 * citizen named of its own).
 */
function responsePath(info: GraphQLResolveInfo): string {
  const keys: (string | number)[] = [];
  for (let p: GraphQLResolveInfo['path'] | undefined = info.path; p; p = p.prev) if (typeof p.key === 'string' || p.prev?.prev === undefined) keys.push(p.key);
  return keys.reverse().join('.');
}

/** The concrete response path of a field (`citizen.household.members`). */
function concretePath(info: GraphQLResolveInfo): string {
  const keys: (string | number)[] = [];
  for (let p: GraphQLResolveInfo['path'] | undefined = info.path; p; p = p.prev) keys.push(p.key);
  return keys.reverse().join('.');
}

/**
 * A relationship followed to another citizen: notes who is at this place in the
 * response (for the audit, even when only `__typename` is asked), and returns them.
 */
function reached(ctx: GatewayContext, info: GraphQLResolveInfo, id: string | null): CitizenRef | null {
  if (!id) return null;
  ctx.citizensAt.set(concretePath(info), id);
  return { id };
}

/**
 * A `Citizen` representation of Federation's `_entities`, the citizen named at its index
 * (`_entities.1`). `_entities` resolves its representations in order, each with the
 * `_entities` field's own `info`, so the next index not yet noted is this one's. Only a
 * citizen the access decision judged at that place is resolved.
 */
function representedCitizen(ctx: GatewayContext, info: GraphQLResolveInfo, reference: { id: string }): CitizenRef {
  const at = concretePath(info);
  let i = 0;
  while (ctx.citizensAt.has(`${at}.${i}`)) i++;
  const judged = allowedAccess(ctx).subjects.find((s) => s.hop === 0 && s.path === `${at}.${i}`);
  if (!judged || judged.id !== reference.id) throw new Error('an _entities representation was not judged by the access decision at its place');
  ctx.citizensAt.set(`${at}.${i}`, judged.id);
  return { id: judged.id };
}

/** The same for a list: each element's path gets its index. */
function reachedAll<T>(ctx: GatewayContext, info: GraphQLResolveInfo, items: readonly T[], id: (item: T) => string): T[] {
  const at = concretePath(info);
  items.forEach((item, i) => ctx.citizensAt.set(`${at}.${i}`, id(item)));
  return [...items];
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

/** Federation's reference resolver of the one entity, which the generated types do not describe. */
type EntityResolvers = {
  Citizen: { __resolveReference(reference: { id: string }, ctx: GatewayContext, info: GraphQLResolveInfo): CitizenRef };
};

/**
 * Thin resolvers: arguments → loaders → mapping. Access decisions were taken for the
 * whole operation before execution; registry failures propagate as UpstreamError and
 * are given their public code by the error formatter.
 */
export const resolvers: Resolvers & EntityResolvers = {
  PersonalId: PersonalIdScalar,
  Date: DateScalar,
  DateTime: DateTimeScalar,
  CaseId: CaseIdScalar,
  PurposeCode: PurposeCodeScalar,

  Query: {
    me: (_parent, _args, ctx, info) => reached(ctx, info, ctx.caller.kind === 'citizen' ? ctx.caller.personalId : null),
    citizen: (_parent, { id }, ctx, info) => reached(ctx, info, id),
    myPermissions: (_parent, _args, ctx) => ctx.catalogue.grants.filter((g) => g.agency.code === agencyCode(ctx)),
    agencies: (_parent, _args, ctx) => [...ctx.catalogue.agencies.values()],
    purposes: (_parent, _args, ctx) => [...ctx.catalogue.purposes.values()],
    myConsents: (_parent, _args, ctx) => (ctx.caller.kind === 'citizen' ? ctx.consents.list(ctx.caller.personalId) : []),
    ...accessLogQueries,
    ...formQueries,
    ...correctionQueries,
    ...watchQueries,
    ...policyQueries,
  },

  FormDefinition: formDefinition,

  FormPrefill: {
    expiresAt: (p) => p.expiresAt.toISOString(),
  },

  VerificationResult: {
    checkedAt: (v) => v.checkedAt.toISOString(),
  },

  AccessLogEntry: accessLogEntry,

  Mutation: { ...consentMutations, ...correctionMutations, ...watchMutations },

  CorrectionRequest: correctionRequest,

  CorrectionStatusChange: correctionStatusChange,

  CorrectableField: correctableField,

  Provenance: provenance,

  Watch: watch,

  DeadNotice: deadNotice,

  Citizen: {
    // Federation's `_entities`: each representation was validated and judged like `citizen(id:)`.
    __resolveReference: (reference, ctx, info) => representedCitizen(ctx, info, reference),
    id: (c) => c.id,
    person: async (c, _args, ctx, info) => {
      const record = await ctx.loaders.person.load(c.id);
      if (!record) throw notFound('POPULATION');
      const parts = parsePersonalId(c.id);
      const contradiction = parts.ok ? contradictionWithRecord(parts.parts, record) : null;
      if (contradiction) throw new BadUserInputError(contradiction, { field: 'id' });
      warnIfStale(ctx, info, record.provenance);
      return record;
    },
    residence: async (c, _args, ctx, info) => {
      const record = await ctx.loaders.residence.load(c.id);
      if (!record) throw notFound('RESIDENCE');
      warnIfStale(ctx, info, record.provenance);
      return residenceOn(record, todayInVietnam(ctx.now()));
    },
    household: async (c, _args, ctx, info) => {
      const record = await ctx.loaders.residence.load(c.id);
      if (!record) throw notFound('RESIDENCE');
      warnIfStale(ctx, info, record.provenance);
      // The household as this citizen's record: its disputed fields are this citizen's requests.
      return record.household && { ...record.household, provenance: provenanceOf(record.household.provenance, c.id, 'Household') };
    },
    documents: async (c, { types }, ctx, info) => {
      const holder = await ctx.loaders.documents.load(c.id);
      if (!holder) throw notFound('DOCUMENTS');
      warnIfStale(ctx, info, holder.provenance);
      // The purpose's grant may narrow the types; `types` narrows further.
      const allowed = types ?? allowedAccess(ctx).decision.documentTypes.get(responsePath(info));
      const documents = allowed ? holder.documents.filter((d) => allowed.includes(d.type)) : holder.documents;
      return documents.map((d) => ({ ...d, holderId: c.id }));
    },
  },

  IssuedDocument: {
    status: async (d, _args, ctx) => {
      const today = todayInVietnam(ctx.now());
      if (!statusDependsOnHolder(d)) return documentStatusOn(d, today, null);
      // A document that identifies its holder ends with them: the population registry says whether they live.
      const person = await settle(ctx.loaders.person.load(d.holderId));
      return documentStatusOn(d, today, person instanceof Error ? null : person?.dateOfDeath);
    },
    provenance: (d) => provenanceOf(d.provenance, d.holderId, 'IssuedDocument', d.id),
  },

  Person: {
    provenance: (p) => provenanceOf(p.provenance, p.id, 'Person'),
    father: (p, _args, ctx, info) => reached(ctx, info, p.fatherId),
    mother: (p, _args, ctx, info) => reached(ctx, info, p.motherId),
    spouse: (p, _args, ctx, info) => reached(ctx, info, p.spouseId),
    children: (p, _args, ctx, info) => reachedAll(ctx, info, p.childrenIds, (id) => id).map((id) => ({ id })),
  },

  Residence: {
    provenance: (r) => provenanceOf(r.provenance, r.personalId, 'Residence'),
  },

  Household: {
    head: (h, _args, ctx, info) => reached(ctx, info, h.headId),
    members: (h, _args, ctx, info) => reachedAll(ctx, info, h.members, (m) => m.personalId),
  },

  HouseholdMember: {
    citizen: (m, _args, ctx, info) => reached(ctx, info, m.personalId) as CitizenRef,
  },

  Permission: {
    scopeHeld: (g, _args, ctx) => ctx.caller.kind === 'agency' && ctx.caller.scopes.includes(g.scope),
    relatedMaxHops: (g) => g.related?.maxHops ?? 0,
  },

  FieldGrant: {
    fields: (f) => [...f.fields].sort(),
    // The catalogue admits only the schema's document types (loadCatalogue checks them).
    documentTypes: (f) => [...f.documentTypes].sort(),
  },

  Consent: {
    // A consent outlives a catalogue entry that is later removed: show its code then.
    agency: (c, _args, ctx) => agencyOrPlaceholder(ctx.catalogue, c.agency),
    purpose: (c, _args, ctx) => purposeOrPlaceholder(ctx.catalogue, c.purpose),
    grantedAt: (c) => c.grantedAt.toISOString(),
    expiresAt: (c) => c.expiresAt.toISOString(),
    revokedAt: (c) => c.revokedAt?.toISOString() ?? null,
    status: (c, _args, ctx) => consentStatus(c, ctx.now()),
  },
};

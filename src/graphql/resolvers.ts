import { contradictionWithRecord, parsePersonalId } from '../domain/personalId';
import { BadUserInputError, notFound } from '../errors';
import type { Resolvers } from '../generated/graphql';
import type { CitizenRef } from './models';
import { DateScalar, DateTimeScalar, PersonalIdScalar } from './scalars';

const citizen = (id: string | null): CitizenRef | null => (id ? { id } : null);

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
  },

  Citizen: {
    id: (c) => c.id,
    person: async (c, _args, ctx) => {
      const record = await ctx.loaders.person.load(c.id);
      if (!record) throw notFound('POPULATION');
      const parts = parsePersonalId(c.id);
      const contradiction = parts.ok ? contradictionWithRecord(parts.parts, record) : null;
      if (contradiction) throw new BadUserInputError(contradiction, { field: 'id' });
      return record;
    },
    residence: async (c, _args, ctx) => {
      const record = await ctx.loaders.residence.load(c.id);
      if (!record) throw notFound('RESIDENCE');
      return record;
    },
    household: async (c, _args, ctx) => {
      const record = await ctx.loaders.residence.load(c.id);
      if (!record) throw notFound('RESIDENCE');
      return record.household;
    },
    documents: async (c, { types }, ctx) => {
      const holder = await ctx.loaders.documents.load(c.id);
      if (!holder) throw notFound('DOCUMENTS');
      return types ? holder.documents.filter((d) => types.includes(d.type)) : holder.documents;
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
};

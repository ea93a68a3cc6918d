import { GraphQLError } from 'graphql';
import { CONSENT_ID } from '../consent/ConsentStore';
import { BadUserInputError } from '../errors';
import type { MutationResolvers } from '../generated/graphql';

/** Longest a consent may run; a citizen renews rather than consents forever. */
const MAX_CONSENT_DAYS = 730;

function citizenId(caller: { kind: string; personalId?: string }): string {
  if (caller.kind !== 'citizen' || !caller.personalId) throw new Error('consent mutations are for citizen tokens (enforced by @roles)');
  return caller.personalId;
}

/** grantConsent and revokeConsent: validation here, storage in ConsentStore. */
export const consentMutations: MutationResolvers = {
  grantConsent: async (_parent, { input }, ctx) => {
    const subjectId = citizenId(ctx.caller);
    const agency = ctx.catalogue.agencies.get(input.agency);
    if (!agency) throw new BadUserInputError('not an agency in the policy catalogue (see the agencies query)', { field: 'input.agency' });
    const purpose = ctx.catalogue.purposes.get(input.purpose);
    if (!purpose) throw new BadUserInputError('not a purpose in the policy catalogue (see the purposes query)', { field: 'input.purpose' });
    if (!purpose.consentRequired) throw new BadUserInputError('this purpose does not rest on consent; nothing to consent to', { field: 'input.purpose' });
    const grant = ctx.catalogue.grant(agency.code, purpose.code);
    if (!grant) throw new BadUserInputError(`${agency.name} is not granted this purpose`, { field: 'input.purpose' });

    let fields: string[] | null = null;
    if (input.fields !== undefined && input.fields !== null) {
      fields = [...new Set(input.fields)];
      if (fields.length === 0) throw new BadUserInputError('list at least one field, or omit fields for all of them', { field: 'input.fields' });
      const outside = fields.filter((f) => !grant.subject.fields.has(f));
      if (outside.length > 0) {
        throw new BadUserInputError(`not among the fields this purpose allows: ${outside.slice(0, 5).join(', ')}`, { field: 'input.fields' });
      }
    }
    const now = ctx.now();
    const expiresAt = new Date(input.expiresAt);
    if (expiresAt.getTime() <= now.getTime()) throw new BadUserInputError('must be in the future', { field: 'input.expiresAt' });
    if (expiresAt.getTime() > now.getTime() + MAX_CONSENT_DAYS * 86_400_000) {
      throw new BadUserInputError(`must be at most ${MAX_CONSENT_DAYS} days ahead`, { field: 'input.expiresAt' });
    }
    return ctx.consents.grant({ subjectId, agency: agency.code, purpose: purpose.code, fields, expiresAt });
  },

  revokeConsent: async (_parent, { id }, ctx) => {
    const subjectId = citizenId(ctx.caller);
    if (!CONSENT_ID.test(id)) throw new BadUserInputError('a consent ID is a UUID, as myConsents lists it', { field: 'id' });
    const revoked = await ctx.consents.revoke(subjectId, id);
    if (!revoked) throw new GraphQLError('You have no consent with this ID', { extensions: { code: 'NOT_FOUND' } });
    return revoked;
  },
};

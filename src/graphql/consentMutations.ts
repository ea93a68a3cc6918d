import { CONSENT_ID } from '../consent/ConsentStore';
import { BadUserInputError, bilingual as bi, gatewayError } from '../errors';
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
    if (!agency) throw new BadUserInputError(bi('not an agency in the policy catalogue (see the agencies query)', 'cơ quan này không có trong danh mục.'), { field: 'input.agency' });
    const purpose = ctx.catalogue.purposes.get(input.purpose);
    if (!purpose) throw new BadUserInputError(bi('not a purpose in the policy catalogue (see the purposes query)', 'mục đích này không có trong danh mục.'), { field: 'input.purpose' });
    if (!purpose.consentRequired) {
      throw new BadUserInputError(bi('this purpose does not rest on consent; nothing to consent to', 'mục đích này không cần sự đồng ý của công dân.'), { field: 'input.purpose' });
    }
    const grant = ctx.catalogue.grant(agency.code, purpose.code);
    if (!grant) throw new BadUserInputError(bi(`${agency.name} is not granted this purpose`, `${agency.name} không được cấp quyền cho mục đích này.`), { field: 'input.purpose' });

    let fields: string[] | null = null;
    if (input.fields !== undefined && input.fields !== null) {
      fields = [...new Set(input.fields)];
      if (fields.length === 0) throw new BadUserInputError(bi('list at least one field, or omit fields for all of them', 'hãy chọn ít nhất một thông tin, hoặc bỏ trống để đồng ý cho tất cả.'), { field: 'input.fields' });
      const outside = fields.filter((f) => !grant.subject.fields.has(f));
      if (outside.length > 0) {
        throw new BadUserInputError(bi(`not among the fields this purpose allows: ${outside.slice(0, 5).join(', ')}`, `các thông tin sau không thuộc phạm vi của mục đích này: ${outside.slice(0, 5).join(', ')}.`), { field: 'input.fields' });
      }
    }
    const now = ctx.now();
    const expiresAt = new Date(input.expiresAt);
    if (expiresAt.getTime() <= now.getTime()) throw new BadUserInputError(bi('must be in the future', 'thời hạn đồng ý phải ở tương lai.'), { field: 'input.expiresAt' });
    if (expiresAt.getTime() > now.getTime() + MAX_CONSENT_DAYS * 86_400_000) {
      throw new BadUserInputError(bi(`must be at most ${MAX_CONSENT_DAYS} days ahead`, `thời hạn đồng ý tối đa ${MAX_CONSENT_DAYS} ngày kể từ hôm nay.`), { field: 'input.expiresAt' });
    }
    return ctx.consents.grant({ subjectId, agency: agency.code, purpose: purpose.code, fields, expiresAt });
  },

  revokeConsent: async (_parent, { id }, ctx) => {
    const subjectId = citizenId(ctx.caller);
    if (!CONSENT_ID.test(id)) throw new BadUserInputError(bi('a consent ID is a UUID, as myConsents lists it', 'mã sự đồng ý không đúng định dạng (xem danh sách myConsents).'), { field: 'id' });
    const revoked = await ctx.consents.revoke(subjectId, id);
    if (!revoked) throw gatewayError('NOT_FOUND', bi('You have no consent with this ID', 'Bạn không có sự đồng ý nào với mã này.'));
    return revoked;
  },
};

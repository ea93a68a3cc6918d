import type { DocumentType } from '../../connectors/types';
import { VERIFIED_FIELDS } from '../access/accessRequest';
import { todayInVietnam } from '../domain/dates';
import { BadUserInputError, bilingual as bi } from '../errors';
import { signAttestation, verifyAttestation } from '../forms/attestation';
import type { FormField } from '../forms/loadForms';
import { IneligibleSubjectError, prefillForm, type PrefillResult } from '../forms/prefill';
import type { FormDefinitionResolvers, QueryResolvers } from '../generated/graphql';
import { purposeOrPlaceholder } from '../policy/loadCatalogue';
import { verifyCitizen } from '../verification/verifyCitizen';
import { allowedAccess, type GatewayContext } from './context';
import type { FormFieldModel } from './models';

function toFieldModel(f: FormField): FormFieldModel {
  return {
    key: f.key,
    label: f.label,
    editable: f.editable,
    party: f.party,
    prefillable: !!f.source || !!f.columns,
    columns: f.columns?.map((c) => ({ key: c.key, label: c.label, editable: c.editable, party: f.party, prefillable: !!c.source, columns: null, choices: null })) ?? null,
    choices: f.choices,
  };
}

export const formDefinition: FormDefinitionResolvers<GatewayContext> = {
  purpose: (f, _args, ctx) => purposeOrPlaceholder(ctx.catalogue, f.purpose),
  minimumAge: (f) => f.subjectAge.min,
  ageBelow: (f) => f.subjectAge.below,
  fields: (f) => f.fields.map(toFieldModel),
};

/**
 * Forms and verification. Who may prefill what, and compare which values, was decided
 * for the whole operation before it ran (src/access/decide.ts); here the form is
 * filled with what that decision allows and the rest left for the citizen to type.
 */
export const formQueries: Pick<QueryResolvers<GatewayContext>, 'forms' | 'prefill' | 'verifyPrefill' | 'verifyCitizen'> = {
  forms: (_parent, _args, ctx) => [...ctx.forms.values()],

  prefill: async (_parent, { formId, subjectId }, ctx, info) => {
    const form = ctx.forms.get(formId);
    if (!form) throw new BadUserInputError(bi(`not a form; forms are ${[...ctx.forms.keys()].join(', ')}`, `không có tờ khai này; các tờ khai là ${[...ctx.forms.keys()].join(', ')}.`), { field: 'formId' });
    const caller = ctx.caller;
    const subject = subjectId ?? (caller.kind === 'citizen' ? caller.personalId : null);
    if (!subject) throw new BadUserInputError(bi('an agency names the citizen whose form it prefills', 'cơ quan phải ghi số định danh của công dân cần điền tờ khai (subjectId).'), { field: 'subjectId' });
    const { decision } = allowedAccess(ctx);
    const path = String(info.path.key);
    const may = (hop: number, coordinate: string, type?: DocumentType) => !decision.withholds(path, hop, coordinate, type);
    let result: PrefillResult;
    try {
      result = await prefillForm(form, subject, { may, loaders: ctx.loaders, today: todayInVietnam(ctx.now()), actorId: caller.kind === 'citizen' ? caller.personalId : null });
    } catch (err) {
      // The form is not for this subject: nothing is disclosed, signed or prefilled.
      if (err instanceof IneligibleSubjectError) throw new BadUserInputError(err.reason, { field: 'formId' });
      throw err;
    }
    for (const [id, d] of result.disclosed) ctx.disclosures.push({ subjectId: id, fields: [...d.fields].sort(), registries: [...d.registries].sort() });
    const { jws, expiresAt } = signAttestation(ctx.keys, form, result, ctx.settings.attestationTtlSeconds);
    return { formId: form.id, subjectId: subject, fields: result.fields, missing: result.missing, attestation: jws, expiresAt };
  },

  verifyPrefill: async (_parent, { attestation, submitted, formId, subjectId }, ctx) => {
    if (attestation.length > 100_000) throw new BadUserInputError(bi('an attestation is at most 100000 characters', 'chữ ký xác nhận dài tối đa 100000 ký tự.'), { field: 'attestation' });
    if (submitted.length > 500) throw new BadUserInputError(bi('at most 500 fields', 'tối đa 500 trường.'), { field: 'submitted' });
    return verifyAttestation(ctx.keys, ctx.forms, attestation, submitted, { formId, subjectId });
  },

  verifyCitizen: async (_parent, { input }, ctx) => {
    const compared = (Object.keys(VERIFIED_FIELDS) as (keyof typeof VERIFIED_FIELDS)[]).filter((k) => input[k] != null);
    if (compared.length === 0) throw new BadUserInputError(bi('give at least one value to compare', 'cần ít nhất một thông tin để đối chiếu.'), { field: 'input' });
    if ((input.fullName ?? '').length > 200) throw new BadUserInputError(bi('at most 200 characters', 'họ tên dài tối đa 200 ký tự.'), { field: 'input.fullName' });
    if ((input.permanentAddress ?? '').length > 500) throw new BadUserInputError(bi('at most 500 characters', 'địa chỉ dài tối đa 500 ký tự.'), { field: 'input.permanentAddress' });
    if (input.documentNumber != null && !/^[A-Za-z0-9/ -]{1,32}$/.test(input.documentNumber)) {
      throw new BadUserInputError(bi('letters, digits, "/" or "-", at most 32', 'số giấy tờ chỉ gồm chữ, số, dấu "/" hoặc "-", tối đa 32 ký tự.'), { field: 'input.documentNumber' });
    }
    const outcome = await verifyCitizen(input, ctx.loaders, todayInVietnam(ctx.now()));
    ctx.disclosures.push({ subjectId: input.personalId, fields: compared.map((f) => `verify.${f}`), registries: outcome.registries });
    return { verdict: outcome.verdict, fields: outcome.fields, checkedAt: ctx.now() };
  },
};

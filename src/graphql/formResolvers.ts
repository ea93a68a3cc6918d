import { GraphQLError } from 'graphql';
import type { DocumentType } from '../../connectors/types';
import { BadUserInputError, forbidden } from '../errors';
import { signAttestation, verifyAttestation } from '../forms/attestation';
import type { FormField } from '../forms/loadForms';
import { prefillForm, type FieldPermission } from '../forms/prefill';
import type { FormDefinitionResolvers, QueryResolvers } from '../generated/graphql';
import { verifyCitizen } from '../verification/verifyCitizen';
import type { AuditExtra, GatewayContext } from './context';
import type { FormFieldModel } from './models';

const RECORDED_REFUSALS = new Set(['FORBIDDEN', 'CONSENT_REQUIRED', 'PURPOSE_REQUIRED', 'RATE_LIMITED']);

/** Runs an access check; a refusal is put on the audit trail for the subject before it is thrown. */
async function checked<T>(ctx: GatewayContext, denial: Omit<AuditExtra, 'outcome' | 'reason' | 'registries'>, check: () => T | Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (err) {
    const code = err instanceof GraphQLError ? String(err.extensions.code) : '';
    if (RECORDED_REFUSALS.has(code)) {
      const rule = err instanceof GraphQLError && err.extensions.rule ? `:${String(err.extensions.rule)}` : '';
      ctx.auditExtras.push({ ...denial, registries: [], outcome: 'denied', reason: `${code}${rule}` });
    }
    throw err;
  }
}

function toFieldModel(f: FormField): FormFieldModel {
  return {
    key: f.key,
    label: f.label,
    editable: f.editable,
    party: f.party,
    prefillable: !!f.source || !!f.columns,
    columns: f.columns?.map((c) => ({ key: c.key, label: c.label, editable: false, party: f.party, prefillable: true, columns: null })) ?? null,
  };
}

function formPaths(fields: FormField[]): string[] {
  return [...new Set(fields.flatMap((f) => (f.columns ? f.columns.map((c) => c.path) : f.path ? [f.path] : [])))].sort();
}

export const formDefinition: FormDefinitionResolvers<GatewayContext> = {
  purpose: (f, _args, ctx) => ctx.catalogue.purposes.get(f.purpose) ?? { code: f.purpose, title: f.purpose, legalBasis: '', consentRequired: false, retentionDays: 1 },
  fields: (f) => f.fields.map(toFieldModel),
};

export const formQueries: Pick<QueryResolvers<GatewayContext>, 'forms' | 'prefill' | 'verifyPrefill' | 'verifyCitizen'> = {
  forms: (_parent, _args, ctx) => [...ctx.forms.values()],

  prefill: async (_parent, { formId, subjectId }, ctx) => {
    const form = ctx.forms.get(formId);
    if (!form) throw new BadUserInputError(`not a form; forms are ${[...ctx.forms.keys()].join(', ')}`, { field: 'formId' });
    const caller = ctx.caller;
    let subject: string;
    let may: FieldPermission;
    if (caller.kind === 'citizen') {
      subject = subjectId ?? caller.personalId;
      const own = subject;
      await checked(ctx, { subjectId: own, fields: formPaths(form.fields) }, () => {
        if (own !== caller.personalId) throw forbidden('A citizen token may prefill forms only for the citizen themselves', { rule: 'OWN_RECORD_ONLY' });
      });
      may = (hop, coordinate) => ctx.policy.citizenMay(hop, coordinate);
    } else if (caller.kind === 'agency') {
      if (!subjectId) throw new BadUserInputError('an agency names the citizen whose form it prefills', { field: 'subjectId' });
      subject = subjectId;
      const { grant } = await checked(ctx, { subjectId, fields: formPaths(form.fields) }, () => {
        const g = ctx.policy.agencyGrant(caller, ctx.purpose);
        if (g.purpose.code !== form.purpose) {
          throw forbidden(`Form ${form.id} is prefilled under the purpose ${form.purpose}, not ${g.purpose.code}`, { rule: 'FORM_PURPOSE' });
        }
        return g;
      });
      may = (hop, coordinate, type?: DocumentType) => ctx.policy.agencyMay(grant, hop, coordinate, type);
      const own = form.fields.filter((f) => f.party === 'APPLICANT' && f.coordinate && may(0, f.coordinate, f.source?.kind === 'document' ? f.source.type : undefined));
      await checked(ctx, { subjectId, fields: formPaths(form.fields) }, () =>
        ctx.policy.requireConsent(grant, subjectId, [...new Set(own.map((f) => f.coordinate as string))]),
      );
    } else {
      throw new Error('prefill needs a caller (enforced by @roles)');
    }

    const result = await prefillForm(form, subject, may, ctx.loaders);
    for (const [id, d] of result.disclosed) {
      ctx.auditExtras.push({ subjectId: id, fields: [...d.fields].sort(), registries: [...d.registries].sort(), outcome: 'disclosed', reason: null });
    }
    const { jws, expiresAt } = await signAttestation(ctx.keys, result, ctx.settings.attestationTtlSeconds);
    return { formId: form.id, subjectId: subject, fields: result.fields, missing: result.missing, attestation: jws, expiresAt };
  },

  verifyPrefill: async (_parent, { attestation, submitted, formId, subjectId }, ctx) => {
    if (attestation.length > 100_000) throw new BadUserInputError('an attestation is at most 100000 characters', { field: 'attestation' });
    if (submitted.length > 500) throw new BadUserInputError('at most 500 fields', { field: 'submitted' });
    return verifyAttestation(ctx.keys, ctx.forms, attestation, submitted, { formId, subjectId });
  },

  verifyCitizen: async (_parent, { input }, ctx) => {
    const caller = ctx.caller;
    if (caller.kind !== 'agency') throw new Error('verifyCitizen is for agency tokens (enforced by @roles)');
    const compared = (['fullName', 'dateOfBirth', 'gender', 'permanentAddress', 'documentNumber'] as const).filter((k) => input[k] != null);
    if (compared.length === 0) throw new BadUserInputError('give at least one value to compare', { field: 'input' });
    if ((input.fullName ?? '').length > 200) throw new BadUserInputError('at most 200 characters', { field: 'input.fullName' });
    if ((input.permanentAddress ?? '').length > 500) throw new BadUserInputError('at most 500 characters', { field: 'input.permanentAddress' });
    if (input.documentNumber != null && !/^[A-Za-z0-9/ -]{1,32}$/.test(input.documentNumber)) {
      throw new BadUserInputError('letters, digits, "/" or "-", at most 32', { field: 'input.documentNumber' });
    }
    const denial = { subjectId: input.personalId, fields: compared.map((f) => `verify.${f}`) };
    await checked(ctx, denial, async () => {
      const g = ctx.policy.agencyGrant(caller, ctx.purpose);
      if (!g.grant.verification) throw forbidden(`"${g.purpose.title}" does not allow verification`, { rule: 'VERIFICATION' });
      // Counted before anything else is looked at: guessing costs the same whether it hits or not.
      const limit = ctx.settings.verifyRateLimit;
      const decision = await ctx.rateLimiter.consume(`verify:${caller.agency}:${caller.officialId}`, limit.max, limit.windowMs);
      if (!decision.allowed) {
        throw new GraphQLError(`Too many verifications; try again in ${decision.retryAfterSeconds} s`, {
          extensions: { code: 'RATE_LIMITED', retryAfter: decision.retryAfterSeconds },
        });
      }
      const coordinates = compared.map((f) => (f === 'permanentAddress' ? 'Residence.permanentAddress' : f === 'documentNumber' ? 'Citizen.documents' : `Person.${f}`));
      await ctx.policy.requireConsent(g.grant, input.personalId, coordinates);
    });
    const outcome = await verifyCitizen(input, ctx.loaders);
    ctx.auditExtras.push({ ...denial, registries: outcome.registries, outcome: 'disclosed', reason: null });
    return { verdict: outcome.verdict, fields: outcome.fields, checkedAt: ctx.now() };
  },
};

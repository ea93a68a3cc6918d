import { getVariableValues, GraphQLError, Kind, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { UpstreamError } from '../../connectors/UpstreamError';
import type { OperationLimits } from '../config';
import type { ConsentStore } from '../consent/ConsentStore';
import { ageOn, todayInVietnam } from '../domain/dates';
import { deceasedOn } from '../domain/lifeStatus';
import { BadUserInputError, bilingual, gatewayError, rateLimited, tooComplex, tooManySelections, unauthenticated } from '../errors';
import type { FormDefinition } from '../forms/loadForms';
import type { LookupLimiter } from '../limits/createLookupLimiter';
import type { RequestContext } from '../request/RequestContext';
import type { SchemaFacts } from '../schemaFacts/readSchemaFacts';
import { describeAccess, type AuditedSubject } from './accessRequest';
import { analyzeOperation, OperationTooLargeError, type OperationAnalysis } from './analyzeOperation';
import type { Allowed, Decide, DecisionLookups, Denied, LookupFailure, Remedy } from './decide';

/** An operation that may run, and what its resolvers and audit need to know. */
export interface AuthorizedOperation {
  ok: true;
  variables: Record<string, unknown>;
  analysis: OperationAnalysis;
  decision: Allowed;
  subjects: AuditedSubject[];
}

/** An operation refused before anything ran: the error to answer, and what to record. */
export interface RefusedOperation {
  ok: false;
  error: GraphQLError;
  /** Citizens named by the operation, when known: each gets a record of the refusal. */
  subjects: AuditedSubject[];
  /** `CODE` or `CODE:RULE`, as the audit records it. */
  reason: string;
  /** A refusal by policy or limit is `denied`; a dependency that could not be asked, `failed`. */
  outcome: 'denied' | 'failed';
  /** The purpose the operation declared (`X-Purpose`, or a watch's argument), once known. */
  purpose?: string | null;
}

export type OperationAccess = AuthorizedOperation | RefusedOperation;

export interface OperationAuthorizerOptions {
  schema: GraphQLSchema;
  facts: SchemaFacts;
  decide: Decide;
  forms: ReadonlyMap<string, FormDefinition>;
  consents: Pick<ConsentStore, 'active'>;
  limits: OperationLimits;
  lookups: LookupLimiter;
  /** Lets requests without a token run introspection only (the playground's schema load, development). */
  allowAnonymousIntrospection: boolean;
  /** Bound on expanded selections, against fragment bombs. */
  maxSelections?: number;
  /** Told each time an operation is analysed (a metric): refusals that come first are cheap. */
  onAnalysis?: () => void;
}

export interface OperationInput {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  /** Variables as the client sent them. */
  variables: Record<string, unknown> | undefined;
  ctx: RequestContext;
}

const GUARDIAN_MAX_AGE = 14;

/**
 * Everything decided about an operation before it runs, in order: who calls (an
 * anonymous caller is refused before the operation is analysed), the variables, what
 * the operation would read (analysis), its limits, the single access decision, and the
 * lookup limits. Used by every way an operation reaches the gateway; the answer is a
 * value, so that each entry point and the audit read the same outcome.
 */
export function createOperationAuthorizer(options: OperationAuthorizerOptions) {
  const refused = (error: GraphQLError, reason: string, subjects: AuditedSubject[] = [], outcome: RefusedOperation['outcome'] = 'denied', purpose?: string | null): RefusedOperation => ({
    ok: false,
    error,
    subjects,
    reason,
    outcome,
    ...(purpose ? { purpose } : {}),
  });

  return async function authorizeOperation(input: OperationInput): Promise<OperationAccess> {
    const { ctx } = input;
    const caller = ctx.caller;
    if (caller.kind === 'anonymous' && !options.allowAnonymousIntrospection) {
      return refused(unauthenticated(bilingual('a bearer token is required (Authorization: Bearer <token>)', 'cần đăng nhập: gửi kèm mã truy cập (tiêu đề Authorization: Bearer <mã truy cập>).')), 'UNAUTHENTICATED');
    }
    let variables: Record<string, unknown>;
    try {
      variables = coerceVariables(options.schema, input.operation, input.variables);
    } catch (err) {
      return refused(err as GraphQLError, 'BAD_USER_INPUT');
    }
    let analysis: OperationAnalysis;
    try {
      options.onAnalysis?.();
      analysis = analyzeOperation({ schema: options.schema, facts: options.facts, document: input.document, operation: input.operation, variables, maxSelections: options.maxSelections });
    } catch (err) {
      if (err instanceof OperationTooLargeError) {
        return refused(tooManySelections(err.limit), 'QUERY_TOO_COMPLEX');
      }
      if (err instanceof GraphQLError) return refused(err, 'BAD_USER_INPUT');
      throw err;
    }
    if (caller.kind === 'anonymous') {
      if (analysis.introspection && analysis.rootFields.length === 0) return { ok: true, variables, analysis, decision: NOTHING, subjects: [] };
      return refused(unauthenticated(bilingual('a bearer token is required (Authorization: Bearer <token>)', 'cần đăng nhập: gửi kèm mã truy cập (tiêu đề Authorization: Bearer <mã truy cập>).')), 'UNAUTHENTICATED');
    }
    const described = describeAccess(analysis, caller, ctx.purpose, options.forms, options.facts);
    const subjects = described.request.subjects;
    const declared = described.request.purpose;
    const over = overLimit(analysis, options.limits);
    if (over) return refused(tooComplex(...over), 'QUERY_TOO_COMPLEX', subjects, 'denied', declared);

    // Limits count citizens asked for, not requests — one household query costs its members —
    // and are counted first: a refused attempt costs the same (no free probing), and the
    // decision's own registry lookups (guardianship, life) never outrun the limit.
    const limited = await options.lookups(caller, described.lookups, described.verifications, ctx.scope?.trace, described.reports);
    if (limited) return refused(rateLimited(limited.retryAfterSeconds, limited.what), 'RATE_LIMITED', subjects, 'denied', declared);
    const decision = await options.decide(described.request, decisionLookups(ctx, options.consents));
    if (!decision.allowed) {
      const infrastructure = decision.code === 'STORE_UNAVAILABLE' || decision.code.startsWith('UPSTREAM_');
      return refused(refusalError(decision), decision.rule ? `${decision.code}:${decision.rule}` : decision.code, subjects, infrastructure ? 'failed' : 'denied', declared);
    }
    return { ok: true, variables, analysis, decision, subjects };
  };
}

/** The decision's refusal as the error a client receives. */
export function refusalError(d: Denied): GraphQLError {
  if (d.code === 'BAD_USER_INPUT') return new BadUserInputError(d.message, { field: d.field, refuse: true });
  const extensions: Record<string, unknown> = {};
  if (d.rule) extensions.rule = d.rule;
  if (d.denied.length > 0) extensions.denied = d.denied;
  if (d.purpose) extensions.purpose = d.purpose;
  if (d.field) extensions.field = d.field;
  if (d.registry) extensions.registry = d.registry;
  if (d.remedies.length > 0) extensions.remedies = d.remedies.map(remedyExtension);
  return gatewayError(d.code, d.message, extensions, { refuse: true });
}

/**
 * A remedy as a client reads it in `extensions.remedies` and `whyNot`: the message in both
 * languages, and for a consent the `grantConsent` input a portal can offer the citizen.
 */
export function remedyExtension(r: Remedy): Record<string, unknown> {
  return {
    field: r.field,
    paths: r.paths,
    rule: r.rule,
    kind: r.kind,
    message: r.message.en,
    messageVi: r.message.vi,
    ...(r.purpose ? { purpose: r.purpose } : {}),
    ...(r.scope ? { scope: r.scope } : {}),
    ...(r.grantConsent ? { grantConsent: r.grantConsent } : {}),
  };
}

const NOTHING: Allowed = { allowed: true, purpose: null, grant: null, documentTypes: new Map(), withholds: () => false };

/** The first limit an operation exceeds, if any. */
function overLimit(a: OperationAnalysis, l: OperationLimits): [string, number, number] | undefined {
  const checks: [string, number, number][] = [
    ['depth', l.depth, a.maxDepth],
    ['aliases', l.aliases, a.aliasCount],
    ['rootFields', l.rootFields, a.rootFields.length],
    ['citizens', l.citizens, a.citizenBound],
    ['cost', l.cost, a.cost],
  ];
  return checks.find(([, max, actual]) => actual > max);
}

/**
 * What the decision looks up, through a request's loaders and clock (or those of a pass
 * of the notice deliverer): consents in the store, guardianship and life in the registries.
 */
export function decisionLookups(ctx: Pick<RequestContext, 'loaders' | 'now'>, consents: Pick<ConsentStore, 'active'>): DecisionLookups {
  return {
    consents: (subjectId, agency, purpose) => consents.active(subjectId, agency, purpose),
    async guardianOf(parentId, childId) {
      try {
        const [child, childResidence, parentResidence] = await Promise.all([
          ctx.loaders.person.load(childId),
          ctx.loaders.residence.load(childId),
          ctx.loaders.residence.load(parentId),
        ]);
        const isParent = !!child && (child.fatherId === parentId || child.motherId === parentId);
        const isMinor = !!child && ageOn(child.dateOfBirth, todayInVietnam(ctx.now())) < GUARDIAN_MAX_AGE;
        const household = childResidence?.household?.id;
        return isParent && isMinor && !!household && household === parentResidence?.household?.id;
      } catch (err) {
        return failure(err);
      }
    },
    async deceased(personalId) {
      try {
        const person = await ctx.loaders.person.load(personalId);
        return deceasedOn(person?.dateOfDeath, todayInVietnam(ctx.now()));
      } catch (err) {
        return failure(err);
      }
    },
  };
}

/** A registry failure as the decision's lookups report it; anything else is a bug, thrown on. */
function failure(err: unknown): LookupFailure {
  if (err instanceof UpstreamError) return { failed: err.failure === 'timeout' ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_UNAVAILABLE', registry: err.registry };
  throw err;
}

/** Coerces variables as execution will; the first problem becomes BAD_USER_INPUT naming the variable. */
function coerceVariables(schema: GraphQLSchema, operation: OperationDefinitionNode, raw: Record<string, unknown> | undefined): Record<string, unknown> {
  const result = getVariableValues(schema, operation.variableDefinitions ?? [], raw ?? {}, { maxErrors: 1 });
  if (!result.errors) return result.coerced;
  const error = result.errors[0] as GraphQLError;
  const node = error.nodes?.[0];
  const field = node?.kind === Kind.VARIABLE_DEFINITION ? node.variable.name.value : undefined;
  const original = error.originalError;
  const reason =
    original instanceof BadUserInputError
      ? original.why
      : { en: error.message, vi: `biến ${field ? `$${field} ` : ''}không đúng kiểu mà câu truy vấn khai báo.` };
  throw new BadUserInputError(reason, { field, nodes: node, refuse: true });
}

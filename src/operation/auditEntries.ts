import type { DocumentNode, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import type { OperationAccess } from '../access/authorizeOperation';
import type { Purpose } from '../policy/loadCatalogue';
import type { RequestContext } from '../request/RequestContext';
import type { SchemaFacts } from '../schemaFacts/readSchemaFacts';
import type { AuditEntry } from '../audit/AuditLog';
import { collectDisclosures } from '../audit/collectDisclosures';
import { applyPlan, describeDisclosures, type DisclosurePlans } from '../audit/disclosurePlan';

export interface AuditInput {
  schema: GraphQLSchema;
  facts: SchemaFacts;
  ctx: RequestContext;
  /** The operation's access decision; absent when the request never reached it. */
  access: OperationAccess | undefined;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  /** The response about to leave. */
  result: { data?: Record<string, unknown> | null; errors?: readonly { path?: readonly (string | number)[]; extensions?: Record<string, unknown> }[] };
  purposes: ReadonlyMap<string, Purpose>;
  /** Retention of records with no purpose (a citizen reading their own record). */
  defaultRetentionDays: number;
  /** The operation's disclosure plan (src/audit/disclosurePlan.ts). */
  plans: DisclosurePlans;
}

/**
 * The audit records of one operation: one per citizen, with the field paths that left
 * the gateway (DISCLOSED), or the refusal (DENIED, from the decision's value, for each
 * citizen the operation named), or FAILED when nothing about the citizen left.
 */
export function auditEntries(input: AuditInput): AuditEntry[] {
  const { ctx, access } = input;
  const caller = ctx.caller;
  if (caller.kind === 'anonymous' || !access) return [];
  // X-Purpose, or the purpose a watch named when the header was not sent.
  const declared = ctx.purpose ?? (access.ok ? null : (access.purpose ?? null));
  const purpose = (access.ok ? access.decision.purpose : null) ?? (declared ? input.purposes.get(declared) : undefined) ?? null;
  const callerId = caller.kind === 'agency' ? caller.officialId : caller.personalId;
  const agency = caller.kind === 'agency' ? caller.agency : null;
  const purposeCode = purpose?.code ?? declared;
  const retentionDays = purpose?.retentionDays ?? input.defaultRetentionDays;
  // Each record built whole, its properties in one order: objects spread from another are slow to copy.
  const entry = (subjectId: string, fields: string[], registries: string[], outcome: AuditEntry['outcome'], reason: string | null, caseId = ctx.caseId): AuditEntry => ({
    requestId: ctx.requestId,
    callerKind: caller.kind,
    callerId,
    agency,
    purpose: purposeCode,
    caseId,
    subjectId,
    fields,
    registries,
    outcome,
    reason,
    retentionDays,
  });

  const entries: AuditEntry[] = [];
  if (!access.ok) {
    const named = new Map<string, Set<string>>();
    for (const s of access.subjects) {
      if (s.hop !== 0 || !s.id) continue;
      const fields = named.get(s.id) ?? new Set<string>();
      for (const f of s.auditFields) fields.add(f);
      named.set(s.id, fields);
    }
    for (const [subjectId, fields] of named) {
      entries.push(entry(subjectId, [...fields].sort(), [], access.outcome, access.reason));
    }
    return entries;
  }
  if (input.result.data) {
    const disclosed = { data: input.result.data, errors: input.result.errors ?? [], citizensAt: ctx.citizensAt };
    const subjects = applyPlan(input.plans.planFor(input.document, input.operation), disclosed);
    if (input.plans.onMismatch) {
      // The walk of the answer is the reference the plan must match (AUDIT_PLAN_CHECK).
      const walked = collectDisclosures({ schema: input.schema, facts: input.facts, document: input.document, operation: input.operation, variables: access.variables, ...disclosed });
      const plan = describeDisclosures(subjects);
      const walk = describeDisclosures(walked);
      if (plan !== walk) input.plans.onMismatch({ operation: input.operation.name?.value ?? null, plan, walk });
    }
    for (const s of subjects.values()) {
      entries.push(entry(s.subjectId, [...s.fields].sort(), [...s.registries].sort(), s.fields.size > 0 ? 'disclosed' : 'failed', s.errors.size > 0 ? [...s.errors].sort().join(',') : null));
    }
  }
  for (const d of ctx.disclosures) {
    // A watch names its own case rather than X-Case-Id.
    entries.push(entry(d.subjectId, [...d.fields].sort(), [...d.registries].sort(), d.outcome ?? 'disclosed', d.reason ?? null, d.caseId ?? ctx.caseId));
  }
  return entries;
}

import { GraphQLError, visit, type ASTNode, type DocumentNode, type GraphQLFormattedError, type OperationDefinitionNode } from 'graphql';
import { auditEntries } from './auditEntries';
import type { AuditEntry, AuditLog } from '../audit/AuditLog';
import type { DisclosurePlans } from '../audit/disclosurePlan';
import { maskPersonalId } from '../domain/personalId';
import { BadUserInputError, statusOf, storeUnavailable } from '../errors';
import type { GatewayContext } from '../graphql/context';
import type { Logger } from '../logger';
import type { PolicyCatalogue } from '../policy/loadCatalogue';
import type { RequestContext } from '../request/RequestContext';
import type { SchemaFacts } from '../schemaFacts/readSchemaFacts';
import type { GraphQLSchema } from 'graphql';

/**
 * The steps of answering a GraphQL operation that do not depend on what serves it: Apollo
 * Server's plugins (src/apollo/) and the compiled lane (src/lane/) call the same
 * functions, in the same order, so that both answer alike.
 */

/** A response about to leave: the body's fields, as GraphQL over HTTP orders them. */
export interface OperationResult {
  errors?: readonly GraphQLFormattedError[];
  data?: Record<string, unknown> | null;
  extensions?: Record<string, unknown>;
}

/** Status and headers a response takes from its errors (`extensions.http`). */
export interface ResponseHead {
  status?: number;
  headers: Map<string, string>;
}

/** The error's argument, for BAD_USER_INPUT raised while validating a literal (a scalar's parser sees only the value). */
export function nameBadInputArguments(errors: readonly GraphQLError[], document: DocumentNode | undefined): void {
  if (!document) return;
  for (const error of errors) {
    if (!isBadInput(error) || error.extensions.field !== undefined) continue;
    const node = error.nodes?.[0];
    const argument = node && argumentHolding(document, node);
    if (argument) (error.extensions as Record<string, unknown>).field = argument;
  }
}

function isBadInput(error: GraphQLError): boolean {
  return error instanceof BadUserInputError || error.originalError instanceof BadUserInputError;
}

function argumentHolding(document: DocumentNode, target: ASTNode): string | undefined {
  let found: string | undefined;
  visit(document, {
    Argument(arg) {
      if (found) return false;
      let inside = false;
      visit(arg.value, {
        enter(n) {
          if (n === target) inside = true;
          return inside ? false : undefined;
        },
      });
      if (inside) found = arg.name.value;
      return undefined;
    },
  });
  return found;
}

/**
 * Errors as they leave, the way Apollo Server formats them: each through `formatError`
 * (src/errors.ts), with `extensions.http` taken out into the response's status and headers.
 */
export function formatErrors(errors: readonly GraphQLError[], formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError, head: ResponseHead): GraphQLFormattedError[] {
  return errors.map((error) => {
    try {
      // graphql-jit's errors carry no extensions when what the resolver threw had none.
      const extensions: Record<string, unknown> = { ...error.extensions, code: error.extensions?.code ?? 'INTERNAL_SERVER_ERROR' };
      const http = extensions.http as { status?: unknown; headers?: unknown } | undefined;
      if (http && typeof http === 'object' && (http.status === undefined || typeof http.status === 'number') && (http.headers === undefined || http.headers instanceof Map)) {
        if (http.status) head.status = http.status as number;
        if (http.headers) for (const [k, v] of http.headers as Map<string, string>) head.headers.set(k, v);
        delete extensions.http;
      }
      return formatError({ ...error.toJSON(), extensions }, error);
    } catch {
      return { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    }
  });
}

/** The request's warnings (e.g. stale data) in `extensions.warnings` of a response with data. */
export function addWarnings(ctx: RequestContext, result: OperationResult): void {
  if (ctx.warnings.length === 0 || !result.data) return;
  result.extensions = { ...result.extensions, warnings: ctx.warnings };
}

/** Fills the request's log line (src/http/createRequestLogger.ts) with the operation and its outcome. */
export function fillRequestLog(ctx: GatewayContext, operation: OperationDefinitionNode | undefined | null, operationName: string | undefined | null, result: OperationResult | undefined): void {
  ctx.log.operationType = operation?.operation ?? null;
  ctx.log.operationName = operationName ?? null;
  const errors = result?.errors;
  if (errors && errors.length > 0) ctx.log.errors = [...new Set(errors.map((e) => String(e.extensions?.code ?? 'UNKNOWN')))];
  ctx.log.data = !!result?.data;
  ctx.log.citizens = ctx.access?.ok ? ctx.access.analysis.citizenBound : 0;
}

/** Whether the most preferred language of an `Accept-Language` header is Vietnamese. */
export function prefersVietnamese(header: string | null | undefined): boolean {
  if (!header) return false;
  let best: { tag: string; q: number } | null = null;
  for (const part of header.split(',').slice(0, 20)) {
    const [tag, ...params] = part.trim().toLowerCase().split(';');
    const q = Number(params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean) ?? 1);
    if (!tag || !Number.isFinite(q)) continue;
    if (!best || q > best.q) best = { tag, q };
  }
  return !!best && (best.tag === 'vi' || best.tag.startsWith('vi-'));
}

/** Every error's Vietnamese (`extensions.messageVi`) as its message, for a caller who prefers Vietnamese. */
export function inVietnamese(result: OperationResult): void {
  for (const error of result.errors ?? []) {
    const vi = error.extensions?.messageVi;
    if (typeof vi === 'string') (error as { message: string }).message = vi;
  }
}

export interface AuditResponseOptions {
  schema: GraphQLSchema;
  facts: SchemaFacts;
  catalogue: PolicyCatalogue;
  audit: AuditLog;
  logger: Logger;
  /** Retention for reads without a purpose (a citizen reading their own record). */
  defaultRetentionDays: number;
  /** What each operation discloses, by field, known before it runs. */
  plans: DisclosurePlans;
  /** Told how long each operation waited for its records to be durable. */
  onWaited?: (seconds: number) => void;
  /** Told of the records once durable (the over-collection count). */
  onRecorded?: (entries: readonly AuditEntry[]) => void;
}

/**
 * Writes the audit records of an operation (src/operation/auditEntries.ts) before its response
 * leaves. If the trail cannot be written, a response that disclosed anything becomes
 * STORE_UNAVAILABLE (returned, with its status): nothing is disclosed that is not on the record.
 */
export function createResponseAuditor(options: AuditResponseOptions) {
  return async function auditResponse(ctx: GatewayContext, document: DocumentNode, operation: OperationDefinitionNode, result: OperationResult): Promise<{ result: OperationResult; status: number } | null> {
    const entries = auditEntries({
      schema: options.schema,
      facts: options.facts,
      ctx,
      access: ctx.access,
      document,
      operation,
      result,
      purposes: options.catalogue.purposes,
      defaultRetentionDays: options.defaultRetentionDays,
      plans: options.plans,
    });
    if (entries.length === 0) return null;
    const started = performance.now();
    try {
      await options.audit.append(entries, ctx.scope?.trace);
      options.onWaited?.((performance.now() - started) / 1000);
      options.onRecorded?.(entries);
      return null;
    } catch (err) {
      options.logger.error(
        { err: { name: (err as Error).name, message: (err as Error).message }, requestId: ctx.requestId, subjects: entries.map((e) => maskPersonalId(e.subjectId)) },
        'audit trail write failed; response withheld',
      );
      if (!entries.some((e) => e.outcome === 'disclosed')) return null;
      const { message, extensions } = storeUnavailable({ en: 'The audit trail', vi: 'nhật ký truy cập' });
      return { result: { errors: [{ message, extensions: { code: 'STORE_UNAVAILABLE', messageVi: extensions.messageVi } }] }, status: statusOf('STORE_UNAVAILABLE') };
    }
  };
}

export type AuditResponse = ReturnType<typeof createResponseAuditor>;

import type { IncomingMessage, ServerResponse } from 'node:http';
import { GraphQLError, Kind, parse, type DocumentNode, type GraphQLFormattedError, type OperationDefinitionNode } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import type { ContextFactory } from '../apollo/createContextFactory';
import type { GatewayConfig } from '../config';
import type { Services } from '../createServices';
import type { GatewayContext } from '../graphql/context';
import type { RequestLogger } from '../http/createRequestLogger';
import { requestIdOf } from '../http/requestId';
import { setCorsHeaders, setSecurityHeaders } from '../http/security';
import type { Logger } from '../logger';
import { outcomeOf } from '../metrics';
import type { OperationPipeline } from '../operation/createOperationPipeline';
import { addWarnings, fillRequestLog, formatErrors, inVietnamese, nameBadInputArguments, prefersVietnamese, type OperationResult, type ResponseHead } from '../operation/respond';
import { validationProblems, type PersistedOperation } from '../persisted/manifest';
import { findPersisted } from '../persisted/persistedOperations';
import { openRequestScope } from '../request/requestScope';
import { PREREAD, type Preread } from '../http/jsonBodies';


/** One manifest operation, ready to run: parsed and validated once, its execution compiled. */
interface CompiledOperation {
  op: PersistedOperation;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  compiled: CompiledQuery;
}

export interface CompiledLaneOptions {
  config: GatewayConfig;
  services: Services;
  logger: Logger;
  pipeline: OperationPipeline;
  context: ContextFactory;
  requestLogger: RequestLogger;
  persisted: ReadonlyMap<string, PersistedOperation>;
  draining: () => boolean;
}

export interface CompiledLane {
  /** How many of the manifest's operations were compiled. */
  readonly compiled: number;
  /** Serves the request if it is the lane's; else hands it, untouched or with its body read, to `next`. */
  handle(req: IncomingMessage, res: ServerResponse, next: (req: IncomingMessage, res: ServerResponse) => void): void;
}

const JSON_TYPE = 'application/json; charset=utf-8';
/** `Accept` values for which Apollo Server answers `application/json` too. */
const ACCEPTED = new Set([undefined, '', '*/*', 'application/json']);

/**
 * The compiled lane: POSTs of the manifest's operations, answered on the HTTP server
 * ahead of Express and Apollo Server. Each operation is parsed, validated and compiled
 * (graphql-jit) at start-up from the manifest — never from a client's document — and
 * served with the same steps, in the same order, as Apollo Server's plugins take
 * (src/operation/respond.ts): the caller and headers (the verified-token cache), the one
 * access decision (src/access/authorizeOperation.ts), execution, warnings, metrics, the
 * log line, the audit before the response leaves, errors formatted and worded alike.
 *
 * Anything it is not sure of goes on to Express unchanged: other routes and methods,
 * GET, an `Origin` not on CORS_ORIGINS, no token, a body that names no compiled
 * operation, a bad token or header (Express answers the same error), a draining gateway.
 */
export function createCompiledLane(options: CompiledLaneOptions): CompiledLane {
  const { config, services, logger, pipeline, context, requestLogger } = options;
  const schema = services.schema;
  const byId = new Map<string, CompiledOperation>();
  for (const op of options.persisted.values()) {
    const compiled = compile(op);
    if (compiled) byId.set(op.id, compiled);
    else logger.info({ operation: op.name }, 'persisted operation left to Apollo Server');
  }
  logger.info({ compiled: byId.size, persisted: options.persisted.size }, `compiled lane: ${byId.size} of ${options.persisted.size} persisted operation(s) compiled`);

  function compile(op: PersistedOperation): CompiledOperation | null {
    let document: DocumentNode;
    try {
      document = parse(op.body, { maxTokens: config.limits.tokens });
    } catch {
      return null;
    }
    const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    const operation = operations[0];
    // Queries and mutations only, that a production gateway runs (validationProblems); introspection stays with Apollo Server.
    if (operations.length !== 1 || !operation || operation.operation === 'subscription' || validationProblems(op.body, schema).length > 0) return null;
    const compiled = compileQuery(schema, document, op.name, { disablingCapturingStackErrors: true });
    if (!isCompiledQuery(compiled)) return null;
    // Built now, not on the first request.
    pipeline.plans.planFor(document, operation);
    return { op, document, operation, compiled };
  }

  const allowedOrigins = new Set(config.corsOrigins);
  const production = config.production;
  const bodyLimit = config.limits.bodyBytes;
  const tracing = services.tracing;
  const metrics = services.metrics;

  /** Whether the request's line and headers are the lane's; its body decides the rest. */
  function eligible(req: IncomingMessage): boolean {
    if (req.method !== 'POST' || req.url !== '/graphql' || options.draining()) return false;
    const h = req.headers;
    if (!h.authorization || !ACCEPTED.has(h.accept)) return false;
    const type = h['content-type'];
    if (type !== 'application/json' && type?.toLowerCase().replace(/\s+/g, '') !== 'application/json;charset=utf-8') return false;
    if (h['content-encoding'] !== undefined && h['content-encoding'] !== 'identity') return false;
    const length = Number(h['content-length']);
    if (!(length >= 0 && length <= bodyLimit) || h['transfer-encoding'] !== undefined) return false;
    return h.origin === undefined || allowedOrigins.has(h.origin);
  }

  function handOver(req: IncomingMessage, res: ServerResponse, next: (req: IncomingMessage, res: ServerResponse) => void, preread: Preread): void {
    (req as IncomingMessage & { [PREREAD]?: Preread })[PREREAD] = preread;
    next(req, res);
  }

  async function serve(req: IncomingMessage, res: ServerResponse, next: (req: IncomingMessage, res: ServerResponse) => void, raw: Buffer, started: number): Promise<void> {
    const text = raw.toString('utf8').replace(/^\uFEFF/, '');
    let body: unknown;
    const first = /\S/.exec(text)?.[0];
    if (text.length === 0) body = {};
    else if (first !== '{' && first !== '[') return handOver(req, res, next, { failed: true });
    else {
      try {
        body = JSON.parse(text);
      } catch {
        return handOver(req, res, next, { failed: true });
      }
    }
    const source = body as Record<string, unknown>;
    if (!source || typeof source !== 'object' || Array.isArray(source)) return handOver(req, res, next, { body });
    const found = findPersisted(source, options.persisted);
    const entry = found.ok ? byId.get(found.op.id) : undefined;
    const variables = source.variables;
    const name = source.operationName;
    const extensions = source.extensions;
    if (
      !entry ||
      (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) ||
      (name !== undefined && name !== null && name !== entry.op.name) ||
      (extensions !== undefined && extensions !== null && (typeof extensions !== 'object' || Array.isArray(extensions)))
    ) {
      return handOver(req, res, next, { body });
    }
    let identity;
    try {
      identity = await context.identify(req.headers);
    } catch {
      // A bad token or header: Express and Apollo Server answer it, as for any request.
      return handOver(req, res, next, { body });
    }
    const requestId = requestIdOf(req.headers['x-request-id']);
    res.setHeader('x-request-id', requestId);
    setSecurityHeaders(res, false, true, production);
    if (req.headers.origin !== undefined) setCorsHeaders(res, req.headers.origin);
    const scope = openRequestScope(req, '/graphql', res, requestId, tracing);
    const ctx = context.build(identity, requestId, scope);
    requestLogger.track(res, ctx, scope, started);
    metrics.compiledLaneServed();
    await run(entry, ctx, (variables ?? undefined) as Record<string, unknown> | undefined, req, res);
  }

  async function run(entry: CompiledOperation, ctx: GatewayContext, variables: Record<string, unknown> | undefined, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedOperation = performance.now();
    const vietnamese = prefersVietnamese(req.headers['accept-language']);
    const trace = ctx.scope?.trace;
    trace?.startOperation();
    trace?.nameOperation(entry.operation.operation, entry.op.name);
    const head: ResponseHead = { status: undefined, headers: new Map() };
    let result: OperationResult;
    let errors: GraphQLError[] | undefined;
    try {
      const access = await pipeline.authorize({ document: entry.document, operation: entry.operation, variables, ctx });
      ctx.access = access;
      if (!access.ok) throw access.error;
    } catch (err) {
      errors = [err instanceof GraphQLError ? err : new GraphQLError(err instanceof Error ? err.message : `Unexpected error value: ${String(err)}`, { originalError: err instanceof Error ? err : undefined })];
    }
    if (errors) {
      nameBadInputArguments(errors, entry.document);
      result = { errors: formatErrors(errors, pipeline.formatError, head) };
      head.status ??= 500;
    } else {
      let executed;
      try {
        executed = await entry.compiled.query(undefined, ctx, variables);
      } catch (err) {
        executed = { errors: [err instanceof GraphQLError ? err : new GraphQLError(err instanceof Error ? err.message : String(err), { originalError: err instanceof Error ? err : undefined })] };
      }
      const executionErrors = executed.errors as GraphQLError[] | undefined;
      let formatted: GraphQLFormattedError[] | undefined;
      if (executionErrors && executionErrors.length > 0) {
        nameBadInputArguments(executionErrors, entry.document);
        formatted = formatErrors(executionErrors, pipeline.formatError, head);
        if (executed.data === undefined && !head.status) head.status = 400;
      }
      result = { errors: formatted, data: executed.data as Record<string, unknown> | null | undefined, extensions: executed.extensions as Record<string, unknown> | undefined };
    }
    // As Apollo Server's willSendResponse hooks, in its plugins' order (src/apollo/createApolloServer.ts).
    if (trace && result.errors) trace.operationErrors(result.errors.map((e) => String(e.extensions?.code ?? 'UNKNOWN')));
    metrics.graphqlAnswered(entry.operation.operation, outcomeOf(result), (performance.now() - startedOperation) / 1000);
    addWarnings(ctx, result);
    fillRequestLog(ctx, entry.operation, entry.op.name, result);
    const auditing = pipeline.auditResponse(ctx, entry.document, entry.operation, result);
    if (vietnamese) inVietnamese(result);
    const withheld = await auditing;
    if (withheld) {
      result = withheld.result;
      head.status = withheld.status;
    }
    for (const [k, v] of head.headers) res.setHeader(k, v);
    res.setHeader('content-type', JSON_TYPE);
    const payload = `${JSON.stringify({ errors: result.errors, data: result.data, extensions: result.extensions })}\n`;
    res.setHeader('content-length', Buffer.byteLength(payload));
    res.statusCode = head.status ?? 200;
    res.end(payload);
  }

  return {
    compiled: byId.size,
    handle(req, res, next) {
      if (byId.size === 0 || !eligible(req)) return next(req, res);
      const started = performance.now();
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('error', () => res.destroy());
      req.on('end', () => {
        serve(req, res, next, chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks), started).catch((err: unknown) => {
          logger.error({ err: { name: (err as Error).name, message: (err as Error).message } }, 'compiled lane failed');
          if (res.headersSent) return void res.destroy();
          const payload = `${JSON.stringify({ errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR', messageVi: 'Hệ thống gặp lỗi; vui lòng thử lại sau.' } }] })}\n`;
          res.statusCode = 500;
          res.setHeader('content-type', JSON_TYPE);
          res.end(payload);
        });
      });
    },
  };
}

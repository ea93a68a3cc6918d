import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { AttemptSpan, UpstreamOutcome } from '../../connectors/RegistryClient';
import type { RegistryName } from '../../connectors/types';
import type { RoundTripOperation } from '../cache/backends';
import type { TracingConfig } from '../config';
import type { EndableSpan, IncomingTraceContext, RequestTrace, Tracing } from './Tracing';

export interface OtelTracingOptions extends TracingConfig {
  /** Where finished spans go instead of OTLP (tests: the SDK's in-memory exporter). */
  exporter?: SpanExporter;
  /** Told when a batch of spans could not be exported (the collector is down or refuses them). */
  onExportError?: (error: Error) => void;
}

/** The gateway's routes that may name a server span; any other path could carry an ID and is left out. */
const ROUTES = new Set(['/graphql', '/healthz', '/readyz', '/metrics', '/.well-known/jwks.json', '/internal/registry-events']);
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'CONNECT']);
/** As the request log has it: anything else could be a value typed by the caller. */
const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,100}$/;
const OPERATION_TYPES = new Set(['query', 'mutation', 'subscription']);
const ERROR_CODE = /^[A-Z][A-Z0-9_]{0,63}$/;
/** Error class names only; a name that is not one (a thrown value of any shape) is recorded as `_OTHER`. */
const ERROR_TYPE = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const REDIS_COMMANDS: Record<RoundTripOperation, string> = { get: 'GET', set: 'SET', delete: 'UNLINK', publish: 'PUBLISH', increment: 'INCRBY' };
/** A collector that is down must not hold up a shutdown: what is not exported by then is dropped. */
const SHUTDOWN_BUDGET_MS = 3000;

/**
 * Tracing on: the OpenTelemetry SDK with a batch processor exporting over OTLP/HTTP (or
 * to the exporter given), parent-based sampling at the configured ratio, and no global
 * registration — spans are parented explicitly through each request's
 * {@link RequestTrace}, never through an async context.
 */
export function createOtelTracing(options: OtelTracingOptions): Tracing {
  const exporter = reporting(options.exporter ?? new OTLPTraceExporter({ url: options.tracesUrl ?? undefined }), options.onExportError);
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(options.sampleRatio) }),
    spanProcessors: [new BatchSpanProcessor(exporter, { maxQueueSize: 2048, maxExportBatchSize: 512, scheduledDelayMillis: 5000, exportTimeoutMillis: 10_000 })],
  });
  const tracer = provider.getTracer(options.serviceName);
  return {
    enabled: true,
    startRequest(method, path, incoming) {
      const verb = METHODS.has(method) ? method : '_OTHER';
      const route = ROUTES.has(path) ? path : undefined;
      const attributes: Attributes = { 'http.request.method': verb };
      if (route) attributes['http.route'] = route;
      const span = tracer.startSpan(route ? `${verb} ${route}` : verb, { kind: SpanKind.SERVER, attributes }, incoming ? remoteParent(incoming) : ROOT_CONTEXT);
      return new OtelRequestTrace(tracer, span);
    },
    async shutdown() {
      let timer: NodeJS.Timeout | undefined;
      const budget = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, SHUTDOWN_BUDGET_MS);
        timer.unref();
      });
      await Promise.race([provider.shutdown().catch(() => {}), budget]);
      clearTimeout(timer);
    },
  };
}

/** The SDK drops a batch it failed to export without a word; the gateway's log says so. */
function reporting(exporter: SpanExporter, onError: ((error: Error) => void) | undefined): SpanExporter {
  if (!onError) return exporter;
  return {
    export(spans, done) {
      exporter.export(spans, (result) => {
        if (result.error) onError(result.error);
        done(result);
      });
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}

function remoteParent(incoming: IncomingTraceContext): Context {
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: incoming.traceId,
    spanId: incoming.spanId,
    traceFlags: incoming.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  });
}

function failed(span: Span, error: Error | undefined): void {
  if (!error) return;
  const type = typeof error.name === 'string' && ERROR_TYPE.test(error.name) ? error.name : '_OTHER';
  // The type only: messages may quote what a store or a registry said.
  span.setAttribute('error.type', type);
  span.setStatus({ code: SpanStatusCode.ERROR });
}

function endable(span: Span): EndableSpan {
  return {
    end(error) {
      failed(span, error);
      span.end();
    },
  };
}

/** The spans of one request; every child is parented explicitly on the operation's span, or the request's before it. */
class OtelRequestTrace implements RequestTrace {
  private operation: Span | undefined;
  /** The context children are started in: the operation's once it has begun. */
  private parent: Context;
  private ended = false;

  constructor(
    private readonly tracer: Tracer,
    private readonly server: Span,
  ) {
    this.parent = trace.setSpan(ROOT_CONTEXT, server);
  }

  get traceId(): string {
    return this.server.spanContext().traceId;
  }

  /** The span a batch of others links to. */
  get current(): Span {
    return this.operation ?? this.server;
  }

  startOperation(): void {
    if (this.operation || this.ended) return;
    this.operation = this.tracer.startSpan('GraphQL Operation', { kind: SpanKind.INTERNAL }, this.parent);
    this.parent = trace.setSpan(ROOT_CONTEXT, this.operation);
  }

  nameOperation(type: string | null, name: string | null): void {
    const span = this.operation;
    if (!span || !type || !OPERATION_TYPES.has(type)) return;
    span.setAttribute('graphql.operation.type', type);
    if (name && OPERATION_NAME.test(name)) {
      span.setAttribute('graphql.operation.name', name);
      span.updateName(`${type} ${name}`);
    } else {
      span.updateName(type);
    }
  }

  operationErrors(codes: readonly string[]): void {
    const span = this.operation;
    if (!span || codes.length === 0) return;
    span.setAttribute('gateway.graphql.error_codes', [...new Set(codes.map((c) => (ERROR_CODE.test(c) ? c : '_OTHER')))]);
    span.setStatus({ code: SpanStatusCode.ERROR });
  }

  attempt(registry: RegistryName, method: string, route: string, resend: number): AttemptSpan {
    const attributes: Attributes = { 'gateway.registry': registry, 'http.request.method': method, 'url.template': route };
    if (resend > 0) attributes['http.request.resend_count'] = resend;
    const span = this.tracer.startSpan(method === route ? method : `${method} ${route}`, { kind: SpanKind.CLIENT, attributes }, this.parent);
    const context = span.spanContext();
    return {
      traceparent: `00-${context.traceId}-${context.spanId}-${context.traceFlags & TraceFlags.SAMPLED ? '01' : '00'}`,
      end(outcome: UpstreamOutcome, status: number) {
        if (status > 0) span.setAttribute('http.response.status_code', status);
        span.setAttribute('gateway.upstream.outcome', outcome);
        if (outcome !== 'ok' && outcome !== 'not_found') {
          span.setAttribute('error.type', status >= 400 ? String(status) : outcome);
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
        span.end();
      },
    };
  }

  roundTrip(operation: RoundTripOperation, commands: number, command?: string): EndableSpan {
    const span = this.tracer.startSpan(
      `redis ${operation}`,
      { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'redis', 'db.operation.name': command ?? REDIS_COMMANDS[operation], 'db.operation.batch.size': commands } },
      this.parent,
    );
    return endable(span);
  }

  commit(records: number, others: readonly RequestTrace[]): EndableSpan {
    const links = others.flatMap((o) => (o instanceof OtelRequestTrace ? [{ context: o.current.spanContext() }] : []));
    const span = this.tracer.startSpan(
      'audit commit',
      { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql', 'gateway.audit.records': records, 'gateway.audit.requests': others.length + 1 }, links },
      this.parent,
    );
    return endable(span);
  }

  end(status: number): void {
    if (this.ended) return;
    this.ended = true;
    this.operation?.end();
    this.server.setAttribute('http.response.status_code', status);
    if (status >= 500) {
      this.server.setAttribute('error.type', String(status));
      this.server.setStatus({ code: SpanStatusCode.ERROR });
    }
    this.server.end();
  }
}

import { randomFillSync } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler, Response } from 'express';
import type { CallContext } from '../../connectors/RegistryClient';
import type { RegistryName } from '../../connectors/types';
import { noTracing, type RequestTrace, type Tracing } from '../tracing/Tracing';

/** What the gateway keeps about one HTTP request while it is being served. */
export interface RequestScope {
  requestId: string;
  /** W3C trace context: the caller's trace, or a new one. */
  traceId: string;
  parentSpanId: string;
  /** Calls made to each registry for this request, and their total time. */
  registries: Map<RegistryName, { calls: number; ms: number }>;
  /** The request's spans while tracing is on; undefined (and every hook skipped) while it is off. */
  trace?: RequestTrace;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

// Trace and span ids come from a pool of random bytes refilled in one call, as Node does
// for randomUUID: one system call per 4 KiB instead of two or more per request.
const pool = Buffer.allocUnsafe(4096);
let poolOffset = pool.length;

/** `bytes` random bytes as lower-case hex; each pool byte is used once. */
export function randomHex(bytes: number): string {
  if (poolOffset + bytes > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const hex = pool.toString('hex', poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return hex;
}

/**
 * The scope of the request a response belongs to. It travels explicitly (the GraphQL
 * context hands it to the loaders) rather than in AsyncLocalStorage, whose promise hooks
 * would run on every promise of every request.
 */
export function scopeOf(res: Response): RequestScope | undefined {
  return res.locals.scope as RequestScope | undefined;
}

/**
 * Opens a request's scope; continues an incoming valid traceparent. With tracing on, the
 * request's server span is a child of the caller's span and ends when the response does.
 * Express's middleware and the compiled lane both open it here.
 */
export function openRequestScope(req: IncomingMessage, path: string, res: ServerResponse, requestId: string, tracing: Tracing): RequestScope {
  const incoming = TRACEPARENT.exec(String(req.headers.traceparent ?? ''));
  const valid = incoming && !/^0+$/.test(incoming[1] as string) && !/^0+$/.test(incoming[2] as string);
  const scope: RequestScope = {
    requestId,
    traceId: valid ? (incoming[1] as string) : randomHex(16),
    parentSpanId: valid ? (incoming[2] as string) : randomHex(8),
    registries: new Map(),
    trace: undefined,
  };
  if (tracing.enabled) {
    const trace = tracing.startRequest(
      req.method as string,
      path,
      valid ? { traceId: incoming[1] as string, spanId: incoming[2] as string, sampled: (parseInt(incoming[3] as string, 16) & 1) === 1 } : null,
    );
    if (trace) {
      scope.trace = trace;
      // Without a caller's trace the SDK starts one of its own: logs and registries follow the span's.
      scope.traceId = trace.traceId;
      res.once('close', () => trace.end(res.statusCode));
    }
  }
  return scope;
}

/** Opens each request's scope (above) for the Express pipeline. */
export function createRequestScope(tracing: Tracing = noTracing): RequestHandler {
  return (req, res, next) => {
    res.locals.scope = openRequestScope(req, req.path, res, res.locals.requestId as string, tracing);
    next();
  };
}

/**
 * For the registry client: each call a child span's traceparent, and where to add up
 * timings. With tracing on, each attempt is a span of its own whose context is the traceparent sent.
 */
export function registryCallContext(scope: RequestScope | undefined): CallContext | undefined {
  if (!scope) return undefined;
  const call: CallContext = {
    get headers() {
      return { traceparent: `00-${scope.traceId}-${randomHex(8)}-01` };
    },
    record(registry, ms) {
      const t = scope.registries.get(registry) ?? { calls: 0, ms: 0 };
      t.calls++;
      t.ms += ms;
      scope.registries.set(registry, t);
    },
  };
  const trace = scope.trace;
  if (trace) call.attempt = (registry, method, route, resend) => trace.attempt(registry, method, route, resend);
  return call;
}

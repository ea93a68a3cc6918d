import type { AttemptSpan } from '../../connectors/RegistryClient';
import type { RegistryName } from '../../connectors/types';
import type { RoundTripOperation } from '../cache/backends';

/** A W3C trace context received from the caller, already checked for shape. */
export interface IncomingTraceContext {
  traceId: string;
  spanId: string;
  /** The caller's sampled flag (`-01`). */
  sampled: boolean;
}

/** A span that the gateway ends itself; `error` marks it failed (its name only is recorded, never its message). */
export interface EndableSpan {
  end(error?: Error): void;
}

/**
 * The spans of one HTTP request: the server span, the GraphQL operation's under it, and
 * the children that the registry client, the cache and the audit trail start through it.
 * Those layers know it only by the narrow interfaces they declare (`CallContext.attempt`,
 * `RoundTripTrace`, `CommitTrace`), so none of them depends on tracing.
 */
export interface RequestTrace {
  /** The trace id: the caller's, or a new one. */
  readonly traceId: string;
  /** Opens the GraphQL operation's span; children started from now on are its own. */
  startOperation(): void;
  /** Names the operation once resolved: its type, and its name only when it is a plain identifier. */
  nameOperation(type: string | null, name: string | null): void;
  /** Records the error codes of the response (codes only: never a message, path or value). */
  operationErrors(codes: readonly string[]): void;
  /** The span of one HTTP attempt to a registry. */
  attempt(registry: RegistryName, method: string, route: string, resend: number): AttemptSpan;
  /** The span of one Redis round trip (`command`: the Redis command, when not the operation's usual one). */
  roundTrip(operation: RoundTripOperation, commands: number, command?: string): EndableSpan;
  /** The span of one audit transaction holding this request's records and those of `others`, linked to them. */
  commit(records: number, others: readonly RequestTrace[]): EndableSpan;
  /** Ends the operation's span, then the request's, with the response status. */
  end(status: number): void;
}

/** The gateway's tracing: on (the OpenTelemetry SDK, exporting) or off ({@link noTracing}). */
export interface Tracing {
  readonly enabled: boolean;
  /** The trace of a request, continuing the caller's context when there is one; undefined while tracing is off. */
  startRequest(method: string, path: string, incoming: IncomingTraceContext | null): RequestTrace | undefined;
  /** Exports the spans still buffered, within a bounded time, and stops. */
  shutdown(): Promise<void>;
}

/**
 * Tracing off: no SDK, no span, nothing allocated per request. Every hook in the
 * gateway is an optional call on the request's trace, which is then undefined.
 */
export const noTracing: Tracing = {
  enabled: false,
  startRequest: () => undefined,
  shutdown: async () => {},
};

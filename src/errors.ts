import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type ASTNode, type GraphQLFormattedError } from 'graphql';
import { UpstreamError } from '../connectors/UpstreamError';
import type { RegistryName } from '../connectors/types';
import { StoreUnavailableError } from './store/StoreUnavailableError';

/**
 * Error codes are the public API (`errors[].extensions.code`), each with the HTTP status
 * it answers with when it refuses a whole request. The helpers below are the only way
 * the gateway creates client-facing errors.
 */
const STATUS = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  PURPOSE_REQUIRED: 403,
  CONSENT_REQUIRED: 403,
  BAD_USER_INPUT: 400,
  /** A request that is not GraphQL over HTTP at all (wrong content type, malformed body). */
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  UPSTREAM_UNAVAILABLE: 503,
  UPSTREAM_TIMEOUT: 504,
  QUERY_TOO_COMPLEX: 400,
  RATE_LIMITED: 429,
  PERSISTED_QUERY_NOT_FOUND: 400,
  STORE_UNAVAILABLE: 503,
  /** The gateway is shutting down and takes no new request. */
  UNAVAILABLE: 503,
  INTERNAL_SERVER_ERROR: 500,
} as const;

export type ErrorCode = keyof typeof STATUS;

/** The HTTP status a refused request answers with. */
export function statusOf(code: ErrorCode): number {
  return STATUS[code];
}

/** Codes a client may see: ours, and the request-level ones Apollo Server produces. */
const PUBLIC_CODES: ReadonlySet<string> = new Set<string>([
  ...(Object.keys(STATUS) as ErrorCode[]),
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/** Extension keys a client may see; anything else (stack traces, http, upstream detail) is dropped. */
const PUBLIC_EXTENSIONS = new Set(['code', 'field', 'reason', 'registry', 'denied', 'rule', 'limit', 'max', 'actual', 'retryAfter', 'purpose']);

const REGISTRY_LABEL: Record<RegistryName, string> = {
  POPULATION: 'population',
  RESIDENCE: 'residence',
  DOCUMENTS: 'issued-document',
};

/**
 * A client-facing error with its code. With `refuse`, it refuses the whole request:
 * Apollo Server answers with the code's HTTP status (and `headers`); the `http`
 * extension never reaches the client.
 */
export function gatewayError(
  code: ErrorCode,
  message: string,
  extensions: Record<string, unknown> = {},
  options: { refuse?: boolean; headers?: Record<string, string>; nodes?: ASTNode | readonly ASTNode[] } = {},
): GraphQLError {
  const http = options.refuse ? { http: { status: STATUS[code], ...(options.headers ? { headers: new Map(Object.entries(options.headers)) } : {}) } } : {};
  return new GraphQLError(message, { nodes: options.nodes, extensions: { code, ...extensions, ...http } });
}

/**
 * Bad input a caller can fix. `field` names the argument, variable or header;
 * `reason` says what is wrong without repeating the value.
 */
export class BadUserInputError extends GraphQLError {
  constructor(reason: string, options: { field?: string; nodes?: ASTNode | readonly ASTNode[]; refuse?: boolean } = {}) {
    super(`Invalid input: ${reason}`, {
      nodes: options.nodes,
      extensions: { code: 'BAD_USER_INPUT', reason, ...(options.field ? { field: options.field } : {}), ...(options.refuse ? { http: { status: STATUS.BAD_USER_INPUT } } : {}) },
    });
  }
}

export function unauthenticated(reason: string): GraphQLError {
  return gatewayError('UNAUTHENTICATED', `Authentication failed: ${reason}`, { reason }, { refuse: true, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } });
}

export function forbidden(message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return gatewayError('FORBIDDEN', message, extensions, { refuse: true });
}

/** The gateway's own store (consents, audit trail) cannot be used: no citizen data until it can. */
export function storeUnavailable(what: string): GraphQLError {
  return gatewayError('STORE_UNAVAILABLE', `${what} cannot be reached, so no citizen data is served; try again shortly`, {}, { refuse: true });
}

/** Too many lookups; `retryAfter` in seconds, also sent as the Retry-After header. */
export function rateLimited(retryAfterSeconds: number, what: string): GraphQLError {
  return gatewayError('RATE_LIMITED', `Too many ${what}; try again in ${retryAfterSeconds} s`, { retryAfter: retryAfterSeconds }, {
    refuse: true,
    headers: { 'retry-after': String(retryAfterSeconds) },
  });
}

/** An operation over one of its limits, decided before execution. */
export function tooComplex(limit: string, max: number, actual: number): GraphQLError {
  return gatewayError('QUERY_TOO_COMPLEX', `Operation too complex: ${limit} ${actual} exceeds ${max}`, { limit, max, actual }, { refuse: true });
}

export function notFound(registry: RegistryName): GraphQLError {
  return gatewayError('NOT_FOUND', `The ${REGISTRY_LABEL[registry]} registry has no record for this personal ID`, { registry });
}

/** The client-facing form of a registry failure: which registry, never what it said. */
export function upstreamFailure(err: UpstreamError, options: { refuse?: boolean } = {}): GraphQLError {
  const label = REGISTRY_LABEL[err.registry];
  return err.failure === 'timeout'
    ? gatewayError('UPSTREAM_TIMEOUT', `The ${label} registry did not answer in time`, { registry: err.registry }, options)
    : gatewayError('UPSTREAM_UNAVAILABLE', `The ${label} registry is unavailable`, { registry: err.registry }, options);
}

/** The body of an error answered outside GraphQL execution, on /graphql: GraphQL over HTTP's shape. */
export function graphqlErrorBody(code: ErrorCode, message: string): { errors: { message: string; extensions: { code: ErrorCode } }[] } {
  return { errors: [{ message, extensions: { code } }] };
}

/** The body of an error on the gateway's other routes (health, dev, events, 404). */
export function routeErrorBody(code: ErrorCode, message: string): { error: { code: ErrorCode; message: string } } {
  return { error: { code, message } };
}

export interface ErrorLogger {
  error(obj: object, msg: string): void;
}

/**
 * Apollo Server's `formatError`: keeps public codes and a small set of extension keys,
 * turns registry failures into UPSTREAM_* codes, and masks everything else as
 * INTERNAL_SERVER_ERROR with a generic message. It cannot throw.
 */
export function createErrorFormatter(logger: ErrorLogger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    try {
      const original = unwrapResolverError(error);
      if (original instanceof StoreUnavailableError) {
        const mapped = storeUnavailable("The gateway's store");
        return { message: mapped.message, path: formatted.path, extensions: { code: 'STORE_UNAVAILABLE' } };
      }
      if (original instanceof UpstreamError) {
        const mapped = upstreamFailure(original);
        return { message: mapped.message, locations: formatted.locations, path: formatted.path, extensions: publicExtensions(mapped.extensions) };
      }
      // The parser's token cap is an operation limit like the others.
      const tokens = /^Syntax Error: Document contains more tha[nt] (\d+) tokens/.exec(formatted.message);
      if (tokens) {
        return { message: `Operation too complex: more than ${tokens[1]} tokens`, extensions: { code: 'QUERY_TOO_COMPLEX', limit: 'tokens', max: Number(tokens[1]) } };
      }
      // Apollo relabels validation-phase errors; bad literal input keeps its own code.
      const code = original instanceof BadUserInputError || findBadInput(error) ? 'BAD_USER_INPUT' : formatted.extensions?.code;
      if (typeof code === 'string' && PUBLIC_CODES.has(code)) {
        return {
          message: formatted.message,
          locations: formatted.locations,
          path: formatted.path,
          extensions: publicExtensions({ ...formatted.extensions, code }),
        };
      }
      logger.error({ err: describe(original) }, 'unexpected error masked as INTERNAL_SERVER_ERROR');
    } catch {
      // fall through to the masked answer
    }
    return { message: 'Internal server error', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}

function findBadInput(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; depth < 4 && e; depth++) {
    if (e instanceof BadUserInputError) return true;
    e = (e as { originalError?: unknown }).originalError;
  }
  return false;
}

function publicExtensions(extensions: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(extensions ?? {})) if (PUBLIC_EXTENSIONS.has(k)) out[k] = v;
  return out;
}

/** Error name and stack for operators; messages may quote caller input, so digits are masked. */
function describe(err: unknown): { name: string; message: string; stack?: string } {
  if (!(err instanceof Error)) return { name: typeof err, message: '' };
  const mask = (s: string) => s.replace(/\d{6,}/g, (d) => `${d.slice(0, 3)}***`);
  return { name: err.name, message: mask(err.message), stack: err.stack && mask(err.stack) };
}

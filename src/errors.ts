import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type ASTNode, type GraphQLFormattedError } from 'graphql';
import { UpstreamError } from '../connectors/UpstreamError';
import { StoreUnavailableError } from './store/StoreUnavailableError';
import type { RegistryName } from '../connectors/types';

/**
 * Error codes are the public API (`errors[].extensions.code`); the helpers below are
 * the only way the gateway creates client-facing errors.
 */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'PURPOSE_REQUIRED'
  | 'CONSENT_REQUIRED'
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_TIMEOUT'
  | 'QUERY_TOO_COMPLEX'
  | 'RATE_LIMITED'
  | 'PERSISTED_QUERY_NOT_FOUND'
  | 'STORE_UNAVAILABLE'
  | 'INTERNAL_SERVER_ERROR';

/** Codes a client may see, ours and the request-level ones Apollo Server produces. */
const PUBLIC_CODES = new Set<string>([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'PURPOSE_REQUIRED',
  'CONSENT_REQUIRED',
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_TIMEOUT',
  'QUERY_TOO_COMPLEX',
  'RATE_LIMITED',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'STORE_UNAVAILABLE',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
]);

/** Extension keys a client may see; anything else (stack traces, http, upstream detail) is dropped. */
const PUBLIC_EXTENSIONS = new Set(['code', 'field', 'reason', 'registry', 'denied', 'rule', 'limit', 'max', 'actual', 'retryAfter', 'purpose']);

const REGISTRY_LABEL: Record<RegistryName, string> = {
  POPULATION: 'population',
  RESIDENCE: 'residence',
  DOCUMENTS: 'issued-document',
};

/**
 * Bad input a caller can fix. `field` names the argument, variable or header;
 * `reason` says what is wrong without repeating the value.
 */
export class BadUserInputError extends GraphQLError {
  constructor(reason: string, options: { field?: string; nodes?: ASTNode | readonly ASTNode[] } = {}) {
    super(`Invalid input: ${reason}`, {
      nodes: options.nodes,
      extensions: { code: 'BAD_USER_INPUT', reason, ...(options.field ? { field: options.field } : {}) },
    });
  }
}

/** Apollo Server reads `extensions.http` for the response status; it never reaches the client. */
function withStatus(status: number, headers?: Record<string, string>) {
  return { http: headers ? { status, headers: new Map(Object.entries(headers)) } : { status } };
}

export function unauthenticated(reason: string): GraphQLError {
  return new GraphQLError(`Authentication failed: ${reason}`, {
    extensions: {
      code: 'UNAUTHENTICATED',
      reason,
      ...withStatus(401, { 'www-authenticate': 'Bearer error="invalid_token"' }),
    },
  });
}

export function forbidden(message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'FORBIDDEN', ...extensions, ...withStatus(403) } });
}

export function purposeRequired(): GraphQLError {
  return new GraphQLError('Agency requests that read citizen data must declare a purpose in the X-Purpose header', {
    extensions: { code: 'PURPOSE_REQUIRED', field: 'X-Purpose', ...withStatus(403) },
  });
}

export function consentRequired(agencyName: string, purposeTitle: string): GraphQLError {
  return new GraphQLError(`The citizen has not consented to ${agencyName} reading their data for "${purposeTitle}"`, {
    extensions: { code: 'CONSENT_REQUIRED', ...withStatus(403) },
  });
}

/** The gateway's own store (consents, audit trail) cannot be used: no citizen data until it can. */
export function storeUnavailable(what: string): GraphQLError {
  return new GraphQLError(`${what} cannot be reached, so no citizen data is served; try again shortly`, {
    extensions: { code: 'STORE_UNAVAILABLE', ...withStatus(503) },
  });
}

/** Too many lookups; `retryAfter` in seconds, also sent as the Retry-After header. */
export function rateLimited(retryAfterSeconds: number, what: string): GraphQLError {
  return new GraphQLError(`Too many ${what}; try again in ${retryAfterSeconds} s`, {
    extensions: { code: 'RATE_LIMITED', retryAfter: retryAfterSeconds, ...withStatus(429, { 'retry-after': String(retryAfterSeconds) }) },
  });
}

/** An operation over one of its limits, decided before execution. */
export function tooComplex(limit: string, max: number, actual: number): GraphQLError {
  return new GraphQLError(`Operation too complex: ${limit} ${actual} exceeds ${max}`, {
    extensions: { code: 'QUERY_TOO_COMPLEX', limit, max, actual, ...withStatus(400) },
  });
}

export function notFound(registry: RegistryName): GraphQLError {
  return new GraphQLError(`The ${REGISTRY_LABEL[registry]} registry has no record for this personal ID`, {
    extensions: { code: 'NOT_FOUND', registry },
  });
}

/** The client-facing form of a registry failure: which registry, never what it said. */
export function upstreamFailure(err: UpstreamError): GraphQLError {
  const label = REGISTRY_LABEL[err.registry];
  return err.failure === 'timeout'
    ? new GraphQLError(`The ${label} registry did not answer in time`, {
        extensions: { code: 'UPSTREAM_TIMEOUT', registry: err.registry },
      })
    : new GraphQLError(`The ${label} registry is unavailable`, {
        extensions: { code: 'UPSTREAM_UNAVAILABLE', registry: err.registry },
      });
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

import type { Caller } from '../auth/caller';
import type { Loaders } from './createLoaders';
import type { RequestScope } from './requestScope';

/** A record served past its freshness because its registry is down, said in `extensions.warnings`. */
export interface ResponseWarning {
  code: 'STALE_DATA';
  message: string;
  path: (string | number)[];
  registry: string;
  ageSeconds: number;
}

/** What a resolver that assembles citizen data itself (prefill, verification, a watch) disclosed, for the audit. */
export interface AssembledDisclosure {
  subjectId: string;
  /** Field paths (`person.fullName`, `verify.dateOfBirth`), never values. */
  fields: string[];
  registries: string[];
  /** The case it was for, when the operation names one itself (a watch's), rather than `X-Case-Id`. */
  caseId?: string;
  /** `failed` (with the error code as `reason`) when nothing could be returned, e.g. no such citizen; else disclosed. */
  outcome?: 'failed';
  reason?: string;
}

/** What the log line of one request gathers while the request is served. */
export interface RequestLogState {
  operationType: string | null;
  operationName: string | null;
  /** Error codes of the response, each once. */
  errors: string[];
  /** Whether the response carried data. */
  data: boolean;
  /** Most citizens the operation could read. */
  citizens: number;
}

/** A fresh log state for a request. */
export function newRequestLog(): RequestLogState {
  return { operationType: null, operationName: null, errors: [], data: false, citizens: 0 };
}

/**
 * What every part of the gateway knows about one request, whatever serves it: who
 * calls, for which declared purpose, the request's loaders and clock, and what the
 * response will disclose. Access, audit and resolvers build on it; it depends on
 * none of them.
 */
export interface RequestContext {
  requestId: string;
  caller: Caller;
  /** `X-Purpose`, validated; null when absent. */
  purpose: string | null;
  /** `X-Case-Id`, validated; null when absent. */
  caseId: string | null;
  loaders: Loaders;
  now: () => Date;
  /** Which citizen is at each concrete response path (`citizen.person.children.1`), as resolved. */
  citizensAt: Map<string, string>;
  /** Disclosures assembled by resolvers (prefill, verification). */
  disclosures: AssembledDisclosure[];
  /** Warnings for `extensions.warnings`, e.g. data served stale because a registry is down. */
  warnings: ResponseWarning[];
  /** Trace and registry timings of the HTTP request, for logs and registry calls. */
  scope?: RequestScope;
  /** The request's log line, filled in as the request goes. */
  log: RequestLogState;
}

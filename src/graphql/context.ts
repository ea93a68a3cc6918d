import type { AccessDecision, Policy } from '../access/authorize';
import type { OperationAnalysis } from '../access/analyzeOperation';
import type { AccessLogReader } from '../audit/AccessLogReader';
import type { Caller } from '../auth/caller';
import type { ConsentStore } from '../consent/ConsentStore';
import type { PolicyCatalogue } from '../policy/loadCatalogue';
import type { FormDefinition } from '../forms/loadForms';
import type { KeyRing } from '../keys/loadKeyRing';
import type { RateLimiter } from '../limits/RateLimiter';
import type { Loaders } from './createLoaders';
import type { RequestLogState } from './createRequestLogger';

/** What every resolver and plugin sees about the request. */
export interface GatewayContext {
  requestId: string;
  caller: Caller;
  /** `X-Purpose`, validated; null when absent. */
  purpose: string | null;
  /** `X-Case-Id`, validated; null when absent. */
  caseId: string | null;
  loaders: Loaders;
  catalogue: PolicyCatalogue;
  policy: Policy;
  forms: ReadonlyMap<string, FormDefinition>;
  keys: KeyRing;
  rateLimiter: RateLimiter;
  settings: { attestationTtlSeconds: number; verifyRateLimit: { max: number; windowMs: number } };
  consents: ConsentStore;
  accessLog: AccessLogReader;
  now: () => Date;
  /** Which citizen each resolved Citizen object is, by concrete response path (for the audit). */
  citizensAt: Map<string, string>;
  /** Audit records of resolvers that assemble citizen data themselves (prefill, verification). */
  auditExtras: AuditExtra[];
  /** Warnings for `extensions.warnings`, e.g. data served stale because a registry is down. */
  warnings: ResponseWarning[];
  /** The request's log line, filled in by the request logger. */
  requestLog?: RequestLogState;
  /** The operation's variables, coerced (set before execution). */
  variables?: Record<string, unknown>;
  /** What the operation would disclose, computed before execution by the access plugin. */
  analysis?: OperationAnalysis;
  /** The access decision for the operation, set before execution. */
  access?: AccessDecision;
}

export interface ResponseWarning {
  code: 'STALE_DATA';
  message: string;
  path: (string | number)[];
  registry: string;
  ageSeconds: number;
}

export interface AuditExtra {
  subjectId: string;
  fields: string[];
  registries: string[];
  outcome: 'disclosed' | 'denied' | 'failed';
  reason: string | null;
}

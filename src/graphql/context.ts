import type { AccessDecision } from '../access/authorize';
import type { OperationAnalysis } from '../access/analyzeOperation';
import type { AccessLogReader } from '../audit/AccessLogReader';
import type { Caller } from '../auth/caller';
import type { ConsentStore } from '../consent/ConsentStore';
import type { PolicyCatalogue } from '../policy/loadCatalogue';
import type { Loaders } from './createLoaders';

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
  consents: ConsentStore;
  accessLog: AccessLogReader;
  now: () => Date;
  /** Which citizen each resolved Citizen object is, by concrete response path (for the audit). */
  citizensAt: Map<string, string>;
  /** Warnings for `extensions.warnings`, e.g. data served stale because a registry is down. */
  warnings: ResponseWarning[];
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

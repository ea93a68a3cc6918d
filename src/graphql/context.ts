import type { AccessDecision } from '../access/authorize';
import type { OperationAnalysis } from '../access/analyzeOperation';
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
  now: () => Date;
  /** What the operation would disclose, computed before execution by the access plugin. */
  analysis?: OperationAnalysis;
  /** The access decision for the operation, set before execution. */
  access?: AccessDecision;
}

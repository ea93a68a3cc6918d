import type { OperationAccess } from '../access/authorizeOperation';
import type { AccessLogReader } from '../audit/AccessLogReader';
import type { ConsentStore } from '../consent/ConsentStore';
import type { CorrectionService } from '../corrections/CorrectionService';
import type { FormDefinition } from '../forms/loadForms';
import type { KeyRing } from '../keys/loadKeyRing';
import type { NoticeStore } from '../notices/NoticeStore';
import type { PolicyCatalogue } from '../policy/loadCatalogue';
import type { PolicyInsight } from '../access/purposeNeeds';
import type { RequestContext } from '../request/RequestContext';

/** What resolvers see: the request, the services they read, and the operation's access decision. */
export interface GatewayContext extends RequestContext {
  catalogue: PolicyCatalogue;
  forms: ReadonlyMap<string, FormDefinition>;
  /** The access decision and what each purpose needs, for whyNot and policyReport. */
  policy: PolicyInsight;
  keys: KeyRing;
  settings: { attestationTtlSeconds: number; watchMaxDays: number };
  consents: ConsentStore;
  /** Agencies' watches and their dead letters. */
  notices: NoticeStore;
  accessLog: AccessLogReader;
  /** Citizens' requests to correct registry data. */
  corrections: CorrectionService;
  /** Decided before execution (src/access/authorizeOperation.ts); execution runs only when allowed. */
  access?: OperationAccess;
}

/** The operation's access decision; resolvers run only once it allowed the operation. */
export function allowedAccess(ctx: GatewayContext) {
  if (!ctx.access?.ok) throw new Error('resolvers run only for operations the access decision allowed');
  return ctx.access;
}

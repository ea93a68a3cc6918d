import type { GraphQLFormattedError } from 'graphql';
import { createOperationAuthorizer } from '../access/authorizeOperation';
import { createDisclosurePlans, type DisclosurePlans } from '../audit/disclosurePlan';
import type { GatewayConfig } from '../config';
import type { Services } from '../createServices';
import { createErrorFormatter } from '../errors';
import type { Logger } from '../logger';
import { countOverCollection } from '../access/purposeNeeds';
import { createResponseAuditor, type AuditResponse } from './respond';

/** What every way of serving an operation shares: the access decision, the audit, error formatting. */
export interface OperationPipeline {
  authorize: ReturnType<typeof createOperationAuthorizer>;
  auditResponse: AuditResponse;
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  plans: DisclosurePlans;
}

/** Built once per gateway; Apollo Server's plugins and the compiled lane hold the same instances. */
export function createOperationPipeline(config: GatewayConfig, services: Services, logger: Logger): OperationPipeline {
  const authorize = createOperationAuthorizer({
    schema: services.schema,
    facts: services.facts,
    decide: services.decide,
    forms: services.forms,
    consents: services.consents,
    limits: config.limits,
    lookups: services.lookups,
    allowAnonymousIntrospection: config.development,
    onAnalysis: () => services.metrics.operationAnalysed(),
  });
  const plans = createDisclosurePlans(
    services.schema,
    services.facts,
    config.auditPlanCheck
      ? (detail) => {
          services.metrics.auditPlanMismatch();
          logger.error(detail, 'disclosure plan and walk of the answer disagree');
        }
      : undefined,
  );
  const auditResponse = createResponseAuditor({
    schema: services.schema,
    facts: services.facts,
    catalogue: services.catalogue,
    audit: services.audit,
    logger,
    defaultRetentionDays: config.audit.defaultRetentionDays,
    plans,
    onWaited: (s) => services.metrics.auditWaited(s),
    onRecorded: (entries) => countOverCollection(entries, services.policy, services.metrics),
  });
  return { authorize, auditResponse, formatError: createErrorFormatter(logger), plans };
}

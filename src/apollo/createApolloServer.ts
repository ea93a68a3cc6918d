import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { GatewayConfig } from '../config';
import type { Services } from '../createServices';
import type { OperationPipeline } from '../operation/createOperationPipeline';
import type { GatewayContext } from '../graphql/context';
import type { Logger } from '../logger';
import { createAccessPlugin } from './createAccessPlugin';
import { createAuditPlugin } from './createAuditPlugin';
import { createInputErrorsPlugin } from './createInputErrorsPlugin';
import { createLanguagePlugin } from './createLanguagePlugin';
import { createLogPlugin } from './createLogPlugin';
import { createTracingPlugin } from './createTracingPlugin';
import { createWarningsPlugin } from './createWarningsPlugin';

export interface ApolloOptions {
  config: GatewayConfig;
  services: Services;
  logger: Logger;
  /** The access decision, audit and error formatting, shared with the compiled lane. */
  pipeline: OperationPipeline;
}

/**
 * Apollo Server with the gateway's plugins, each a thin adapter: access decided before
 * execution, the audit written before the response leaves, warnings, the log line,
 * metrics. Production hides schema details; nothing is registered at run time.
 */
export function createApolloServer(options: ApolloOptions): ApolloServer<GatewayContext> {
  const { config, services, logger, pipeline } = options;
  return new ApolloServer<GatewayContext>({
    schema: services.schema,
    formatError: pipeline.formatError,
    includeStacktraceInErrorResponses: false,
    introspection: !config.production,
    // Nothing is registered at run time: production runs the manifest's operations only.
    persistedQueries: false,
    csrfPrevention: { requestHeaders: ['x-apollo-operation-name', 'apollo-require-preflight', 'authorization'] },
    allowBatchedHttpRequests: false,
    // The gateway drains and stops on SIGTERM itself (src/createGateway.ts, src/main.ts).
    stopOnTerminationSignals: false,
    parseOptions: { maxTokens: config.limits.tokens },
    // Production answers name no schema detail: no "did you mean" suggestions.
    hideSchemaDetailsFromClientErrors: config.production,
    logger: {
      debug: () => {},
      info: (m) => logger.info(m),
      warn: (m) => logger.warn(m),
      error: (m) => logger.error(m),
    },
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      // Every response is `no-store` (src/http/security.ts): computing cache hints would wrap
      // each resolver for nothing.
      ApolloServerPluginCacheControlDisabled(),
      // A Federation subgraph would otherwise add field timings and errors to any response
      // whose request asks for them (`apollo-federation-include-trace`): nothing leaves but the answer.
      ApolloServerPluginInlineTraceDisabled(),
      // Absent while tracing is off: not even a call per request.
      ...(services.tracing.enabled ? [createTracingPlugin()] : []),
      createInputErrorsPlugin(),
      createAccessPlugin(pipeline.authorize),
      services.metrics.graphqlPlugin(),
      createWarningsPlugin(),
      createLogPlugin(),
      createAuditPlugin(pipeline.auditResponse),
      // Last: it words in Vietnamese whatever the others answered, the audit's refusal included.
      createLanguagePlugin(),
    ],
  });
}

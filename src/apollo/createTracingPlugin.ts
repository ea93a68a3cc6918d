import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../graphql/context';

/**
 * The GraphQL operation's span, under the request's: named by the operation's type and
 * name once resolved, with the response's error codes. Never the document, variables
 * or values. It ends with the response (src/request/requestScope.ts), not in
 * `willSendResponse`, so that the audit commit made before the response leaves is
 * inside it. Installed only while tracing is on.
 */
export function createTracingPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      const trace = contextValue.scope?.trace;
      if (!trace) return;
      trace.startOperation();
      return {
        async didResolveOperation({ operation, operationName }) {
          trace.nameOperation(operation?.operation ?? null, operationName ?? null);
        },
        async willSendResponse({ response }) {
          const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
          if (errors) trace.operationErrors(errors.map((e) => String(e.extensions?.code ?? 'UNKNOWN')));
        },
      };
    },
  };
}

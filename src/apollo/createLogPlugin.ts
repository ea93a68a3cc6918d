import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../graphql/context';
import { fillRequestLog } from '../operation/respond';

/** Fills the request's log line (src/http/createRequestLogger.ts) with what Apollo Server knows. */
export function createLogPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response, operation, operationName }) {
          fillRequestLog(contextValue, operation, operationName, response.body.kind === 'single' ? response.body.singleResult : undefined);
        },
      };
    },
  };
}

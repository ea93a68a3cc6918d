import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../graphql/context';

/** Fills the request's log line (src/http/createRequestLogger.ts) with what Apollo Server knows. */
export function createLogPlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue: ctx, response, operation, operationName }) {
          const result = response.body.kind === 'single' ? response.body.singleResult : undefined;
          ctx.log.operationType = operation?.operation ?? null;
          ctx.log.operationName = operationName ?? null;
          ctx.log.errors = [...new Set((result?.errors ?? []).map((e) => String(e.extensions?.code ?? 'UNKNOWN')))];
          ctx.log.data = !!result?.data;
          ctx.log.citizens = ctx.access?.ok ? ctx.access.analysis.citizenBound : 0;
        },
      };
    },
  };
}

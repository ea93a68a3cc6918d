import type { ApolloServerPlugin } from '@apollo/server';
import type { RequestContext } from '../request/RequestContext';

/** Adds the request's warnings (e.g. stale data) to `extensions.warnings` of the response. */
export function createWarningsPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          if (contextValue.warnings.length === 0 || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          if (!result.data) return;
          result.extensions = { ...result.extensions, warnings: contextValue.warnings };
        },
      };
    },
  };
}

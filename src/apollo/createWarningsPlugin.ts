import type { ApolloServerPlugin } from '@apollo/server';
import { addWarnings } from '../operation/respond';
import type { RequestContext } from '../request/RequestContext';

/** Adds the request's warnings (e.g. stale data) to `extensions.warnings` of the response. */
export function createWarningsPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          if (response.body.kind === 'single') addWarnings(contextValue, response.body.singleResult);
        },
      };
    },
  };
}

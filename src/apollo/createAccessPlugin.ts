import type { ApolloServerPlugin } from '@apollo/server';
import type { createOperationAuthorizer } from '../access/authorizeOperation';
import type { GatewayContext } from '../graphql/context';

/**
 * Apollo Server's adapter of the operation authorizer: after validation and before
 * execution, decides the whole operation once and keeps the outcome in the context
 * (resolvers and the audit read it); a refusal answers with its error and no
 * registry call is made.
 */
export function createAccessPlugin(authorize: ReturnType<typeof createOperationAuthorizer>): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request, contextValue }) {
          if (!operation) return;
          const access = await authorize({ document, operation, variables: request.variables, ctx: contextValue });
          contextValue.access = access;
          if (!access.ok) throw access.error;
        },
      };
    },
  };
}

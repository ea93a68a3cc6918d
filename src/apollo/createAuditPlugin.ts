import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../graphql/context';
import type { AuditResponse } from '../operation/respond';

/**
 * Apollo Server's adapter of the audit trail (src/operation/respond.ts): the records of
 * an operation are written before its response leaves, or the response is withheld.
 */
export function createAuditPlugin(auditResponse: AuditResponse): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response, document, operation }) {
          if (!document || !operation || response.body.kind !== 'single') return;
          const withheld = await auditResponse(contextValue, document, operation, response.body.singleResult);
          if (withheld) {
            response.body.singleResult = withheld.result;
            response.http.status = withheld.status;
          }
        },
      };
    },
  };
}

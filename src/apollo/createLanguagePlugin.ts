import type { ApolloServerPlugin } from '@apollo/server';
import { inVietnamese, prefersVietnamese } from '../operation/respond';

export { prefersVietnamese } from '../operation/respond';

/**
 * Errors in Vietnamese for those who ask: every error carries `extensions.messageVi`;
 * a request whose `Accept-Language` prefers Vietnamese gets it as the `message` itself
 * (a portal shows it to the citizen or the commune official as is). Codes never change.
 */
export function createLanguagePlugin<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart({ request }) {
      if (!prefersVietnamese(request.http?.headers.get('accept-language'))) return {};
      return {
        async willSendResponse({ response }) {
          if (response.body.kind === 'single') inVietnamese(response.body.singleResult);
        },
      };
    },
  };
}

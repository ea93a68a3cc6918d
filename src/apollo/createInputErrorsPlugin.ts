import type { ApolloServerPlugin } from '@apollo/server';
import { nameBadInputArguments } from '../operation/respond';

/**
 * Names the argument in BAD_USER_INPUT errors raised while validating literals
 * (src/operation/respond.ts), as `extensions.field`.
 */
export function createInputErrorsPlugin<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, document }) {
          nameBadInputArguments(errors, document);
        },
      };
    },
  };
}

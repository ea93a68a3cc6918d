import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, visit, type ASTNode, type DocumentNode } from 'graphql';
import { BadUserInputError } from '../errors';

/**
 * Names the argument in BAD_USER_INPUT errors raised while validating literals: a
 * scalar's parser sees only the value, so the argument it belongs to is found here,
 * in the document, and set as `extensions.field`.
 */
export function createInputErrorsPlugin<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, document }) {
          if (!document) return;
          for (const error of errors) {
            if (!isBadInput(error) || error.extensions.field !== undefined) continue;
            const node = error.nodes?.[0];
            const argument = node && argumentHolding(document, node);
            if (argument) (error.extensions as Record<string, unknown>).field = argument;
          }
        },
      };
    },
  };
}

function isBadInput(error: GraphQLError): boolean {
  return error instanceof BadUserInputError || error.originalError instanceof BadUserInputError;
}

function argumentHolding(document: DocumentNode, target: ASTNode): string | undefined {
  let found: string | undefined;
  visit(document, {
    Argument(arg) {
      if (found) return false;
      let inside = false;
      visit(arg.value, {
        enter(n) {
          if (n === target) inside = true;
          return inside ? false : undefined;
        },
      });
      if (inside) found = arg.name.value;
      return undefined;
    },
  });
  return found;
}

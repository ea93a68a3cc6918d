import type { ApolloServerPlugin } from '@apollo/server';
import { getVariableValues, GraphQLError, Kind, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { BadUserInputError } from '../errors';
import type { GatewayContext } from '../graphql/context';
import type { AccessRules } from './accessRules';
import { analyzeOperation, OperationTooLargeError } from './analyzeOperation';
import type { Authorizer } from './authorize';

export interface AccessPluginOptions {
  schema: GraphQLSchema;
  rules: AccessRules;
  authorize: Authorizer;
  maxSelections?: number;
}

/**
 * Decides access once per operation, after validation and before execution: coerces
 * the variables, computes what the operation would disclose, and refuses it (with no
 * registry call made) when the caller may not see it.
 */
export function createAccessPlugin(options: AccessPluginOptions): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request, contextValue }) {
          if (!operation) return;
          const variables = coerceVariables(options.schema, operation, request.variables);
          let analysis;
          try {
            analysis = analyzeOperation({ schema: options.schema, rules: options.rules, document, operation, variables, maxSelections: options.maxSelections });
          } catch (err) {
            if (err instanceof OperationTooLargeError) {
              throw new GraphQLError(`Operation too complex: ${err.message}`, {
                extensions: { code: 'QUERY_TOO_COMPLEX', limit: 'selections', http: { status: 400 } },
              });
            }
            throw err;
          }
          contextValue.variables = variables;
          contextValue.analysis = analysis;
          contextValue.access = await options.authorize(analysis, contextValue);
        },
      };
    },
  };
}

/** Coerces variables as execution will; the first problem becomes BAD_USER_INPUT naming the variable. */
function coerceVariables(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  raw: Record<string, unknown> | undefined,
): Record<string, unknown> {
  const result = getVariableValues(schema, operation.variableDefinitions ?? [], raw ?? {}, { maxErrors: 1 });
  if (!result.errors) return result.coerced;
  const error = result.errors[0] as GraphQLError;
  const node = error.nodes?.[0];
  const field = node?.kind === Kind.VARIABLE_DEFINITION ? node.variable.name.value : undefined;
  const original = error.originalError;
  const reason = original instanceof BadUserInputError ? String(original.extensions.reason) : error.message;
  const bad = new BadUserInputError(reason, { field, nodes: node });
  bad.extensions.http = { status: 400 };
  throw bad;
}

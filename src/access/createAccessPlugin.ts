import type { ApolloServerPlugin } from '@apollo/server';
import { getVariableValues, GraphQLError, Kind, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { BadUserInputError, rateLimited, tooComplex } from '../errors';
import type { OperationLimits } from '../config';
import type { RateLimiter } from '../limits/RateLimiter';
import type { GatewayContext } from '../graphql/context';
import type { AccessRules } from './accessRules';
import { analyzeOperation, OperationTooLargeError } from './analyzeOperation';
import type { Authorizer } from './authorize';

export interface AccessPluginOptions {
  schema: GraphQLSchema;
  rules: AccessRules;
  authorize: Authorizer;
  limits: OperationLimits;
  /** Citizens readable per caller per window, counted as the operation's citizen bound. */
  lookups: { limiter: RateLimiter; citizen: number; agency: number; windowMs: number };
  maxSelections?: number;
}

/** The first limit an operation exceeds, if any. */
function overLimit(a: { maxDepth: number; aliasCount: number; rootFields: unknown[]; citizenBound: number; cost: number }, l: OperationLimits) {
  const checks: [string, number, number][] = [
    ['depth', l.depth, a.maxDepth],
    ['aliases', l.aliases, a.aliasCount],
    ['rootFields', l.rootFields, a.rootFields.length],
    ['citizens', l.citizens, a.citizenBound],
    ['cost', l.cost, a.cost],
  ];
  return checks.find(([, max, actual]) => actual > max);
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
          const over = overLimit(analysis, options.limits);
          if (over) throw tooComplex(...over);
          contextValue.variables = variables;
          contextValue.analysis = analysis;
          contextValue.access = await options.authorize(analysis, contextValue);
          // Rate limits count citizens read, not requests: one household query costs its members.
          const caller = contextValue.caller;
          if (analysis.citizenBound > 0 && caller.kind !== 'anonymous') {
            const { limiter, windowMs } = options.lookups;
            const key = caller.kind === 'agency' ? `lookups:agency:${caller.agency}:${caller.officialId}` : `lookups:citizen:${caller.personalId}`;
            const decision = await limiter.consume(key, caller.kind === 'agency' ? options.lookups.agency : options.lookups.citizen, windowMs, analysis.citizenBound);
            if (!decision.allowed) throw rateLimited(decision.retryAfterSeconds, 'citizen lookups');
          }
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

import type { ApolloServerPlugin, GraphQLResponse } from '@apollo/server';
import type { RequestHandler } from 'express';
import { maskPersonalId } from '../domain/personalId';
import { scopeOf } from '../http/requestScope';
import type { Logger } from '../logger';
import type { GatewayContext } from './context';

/** What the log line of one request gathers while the request goes. */
export interface RequestLogState {
  /** The context plugins saw (Apollo hands them a shallow copy of the one built for the request). */
  ctx: GatewayContext;
  response?: GraphQLResponse;
  operationType?: string | null;
  operationName?: string | null;
}

/**
 * One structured line per GraphQL request, written when the response has gone out (so
 * it reflects a response withheld by the audit): request and trace ids, who called
 * (agency and official, or a masked citizen ID), purpose, operation name and type,
 * status, outcome and error codes, duration, and each registry's calls and time.
 * Never a variable, a value, a token, a name or an address.
 */
export function createRequestLogger(logger: Logger): {
  plugin: ApolloServerPlugin<GatewayContext>;
  middleware: RequestHandler;
  /** Ties a request's context to its log line; the state travels in the context by reference. */
  attach(res: { locals: Record<string, unknown> }, ctx: GatewayContext): void;
} {
  return {
    attach(res, ctx) {
      ctx.requestLog = { ctx };
      res.locals.graphqlLog = ctx.requestLog;
    },
    plugin: {
      async requestDidStart({ contextValue }) {
        return {
          async willSendResponse({ response, operation, operationName }) {
            const pending = contextValue.requestLog;
            if (pending) Object.assign(pending, { ctx: contextValue, response, operationType: operation?.operation ?? null, operationName });
          },
        };
      },
    },
    middleware: (_req, res, next) => {
      const started = performance.now();
      const scope = scopeOf(res);
      res.on('finish', () => {
        const pending = res.locals.graphqlLog as RequestLogState | undefined;
        if (!pending) return;
        const { ctx, response } = pending;
        const caller = ctx.caller;
        const result = response?.body.kind === 'single' ? response.body.singleResult : undefined;
        const codes = [...new Set((result?.errors ?? []).map((e) => String(e.extensions?.code ?? 'UNKNOWN')))];
        logger.info(
          {
            requestId: ctx.requestId,
            traceId: scope?.traceId,
            caller:
              caller.kind === 'agency'
                ? { kind: 'agency', agency: caller.agency, official: caller.officialId }
                : caller.kind === 'citizen'
                  ? { kind: 'citizen', citizen: maskPersonalId(caller.personalId) }
                  : { kind: 'anonymous' },
            purpose: ctx.purpose,
            operation: {
              name: pending.operationName && /^[_A-Za-z][_0-9A-Za-z]{0,100}$/.test(pending.operationName) ? pending.operationName : null,
              type: pending.operationType ?? null,
            },
            status: res.statusCode,
            outcome: codes.length === 0 ? 'success' : result?.data ? 'partial' : 'error',
            errors: codes,
            citizens: ctx.analysis?.citizenBound ?? 0,
            durationMs: Math.round(performance.now() - started),
            registries: Object.fromEntries([...(scope?.registries ?? new Map())].map(([n, t]) => [n.toLowerCase(), { calls: t.calls, ms: Math.round(t.ms) }])),
          },
          'graphql request',
        );
      });
      next();
    },
  };
}

import type { RequestHandler, Response } from 'express';
import { maskOfficialId, maskPersonalId } from '../domain/personalId';
import type { Logger } from '../logger';
import type { RequestContext } from '../request/RequestContext';
import { scopeOf } from '../request/requestScope';

const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,100}$/;

/**
 * One structured line per GraphQL request, written when the response has gone out (so
 * it reflects a response withheld by the audit): request and trace ids, who called
 * (agency and official, or a masked citizen ID), purpose, operation name and type,
 * status, outcome and error codes, duration, and each registry's calls and time.
 * Never a variable, a value, a token, a name or an address.
 */
export function createRequestLogger(logger: Logger): {
  middleware: RequestHandler;
  /** Ties a request's context to the response whose log line it fills. */
  attach(res: Response, ctx: RequestContext): void;
} {
  return {
    attach(res, ctx) {
      res.locals.requestContext = ctx;
    },
    middleware: (_req, res, next) => {
      const started = performance.now();
      const scope = scopeOf(res);
      res.on('finish', () => {
        const ctx = res.locals.requestContext as RequestContext | undefined;
        if (!ctx) return;
        const caller = ctx.caller;
        const log = ctx.log;
        logger.info(
          {
            requestId: ctx.requestId,
            traceId: scope?.traceId,
            caller:
              caller.kind === 'agency'
                ? { kind: 'agency', agency: caller.agency, official: maskOfficialId(caller.officialId) }
                : caller.kind === 'citizen'
                  ? { kind: 'citizen', citizen: maskPersonalId(caller.personalId) }
                  : { kind: 'anonymous' },
            purpose: ctx.purpose,
            operation: { name: log.operationName && OPERATION_NAME.test(log.operationName) ? log.operationName : null, type: log.operationType },
            status: res.statusCode,
            outcome: log.errors.length === 0 ? 'success' : log.data ? 'partial' : 'error',
            errors: log.errors,
            citizens: log.citizens,
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

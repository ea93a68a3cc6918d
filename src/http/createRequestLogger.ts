import type { ServerResponse } from 'node:http';
import type { RequestHandler, Response } from 'express';
import pino from 'pino';
import { maskOfficialId, maskPersonalId } from '../domain/personalId';
import type { Logger } from '../logger';
import type { RequestContext } from '../request/RequestContext';
import { scopeOf, type RequestScope } from '../request/requestScope';

const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,100}$/;
const PENDING = Symbol('request log line');
const MESSAGE = 'graphql request';
const INFO = 30;

/** What a response's log line is written from once it has gone out. */
interface PendingLine {
  ctx: RequestContext | undefined;
  scope: RequestScope | undefined;
  started: number;
}

export interface RequestLogger {
  middleware: RequestHandler;
  /** Ties a request's context to the response whose log line it fills. */
  attach(res: Response, ctx: RequestContext): void;
  /** For a response served outside Express (the compiled lane): its line is written when it has gone out. */
  track(res: ServerResponse, ctx: RequestContext, scope: RequestScope | undefined, started: number): void;
}

/**
 * One structured line per GraphQL request, written when the response has gone out (so
 * it reflects a response withheld by the audit): request and trace ids, who called
 * (agency and official, or a masked citizen ID), purpose, operation name and type,
 * status, outcome and error codes, duration, and each registry's calls and time.
 * Never a variable, a value, a token, a name or an address.
 *
 * The line is built field by field from values that are safe by construction — ids
 * checked against their formats when the request came in, masked personal and official
 * IDs, error codes, counts — and written straight to the logger's destination in pino's
 * format, with none of the per-line redaction pass that the logger's other lines go through.
 */
export function createRequestLogger(logger: Logger): RequestLogger {
  const write = compileLine(logger);
  function onFinish(this: ServerResponse): void {
    const pending = (this as ServerResponse & { [PENDING]?: PendingLine })[PENDING];
    if (!pending?.ctx) return;
    write(pending.ctx, pending.scope, this.statusCode, performance.now() - pending.started);
  }
  return {
    attach(res, ctx) {
      const pending = (res as Response & { [PENDING]?: PendingLine })[PENDING];
      if (pending) pending.ctx = ctx;
    },
    track(res, ctx, scope, started) {
      (res as ServerResponse & { [PENDING]?: PendingLine })[PENDING] = { ctx, scope, started };
      res.on('finish', onFinish);
    },
    middleware: (_req, res, next) => {
      (res as Response & { [PENDING]?: PendingLine })[PENDING] = { ctx: undefined, scope: scopeOf(res), started: performance.now() };
      res.on('finish', onFinish);
      next();
    },
  };
}

type LineWriter = (ctx: RequestContext, scope: RequestScope | undefined, status: number, durationMs: number) => void;

/** The request line's writer: pino's own format with the logger's bindings fixed at start-up. */
function compileLine(logger: Logger): LineWriter {
  const holder = logger as unknown as Record<symbol, unknown>;
  const stream = holder[pino.symbols.streamSym] as { write(line: string): void } | undefined;
  const bindings = holder[pino.symbols.chindingsSym];
  if (!stream || typeof stream.write !== 'function' || typeof bindings !== 'string' || logger.levels.values.info !== INFO) {
    // Another logger (not pino's layout): the same fields through its ordinary call.
    return (ctx, scope, status, durationMs) => logger.info(lineFields(ctx, scope, status, durationMs), MESSAGE);
  }
  const head = `{"level":${INFO}`;
  const tail = `,"msg":"${MESSAGE}"}\n`;
  return (ctx, scope, status, durationMs) => {
    if (!logger.isLevelEnabled('info')) return;
    const caller = ctx.caller;
    const log = ctx.log;
    const who =
      caller.kind === 'agency'
        ? `{"kind":"agency","agency":${JSON.stringify(caller.agency)},"official":${JSON.stringify(maskOfficialId(caller.officialId))}}`
        : caller.kind === 'citizen'
          ? `{"kind":"citizen","citizen":${JSON.stringify(maskPersonalId(caller.personalId))}}`
          : '{"kind":"anonymous"}';
    const name = log.operationName && OPERATION_NAME.test(log.operationName) ? `"${log.operationName}"` : 'null';
    const type = log.operationType === null ? 'null' : JSON.stringify(log.operationType);
    let errors = '[]';
    if (log.errors.length > 0) errors = JSON.stringify(log.errors);
    let registries = '';
    if (scope) for (const [n, t] of scope.registries) registries += `${registries ? ',' : ''}"${n.toLowerCase()}":{"calls":${t.calls},"ms":${Math.round(t.ms)}}`;
    stream.write(
      `${head},"time":"${new Date().toISOString()}"${bindings},"requestId":${JSON.stringify(ctx.requestId)}${scope ? `,"traceId":"${scope.traceId}"` : ''},"caller":${who},"purpose":${ctx.purpose === null ? 'null' : JSON.stringify(ctx.purpose)},"operation":{"name":${name},"type":${type}},"status":${status},"outcome":"${log.errors.length === 0 ? 'success' : log.data ? 'partial' : 'error'}","errors":${errors},"citizens":${log.citizens},"durationMs":${Math.round(durationMs)},"registries":{${registries}}${tail}`,
    );
  };
}

/** The line's fields as an object, for a logger that is not pino's. */
function lineFields(ctx: RequestContext, scope: RequestScope | undefined, status: number, durationMs: number): object {
  const caller = ctx.caller;
  const log = ctx.log;
  return {
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
    status,
    outcome: log.errors.length === 0 ? 'success' : log.data ? 'partial' : 'error',
    errors: log.errors,
    citizens: log.citizens,
    durationMs: Math.round(durationMs),
    registries: Object.fromEntries([...(scope?.registries ?? new Map<string, { calls: number; ms: number }>())].map(([n, t]) => [n.toLowerCase(), { calls: t.calls, ms: Math.round(t.ms) }])),
  };
}

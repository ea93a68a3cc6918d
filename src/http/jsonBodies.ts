import type { ErrorRequestHandler, RequestHandler } from 'express';
import { graphqlErrorBody, statusOf } from '../errors';
import type { Logger } from '../logger';

/** GraphQL-over-HTTP POSTs must be JSON: anything else is refused before parsing (CSRF, spec). */
export const requireJsonBody: RequestHandler = (req, res, next) => {
  if (req.method !== 'POST') return next();
  const [type, ...params] = (req.headers['content-type'] ?? '').split(';').map((s) => s.trim().toLowerCase());
  const charset = params.find((p) => p.startsWith('charset='));
  if (type !== 'application/json' || (charset && charset !== 'charset=utf-8')) {
    res.status(415).json(graphqlErrorBody('BAD_REQUEST', 'POST /graphql needs Content-Type: application/json (UTF-8)'));
    return;
  }
  next();
};

/** Body-parser and other middleware errors as JSON, with no stack and no echo of the body. */
export function jsonErrors(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const type = (err as { type?: string }).type;
    const send = (status: number, code: 'BAD_REQUEST' | 'INTERNAL_SERVER_ERROR', message: string) => {
      if (res.headersSent) return;
      res.status(status).json(graphqlErrorBody(code, message));
    };
    if (type === 'entity.parse.failed') return send(400, 'BAD_REQUEST', 'The request body is not valid JSON');
    if (type === 'entity.too.large') return send(413, 'BAD_REQUEST', 'The request body is too large');
    if (type === 'encoding.unsupported' || type === 'charset.unsupported') return send(415, 'BAD_REQUEST', 'Unsupported body encoding');
    // A body that says it is gzip, deflate or br but does not decompress.
    const status = (err as { status?: unknown }).status;
    const decompressing = !!req.headers['content-encoding'] && req.headers['content-encoding'] !== 'identity';
    if (decompressing && (typeof (err as { errno?: unknown }).errno === 'number' || status === 400)) {
      return send(400, 'BAD_REQUEST', 'The request body does not decompress as its Content-Encoding says');
    }
    if (typeof status === 'number' && status >= 400 && status < 500) return send(status, 'BAD_REQUEST', 'The request body could not be read');
    logger.error({ err: { name: (err as Error).name } }, 'unhandled HTTP error');
    send(statusOf('INTERNAL_SERVER_ERROR'), 'INTERNAL_SERVER_ERROR', 'Internal server error');
  };
}

/** A request body read by the lane and handed to Express: parsed, or not JSON at all. */
export const PREREAD = Symbol('request body read by the compiled lane');
export type Preread = { body: unknown } | { failed: true };

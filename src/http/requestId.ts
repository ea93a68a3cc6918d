import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Takes the caller's `X-Request-Id` or makes one, and echoes it. A request id goes into
 * logs and the audit trail: one that could carry a personal ID is replaced.
 */
export const requestId: RequestHandler = (req, res, next) => {
  const id = requestIdOf(req.headers['x-request-id']);
  res.locals.requestId = id;
  res.setHeader('x-request-id', id);
  next();
};

/** The caller's request id when it is safe to log, else a new one. */
export function requestIdOf(given: string | string[] | undefined): string {
  return typeof given === 'string' && REQUEST_ID.test(given) && !/\d{9,}/.test(given) ? given : randomUUID();
}

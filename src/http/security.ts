import type { ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';

/**
 * Headers on every response. The API itself serves JSON only, so its policy is the
 * strictest; the development pages (playground, demo) load their own scripts and styles.
 */
export function securityHeaders(options: { production: boolean; development: boolean }): RequestHandler {
  return (req, res, next) => {
    const page = options.development && (req.path.startsWith('/playground') || req.path.startsWith('/demo') || (req.path === '/graphql' && req.method === 'GET'));
    setSecurityHeaders(res, page, !req.path.startsWith('/playground') && !req.path.startsWith('/demo'), options.production);
    next();
  };
}

const PAGE_POLICY = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";
const API_POLICY = "default-src 'none'; frame-ancestors 'none'";

/** The headers above on one response: a development page's policy or the API's; `no-store` unless a static page. */
export function setSecurityHeaders(res: ServerResponse, page: boolean, noStore: boolean, production: boolean): void {
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('cross-origin-resource-policy', 'same-origin');
  res.setHeader('permissions-policy', 'camera=(), microphone=(), geolocation=()');
  res.setHeader('content-security-policy', page ? PAGE_POLICY : API_POLICY);
  // Answers name citizens: no browser, proxy or CDN may keep them. Static pages set their own.
  if (noStore) res.setHeader('cache-control', 'no-store');
  if (production) res.setHeader('strict-transport-security', 'max-age=31536000; includeSubDomains');
}

/**
 * CORS for the portals on the allowlist, and for nobody else: other origins get no CORS
 * headers (the browser then refuses) and their preflights a 403.
 */
export function corsAllowlist(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins);
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (origin && allowed.has(origin)) setCorsHeaders(res, origin);
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      if (!origin || !allowed.has(origin)) {
        res.status(403).end();
        return;
      }
      res.setHeader('access-control-allow-methods', 'GET, POST');
      res.setHeader('access-control-allow-headers', 'authorization, content-type, x-purpose, x-case-id, x-request-id, traceparent, apollo-require-preflight');
      res.setHeader('access-control-max-age', '600');
      res.status(204).end();
      return;
    }
    next();
  };
}

/** The CORS headers of an answer to an allowed origin. */
export function setCorsHeaders(res: ServerResponse, origin: string): void {
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('vary', 'Origin');
  res.setHeader('access-control-allow-credentials', 'false');
  res.setHeader('access-control-expose-headers', 'x-request-id, retry-after');
}

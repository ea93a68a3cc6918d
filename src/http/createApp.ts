import express, { type RequestHandler } from 'express';
import type { BreakerState } from '../../connectors/CircuitBreaker';
import type { RegistryName } from '../../connectors/types';
import type { DevIdentityProvider } from '../auth/createDevIdentityProvider';
import type { AuditLog } from '../audit/AuditLog';
import type { Caches } from '../cache/createCaches';
import type { GatewayConfig } from '../config';
import { bilingual, graphqlErrorBody, routeErrorBody } from '../errors';
import type { KeyRing } from '../keys/loadKeyRing';
import type { Logger } from '../logger';
import type { GatewayMetrics } from '../metrics';
import type { PersistedOperation } from '../persisted/manifest';
import { persistedOperationsOnly } from '../persisted/persistedOperations';
import { createRequestScope } from '../request/requestScope';
import type { Tracing } from '../tracing/Tracing';
import type { RequestLogger } from './createRequestLogger';
import { createDemoRouter } from './demo';
import { createDevRouter } from './devRoutes';
import { createHealthRouter } from './healthRoutes';
import { jsonErrors, requireJsonBody, PREREAD, type Preread } from './jsonBodies';
import { createPlaygroundRouter } from './playground';
import { refuseAnonymous } from './refuseAnonymous';
import { createRegistryEventsRouter, type RegistryChangeListener } from './registryEvents';
import { requestId } from './requestId';
import { corsAllowlist, securityHeaders } from './security';

export interface AppOptions {
  config: GatewayConfig;
  logger: Logger;
  metrics: GatewayMetrics;
  audit: AuditLog;
  caches: Caches;
  keys: KeyRing;
  registryUrls: Record<RegistryName, string>;
  breakers: () => Record<RegistryName, BreakerState>;
  identityProvider?: DevIdentityProvider;
  persisted: ReadonlyMap<string, PersistedOperation> | null;
  /** Spans for each request while tracing is on. */
  tracing?: Tracing;
  /** The GraphQL server's handler, given the request logger to attach each request's context to. */
  graphql: (logger: RequestLogger) => RequestHandler;
  /** The log line of each GraphQL request, shared with the compiled lane. */
  requestLogger: RequestLogger;
  /** Work that follows a registry change event, after the cache is cleared. */
  changeListeners?: readonly RegistryChangeListener[];
  /** The gateway's clock. */
  now: () => Date;
  /** False while starting or draining. */
  accepting: () => boolean;
  draining: () => boolean;
}

/**
 * A body the compiled lane has read and left to Express (src/lane/createCompiledLane.ts):
 * it is what the JSON body parser would have made of it, and the parser, finding the
 * request read, leaves it alone.
 */
const prereadBody: RequestHandler = (req, _res, next) => {
  const preread = (req as typeof req & { [PREREAD]?: Preread })[PREREAD];
  if (!preread) return next();
  if ('failed' in preread) return next(Object.assign(new SyntaxError('The request body is not valid JSON'), { type: 'entity.parse.failed', status: 400 }));
  req.body = preread.body;
  next();
};

/** `/healthz`, and `/readyz` and `/metrics` when `operations`. */
function healthRouter(options: Pick<AppOptions, 'metrics' | 'breakers' | 'audit' | 'accepting' | 'caches'>, operations: boolean) {
  return createHealthRouter({
    metrics: options.metrics,
    breakers: options.breakers,
    checks: [
      { name: 'config', check: async () => true },
      // The audit trail's own probe: the store is writable and the chain lock can be taken in time.
      { name: 'store', check: () => options.audit.canCommit() },
    ],
    accepting: options.accepting,
    cache: () => options.caches.status(),
    operations,
  });
}

/**
 * The admin listener's surface (`ADMIN_PORT`): `/healthz`, `/readyz` and `/metrics`, for
 * operators and probes on a private network, never the public one.
 */
export function createAdminApp(options: Pick<AppOptions, 'metrics' | 'breakers' | 'audit' | 'accepting' | 'caches' | 'logger'>): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(healthRouter(options, true));
  app.use((_req, res) => {
    res.status(404).json(routeErrorBody('NOT_FOUND', 'No such route'));
  });
  app.use(jsonErrors(options.logger));
  return app;
}

/**
 * The HTTP surface: `/graphql` first (it takes nearly all traffic), then health,
 * registry events, JWKS and — in development only — the dev routes, playground and
 * demo. Every middleware is a small file of `src/http/`.
 */
export function createApp(options: AppOptions): express.Express {
  const { config, logger } = options;
  const app = express();
  app.disable('x-powered-by');
  // Responses name citizens and are not cacheable: hashing each body for an ETag is wasted work.
  // Static playground files keep theirs (sendFile sets its own).
  app.set('etag', false);
  const { requestLogger } = options;

  app.use(requestId);
  app.use(createRequestScope(options.tracing));
  app.use(securityHeaders({ production: config.production, development: config.development }));
  app.use(corsAllowlist(config.corsOrigins));
  app.use((_req, res, next) => {
    if (!options.draining()) return next();
    res.setHeader('connection', 'close');
    res.status(503).json(graphqlErrorBody('UNAVAILABLE', bilingual('The gateway is shutting down', 'Hệ thống đang tạm dừng để khởi động lại; vui lòng thử lại sau ít phút.')));
  });
  // Development only (asked for explicitly); the playground answers a browser's GET /graphql before Apollo does.
  if (config.development) {
    app.use(createDevRouter({ identityProvider: options.identityProvider, registries: options.registryUrls, breakers: options.breakers, logger }));
    app.use(createPlaygroundRouter());
    app.use(createDemoRouter());
  }
  app.use(
    '/graphql',
    requestLogger.middleware,
    requireJsonBody,
    prereadBody,
    express.json({ limit: config.limits.bodyBytes }),
    ...(options.persisted ? [persistedOperationsOnly(options.persisted)] : []),
    refuseAnonymous({ allowIntrospection: config.development, maxTokens: config.limits.tokens }),
    options.graphql(requestLogger),
  );
  // With an admin listener, /readyz and /metrics are on it only; /healthz stays on both.
  app.use(healthRouter(options, !config.admin));
  // Change events drop cache entries and run the listeners (correction requests they close, change notices they queue): with either, the route is there.
  if (config.cache.webhookSecret && (options.caches.kind !== 'off' || (options.changeListeners ?? []).length > 0)) {
    app.use(createRegistryEventsRouter({ secret: config.cache.webhookSecret, caches: options.caches, logger, listeners: options.changeListeners ?? [], now: () => options.now().getTime() }));
  }
  app.get('/.well-known/jwks.json', (_req, res) => {
    res.setHeader('cache-control', 'public, max-age=300');
    res.json(options.keys.jwks());
  });
  app.use((_req, res) => {
    res.status(404).json(routeErrorBody('NOT_FOUND', 'No such route'));
  });
  app.use(jsonErrors(logger));
  return app;
}

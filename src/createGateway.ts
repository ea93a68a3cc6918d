import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type ErrorRequestHandler, type Request, type RequestHandler } from 'express';
import { createRemoteJWKSet } from 'jose';
import type { BreakerState } from '../connectors/CircuitBreaker';
import { createConnectors, type Connectors } from '../connectors/createConnectors';
import { REGISTRY_NAMES, type RegistryName } from '../connectors/types';
import { createAuthorizer, createPolicy } from './access/authorize';
import { createAccessPlugin } from './access/createAccessPlugin';
import { createAuthenticator, type Authenticator } from './auth/createAuthenticator';
import { createDevIdentityProvider, type DevIdentityProvider } from './auth/createDevIdentityProvider';
import { AccessLogReader } from './audit/AccessLogReader';
import { AuditLog } from './audit/AuditLog';
import { createCaches, type Caches } from './cache/createCaches';
import { createAuditPlugin } from './audit/createAuditPlugin';
import type { GatewayConfig } from './config';
import { ConsentStore } from './consent/ConsentStore';
import { BadUserInputError, createErrorFormatter } from './errors';
import type { GatewayContext } from './graphql/context';
import { createInputErrorsPlugin } from './graphql/createInputErrorsPlugin';
import { createLoaders } from './graphql/createLoaders';
import { createRequestLogger } from './graphql/createRequestLogger';
import { createWarningsPlugin } from './graphql/createWarningsPlugin';
import { createSchema } from './graphql/createSchema';
import { createDemoRouter } from './http/demo';
import { createDevRouter } from './http/devRoutes';
import { createHealthRouter } from './http/healthRoutes';
import { createPlaygroundRouter } from './http/playground';
import { createRegistryEventsRouter } from './http/registryEvents';
import { registryCallContext, requestScope, scopeOf } from './http/requestScope';
import { corsAllowlist, securityHeaders } from './http/security';
import { readManifest } from './persisted/manifest';
import { persistedOperationsOnly } from './persisted/persistedOperations';
import { createLogger, type Logger } from './logger';
import { loadForms } from './forms/loadForms';
import { loadKeyRing, type KeyRing } from './keys/loadKeyRing';
import { RateLimiter } from './limits/RateLimiter';
import { createMetrics, type GatewayMetrics } from './metrics';
import { loadCatalogue, readCatalogueFile, type PolicyCatalogue } from './policy/loadCatalogue';
import { createStore, type Store } from './store/createStore';

export interface GatewayOptions {
  config: GatewayConfig;
  /** Registry base URLs, when they differ from the config (the embedded mocks' ports). */
  registryUrls?: Partial<Record<RegistryName, string>>;
  logger?: Logger;
}

/** Lifecycle phases, in order. */
export type GatewayPhase = 'initialized' | 'started' | 'draining' | 'stopped';

export interface Gateway {
  readonly app: express.Express;
  readonly server: Server;
  readonly metrics: GatewayMetrics;
  readonly connectors: Connectors;
  readonly logger: Logger;
  readonly store: Store;
  readonly catalogue: PolicyCatalogue;
  readonly keys: KeyRing;
  readonly audit: AuditLog;
  readonly caches: Caches;
  /** The embedded identity provider, in development without AUTH_JWKS_URL. */
  readonly identityProvider?: DevIdentityProvider;
  phase(): GatewayPhase;
  /** Starts listening on the configured host and port (0 = any free port); resolves with the base URL. */
  listen(): Promise<string>;
  /** Refuses new requests, lets in-flight ones finish, then closes. */
  stop(): Promise<void>;
}

const PURPOSE = /^[A-Z][A-Z0-9_]{1,63}$/;
const CASE_ID = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/;
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Assembles the gateway: schema, access rules, connectors, authentication, HTTP routes. */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config.logLevel);
  const { schema, rules } = createSchema();
  const catalogue = loadCatalogue(readCatalogueFile(config.policyCatalogue), schema, rules);
  const forms = loadForms(rules, catalogue);
  const persisted = config.persistedOperations ? readManifest(config.persistedOperations) : null;
  const metrics = createMetrics();
  const now = () => new Date();
  const store = await createStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    onError: (err) => logger.error({ err: { name: err.name, message: err.message } }, 'store connection error'),
  });
  const consents = new ConsentStore(store, now);
  const policy = createPolicy({ catalogue, consents, rules });
  const accessLog = new AccessLogReader(store);
  const keys = await loadKeyRing({
    dir: config.signingKeyDir,
    createIfMissing: !config.production,
    // Audit checkpoints must verify for as long as the records are kept; attestations expire sooner.
    publishRetiredForSeconds: Math.max(config.attestationTtlSeconds, config.audit.defaultRetentionDays * 86_400),
    now,
  });
  const audit = new AuditLog(store, keys, {
    ...config.audit,
    now,
    onCommit: (n) => metrics.auditCommitted(n),
    onCheckpointFileError: (err) => logger.error({ err: { name: err.name, message: err.message } }, 'signed audit checkpoint not copied to the checkpoint file'),
  });

  const urls = Object.fromEntries(
    REGISTRY_NAMES.map((name) => {
      const url = options.registryUrls?.[name] ?? config.registries[name].url;
      if (!url) throw new Error(`no URL for the ${name} registry: set ${name}_URL or start the embedded mocks`);
      return [name, url];
    }),
  ) as Record<RegistryName, string>;
  const connectors = createConnectors({
    registries: Object.fromEntries(REGISTRY_NAMES.map((n) => [n, { ...config.registries[n], url: urls[n] }])) as Parameters<typeof createConnectors>[0]['registries'],
    breaker: config.breaker,
    retryBaseDelayMs: config.retryBaseDelayMs,
    maxBatch: config.loaderMaxBatch,
    observer: metrics.upstream,
    onBreakerStateChange: (registry, state) => logger.warn({ registry, state }, 'circuit breaker changed state'),
  });
  const caches = createCaches({
    config: config.cache,
    observer: metrics.cache,
    onRedisStatus: (up) => {
      metrics.setCacheUp(up);
      logger.warn({ up }, up ? 'cache backend connected' : 'cache backend unavailable; serving from the registries');
    },
    onRedisError: (() => {
      let last = 0;
      return (err: Error) => {
        // ioredis reports every failed reconnect; once a minute in the logs is enough.
        if (Date.now() - last > 60_000) logger.warn({ err: { name: err.name, message: err.message } }, 'cache backend error');
        last = Date.now();
      };
    })(),
    onEphemeralKeys: () => logger.warn('CACHE_HMAC_SECRET/CACHE_ENCRYPTION_KEYS not set: cache keys are random for this process, instances will not share entries'),
  });
  const rateLimiter = new RateLimiter(caches.redisClient(), config.cache.prefix, (key) => caches.hashKey(key));
  const breakers = () =>
    Object.fromEntries(REGISTRY_NAMES.map((n) => [n, connectors.clients[n].breaker.state()])) as Record<RegistryName, BreakerState>;
  metrics.watchBreakers(breakers);

  let identityProvider: DevIdentityProvider | undefined;
  let authenticator: Authenticator;
  if (config.auth.mode === 'embedded') {
    identityProvider = await createDevIdentityProvider({ issuer: config.auth.issuer, audience: config.auth.audience });
    authenticator = createAuthenticator({ ...config.auth, keySet: identityProvider.keySet, now });
  } else {
    authenticator = createAuthenticator({ ...config.auth, keySet: createRemoteJWKSet(new URL(config.auth.jwksUrl)), now });
  }

  const app = express();
  app.disable('x-powered-by');
  // Responses name citizens and are not cacheable: hashing each body for an ETag is wasted work.
  // Static playground files keep theirs (sendFile sets its own).
  app.set('etag', false);
  const server = createServer(app);
  // Longer than the idle timeout of load balancers and clients in front, so they never reuse a socket being closed.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  let phase: GatewayPhase = 'initialized';
  // Records past their purpose's retention lose their personal columns; the chain stays verifiable.
  const pruneTimer = setInterval(() => {
    audit.prune().then(
      (n) => n > 0 && logger.info({ records: n }, 'audit records past retention pruned'),
      (err: unknown) => logger.warn({ err: { message: (err as Error).message } }, 'audit pruning failed'),
    );
  }, config.audit.pruneEveryMs);
  pruneTimer.unref();

  const requestLogger = createRequestLogger(logger);
  const apollo = new ApolloServer<GatewayContext>({
    schema,
    formatError: createErrorFormatter(logger),
    includeStacktraceInErrorResponses: false,
    introspection: !config.production,
    // Nothing is registered at run time: production runs the manifest's operations only.
    persistedQueries: false,
    csrfPrevention: { requestHeaders: ['x-apollo-operation-name', 'apollo-require-preflight', 'authorization'] },
    allowBatchedHttpRequests: false,
    parseOptions: { maxTokens: config.limits.tokens },
    // Production answers name no schema detail: no "did you mean" suggestions.
    hideSchemaDetailsFromClientErrors: config.production,
    logger: {
      debug: () => {},
      info: (m) => logger.info(m),
      warn: (m) => logger.warn(m),
      error: (m) => logger.error(m),
    },
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: server, stopGracePeriodMillis: config.shutdownGraceMs }),
      ApolloServerPluginLandingPageDisabled(),
      // Every response is `no-store` (src/http/security.ts): computing cache hints would wrap
      // each resolver for nothing.
      ApolloServerPluginCacheControlDisabled(),
      createInputErrorsPlugin(),
      createAccessPlugin({
        schema,
        rules,
        authorize: createAuthorizer({ catalogue, policy, now, allowAnonymousIntrospection: !config.production }),
        limits: config.limits,
        lookups: { limiter: rateLimiter, ...config.lookupRateLimit },
      }),
      metrics.graphqlPlugin(),
      createWarningsPlugin(),
      requestLogger.plugin,
      createAuditPlugin({ schema, audit, logger, defaultRetentionDays: config.audit.defaultRetentionDays, onWaited: (s) => metrics.auditWaited(s) }),
    ],
  });
  await apollo.start();

  app.use(requestId);
  app.use(requestScope);
  app.use(securityHeaders({ production: config.production }));
  app.use(corsAllowlist(config.corsOrigins));
  app.use((_req, res, next) => {
    if (phase === 'draining') {
      res.setHeader('connection', 'close');
      res.status(503).json({ errors: [{ message: 'The gateway is shutting down', extensions: { code: 'UNAVAILABLE' } }] });
      return;
    }
    next();
  });
  // Development only; the playground answers a browser's GET /graphql before Apollo does.
  if (!config.production) {
    app.use(createDevRouter({ identityProvider, registries: urls, logger }));
    app.use(createPlaygroundRouter());
    app.use(createDemoRouter());
  }
  app.use(
    '/graphql',
    requestLogger.middleware,
    requireJsonBody,
    express.json({ limit: config.limits.bodyBytes }),
    ...(persisted ? [persistedOperationsOnly(persisted)] : []),
    expressMiddleware(apollo, {
      context: async ({ req, res }): Promise<GatewayContext> => {
        const ctx: GatewayContext = {
        requestId: res.locals.requestId as string,
        caller: await authenticator.authenticate(req.headers.authorization),
        purpose: header(req, 'x-purpose', PURPOSE, 'an upper-case purpose code such as CT01_RESIDENCE'),
        caseId: header(req, 'x-case-id', CASE_ID, 'a dossier number of letters, digits, ".", "_", "/" or "-"'),
        loaders: createLoaders(connectors, { maxBatchSize: config.loaderMaxBatch, caches, call: registryCallContext(scopeOf(res)) }),
        catalogue,
        policy,
        forms,
        keys,
        rateLimiter,
        settings: { attestationTtlSeconds: config.attestationTtlSeconds, verifyRateLimit: config.verifyRateLimit },
        consents,
        accessLog,
        citizensAt: new Map(),
        warnings: [],
        auditExtras: [],
        now,
        };
        requestLogger.attach(res, ctx);
        return ctx;
      },
    }),
  );
  // After /graphql, which takes nearly all traffic: in production its requests pass through no other router.
  app.use(
    createHealthRouter({
      metrics,
      breakers,
      checks: [
        { name: 'config', check: async () => true },
        // The audit trail's own probe: the store is writable and the chain lock can be taken in time.
        { name: 'store', check: () => audit.canCommit() },
      ],
      accepting: () => phase === 'started',
      cache: () => caches.status(),
    }),
  );
  if (config.cache.webhookSecret && caches.kind !== 'off') {
    app.use(createRegistryEventsRouter({ secret: config.cache.webhookSecret, caches, logger }));
  }
  app.get('/.well-known/jwks.json', (_req, res) => {
    res.setHeader('cache-control', 'public, max-age=300');
    res.json(keys.jwks());
  });
  app.use((_req, res) => {
    res.status(404).json({ error: { code: 'NOT_FOUND', message: 'No such route' } });
  });
  app.use(jsonErrors(logger));

  return {
    app,
    server,
    metrics,
    connectors,
    logger,
    store,
    catalogue,
    keys,
    audit,
    caches,
    identityProvider,
    phase: () => phase,
    listen: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          server.off('error', reject);
          phase = 'started';
          const { port } = server.address() as AddressInfo;
          resolve(`http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`);
        });
      }),
    stop: async () => {
      if (phase === 'stopped') return;
      phase = 'draining';
      clearInterval(pruneTimer);
      await apollo.stop();
      await audit.checkpoint().catch((err: unknown) => logger.warn({ err: { message: (err as Error).message } }, 'final audit checkpoint failed'));
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
      await caches.close();
      for (const name of REGISTRY_NAMES) connectors.clients[name].close();
      phase = 'stopped';
    },
  };
}

const requestId: RequestHandler = (req, res, next) => {
  const given = req.headers['x-request-id'];
  // A request id goes into logs and the audit trail: one that could carry a personal ID is replaced.
  const id = typeof given === 'string' && REQUEST_ID.test(given) && !/\d{9,}/.test(given) ? given : randomUUID();
  res.locals.requestId = id;
  res.setHeader('x-request-id', id);
  next();
};

/** GraphQL-over-HTTP POSTs must be JSON: anything else is refused before parsing (CSRF, spec). */
const requireJsonBody: RequestHandler = (req, res, next) => {
  if (req.method !== 'POST') return next();
  const [type, ...params] = (req.headers['content-type'] ?? '').split(';').map((s) => s.trim().toLowerCase());
  const charset = params.find((p) => p.startsWith('charset='));
  if (type !== 'application/json' || (charset && charset !== 'charset=utf-8')) {
    res.status(415).json({
      errors: [{ message: 'POST /graphql needs Content-Type: application/json (UTF-8)', extensions: { code: 'BAD_REQUEST' } }],
    });
    return;
  }
  next();
};

function header(req: Request, name: string, format: RegExp, expected: string): string | null {
  const value = req.headers[name];
  if (value === undefined) return null;
  if (typeof value !== 'string' || !format.test(value)) {
    const error = new BadUserInputError(`expected ${expected}`, { field: name.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => `${d}${c.toUpperCase()}`) });
    error.extensions.http = { status: 400 };
    throw error;
  }
  return value;
}

/** Body-parser and other middleware errors as JSON, with no stack and no echo of the body. */
function jsonErrors(logger: Logger): ErrorRequestHandler {
  return (err, _req, res, _next) => {
    const type = (err as { type?: string }).type;
    const send = (status: number, code: string, message: string) => {
      if (res.headersSent) return;
      res.status(status).json({ errors: [{ message, extensions: { code } }] });
    };
    if (type === 'entity.parse.failed') return send(400, 'BAD_REQUEST', 'The request body is not valid JSON');
    if (type === 'entity.too.large') return send(413, 'BAD_REQUEST', 'The request body is too large');
    if (type === 'encoding.unsupported' || type === 'charset.unsupported') return send(415, 'BAD_REQUEST', 'Unsupported body encoding');
    logger.error({ err: { name: (err as Error).name } }, 'unhandled HTTP error');
    send(500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
  };
}

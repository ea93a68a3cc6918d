import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expressMiddleware } from '@as-integrations/express5';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type express from 'express';
import type { Connectors } from '../connectors/createConnectors';
import type { RegistryName } from '../connectors/types';
import { createApolloServer } from './apollo/createApolloServer';
import { createContextFactory } from './apollo/createContextFactory';
import type { DevIdentityProvider } from './auth/createDevIdentityProvider';
import type { AuditLog } from './audit/AuditLog';
import type { Caches } from './cache/createCaches';
import type { GatewayConfig } from './config';
import type { CorrectionService } from './corrections/CorrectionService';
import { createServices } from './createServices';
import { createAdminApp, createApp } from './http/createApp';
import { createRequestLogger } from './http/createRequestLogger';
import { createCompiledLane } from './lane/createCompiledLane';
import { createOperationPipeline } from './operation/createOperationPipeline';
import type { KeyRing } from './keys/loadKeyRing';
import type { Notices } from './notices/createNotices';
import { createLogger, type Logger } from './logger';
import type { GatewayMetrics } from './metrics';
import { readManifest, validationProblems } from './persisted/manifest';
import type { PolicyCatalogue } from './policy/loadCatalogue';
import type { Store } from './store/createStore';

export interface GatewayOptions {
  config: GatewayConfig;
  /**
   * Registry base URLs, when they differ from the config (the embedded mocks' ports). A
   * promise is awaited once the store is open: registries that are still starting start
   * beside it.
   */
  registryUrls?: Partial<Record<RegistryName, string>> | Promise<Partial<Record<RegistryName, string>>>;
  logger?: Logger;
  /** The clock, for everything that judges time (cache freshness, limits, consents, tokens); tests move it. */
  now?: () => Date;
  /**
   * Where spans go instead of OTLP (tests: the SDK's in-memory exporter); tracing is on
   * when this or `OTEL_EXPORTER_OTLP_ENDPOINT` is set. `stop()` exports what is still buffered.
   */
  traceExporter?: SpanExporter;
}

/** Lifecycle phases, in order. */
export type GatewayPhase = 'initialized' | 'started' | 'draining' | 'stopped';

export interface Gateway {
  readonly app: express.Express;
  readonly server: Server;
  /** The admin listener (`ADMIN_PORT`), when configured. */
  readonly adminServer: Server | null;
  readonly metrics: GatewayMetrics;
  readonly connectors: Connectors;
  readonly logger: Logger;
  readonly store: Store;
  readonly catalogue: PolicyCatalogue;
  readonly keys: KeyRing;
  readonly audit: AuditLog;
  readonly caches: Caches;
  /** Citizens' requests to correct registry data; `sync()` runs the forwarding and look-ups now. */
  readonly corrections: CorrectionService;
  /** The embedded identity provider, in development without AUTH_JWKS_URL. */
  readonly identityProvider?: DevIdentityProvider;
  /** Watches and change notices; the deliverer runs from `listen()` until `stop()`. */
  readonly notices: Notices;
  phase(): GatewayPhase;
  /** Starts listening on the configured host and port (0 = any free port); resolves with the base URL. */
  listen(): Promise<string>;
  /** The admin listener's base URL once listening; null without one. */
  adminUrl(): string | null;
  /**
   * Drains, then closes: new requests get 503 (on open connections and new ones alike),
   * in-flight ones finish within the grace period and go out with `Connection: close`.
   */
  stop(): Promise<void>;
}

/**
 * Assembles the gateway — services (src/createServices.ts), Apollo Server
 * (src/apollo/), the HTTP surface (src/http/) — and runs its lifecycle: listen (and
 * deliver change notices), prune the audit trail on a timer, drain and close on stop.
 */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config.logLevel);
  const persisted = config.persistedOperations ? readManifest(config.persistedOperations) : null;
  const services = await createServices(config, logger, { registryUrls: options.registryUrls, now: options.now, traceExporter: options.traceExporter });
  // A listed operation the gateway would refuse (a manifest made for another schema, or by hand) is refused to its
  // callers: said now, once. Named, not quoted: the problems can repeat values written into the operation's text.
  for (const op of persisted?.values() ?? []) {
    const problems = validationProblems(op.body, services.schema);
    if (problems.length > 0) logger.warn({ operation: op.name, problems: problems.length }, 'persisted operation the gateway refuses: its callers will get an error (npm run persisted:manifest names the problems)');
  }
  let phase: GatewayPhase = 'initialized';

  const { keepAliveTimeoutMs, headersTimeoutMs, requestTimeoutMs } = config.http;
  // How often Node looks for requests past their header or request timeout.
  const server = createServer({ connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.floor(headersTimeoutMs / 2))) });
  // Longer than the idle timeout of load balancers and clients in front, so they never reuse a socket being closed.
  server.keepAliveTimeout = keepAliveTimeoutMs;
  // A slow client (slowloris) holds a connection for seconds, not minutes.
  server.headersTimeout = headersTimeoutMs;
  server.requestTimeout = requestTimeoutMs;
  const inFlight = new Set<ServerResponse>();
  let drained: (() => void) | null = null;
  server.on('request', (_req, res: ServerResponse) => {
    inFlight.add(res);
    res.once('close', () => {
      inFlight.delete(res);
      if (inFlight.size === 0) drained?.();
    });
  });
  const pipeline = createOperationPipeline(config, services, logger);
  const apollo = createApolloServer({ config, services, logger, pipeline });
  await apollo.start();
  const context = createContextFactory({ services, loaderMaxBatch: config.loaderMaxBatch, attestationTtlSeconds: config.attestationTtlSeconds, watchMaxDays: config.notices.watchMaxDays });
  const requestLogger = createRequestLogger(logger);
  const draining = () => phase === 'draining';
  const app = createApp({
    config,
    logger,
    metrics: services.metrics,
    audit: services.audit,
    caches: services.caches,
    keys: services.keys,
    registryUrls: services.registryUrls,
    breakers: services.breakers,
    identityProvider: services.identityProvider,
    persisted,
    tracing: services.tracing,
    changeListeners: services.changeListeners,
    requestLogger,
    graphql: (requestLogger) =>
      expressMiddleware(apollo, {
        context: async (args) => {
          const ctx = await context(args);
          requestLogger.attach(args.res, ctx);
          return ctx;
        },
      }),
    now: services.now,
    accepting: () => phase === 'started',
    draining,
  });
  // Persisted operations are answered ahead of Express when compiled (COMPILED_LANE); everything else goes on to it.
  const lane = persisted && config.compiledLane ? createCompiledLane({ config, services, logger, pipeline, context, requestLogger, persisted, draining }) : null;
  server.on('request', lane ? (req: IncomingMessage, res: ServerResponse) => lane.handle(req, res, app) : app);
  const adminServer = config.admin
    ? createServer(createAdminApp({ metrics: services.metrics, breakers: services.breakers, audit: services.audit, caches: services.caches, logger, accepting: () => phase === 'started' }))
    : null;
  let adminUrl: string | null = null;

  // Records past their purpose's retention lose their personal columns; the chain stays verifiable.
  const pruneTimer = setInterval(() => {
    services.audit.prune().then(
      (n) => n > 0 && logger.info({ records: n }, 'audit records past retention pruned'),
      (err: unknown) => logger.warn({ err: { message: (err as Error).message } }, 'audit pruning failed'),
    );
  }, config.audit.pruneEveryMs);
  pruneTimer.unref();
  // Correction requests not yet forwarded are tried again, and open ones looked up, on a timer.
  services.corrections.start();

  return {
    app,
    server,
    adminServer,
    metrics: services.metrics,
    connectors: services.connectors,
    logger,
    store: services.store,
    catalogue: services.catalogue,
    keys: services.keys,
    audit: services.audit,
    caches: services.caches,
    corrections: services.corrections,
    identityProvider: services.identityProvider,
    notices: services.notices,
    phase: () => phase,
    listen: async () => {
      if (adminServer && config.admin) adminUrl = await listenOn(adminServer, config.admin.host, config.admin.port);
      const url = await listenOn(server, config.host, config.port);
      phase = 'started';
      services.notices.deliverer.start();
      return url;
    },
    adminUrl: () => adminUrl,
    stop: async () => {
      if (phase === 'stopped' || phase === 'draining') return;
      phase = 'draining';
      clearInterval(pruneTimer);
      // In-flight answers close their connection; new requests — on idle kept-alive connections
      // too, which are left open rather than reset under a client about to reuse them — are
      // answered 503 (src/http/createApp.ts) for as long as the drain lasts.
      for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
      if (inFlight.size > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, config.shutdownGraceMs);
          drained = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (adminServer?.listening) {
        await new Promise<void>((resolve) => {
          adminServer.close(() => resolve());
          adminServer.closeAllConnections();
        });
      }
      await apollo.stop();
      await services.corrections.stop();
      // No event can queue a notice now; the attempts under way finish (each has its deadline) before the store closes.
      await services.notices.deliverer.stop();
      await services.audit.checkpoint().catch((err: unknown) => logger.warn({ err: { message: (err as Error).message } }, 'final audit checkpoint failed'));
      await services.close();
      phase = 'stopped';
    },
  };
}

/** Listens on host:port (0 = any free port); resolves with the base URL. */
function listenOn(server: Server, host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      resolve(`http://${host.includes(':') ? `[${host}]` : host}:${address.port}`);
    });
  });
}

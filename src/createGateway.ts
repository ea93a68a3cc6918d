import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expressMiddleware } from '@as-integrations/express5';
import type express from 'express';
import type { Connectors } from '../connectors/createConnectors';
import type { RegistryName } from '../connectors/types';
import { createApolloServer } from './apollo/createApolloServer';
import { createContextFactory } from './apollo/createContextFactory';
import type { DevIdentityProvider } from './auth/createDevIdentityProvider';
import type { AuditLog } from './audit/AuditLog';
import type { Caches } from './cache/createCaches';
import type { GatewayConfig } from './config';
import { createServices } from './createServices';
import { createApp } from './http/createApp';
import type { KeyRing } from './keys/loadKeyRing';
import { createLogger, type Logger } from './logger';
import type { GatewayMetrics } from './metrics';
import { readManifest } from './persisted/manifest';
import type { PolicyCatalogue } from './policy/loadCatalogue';
import type { Store } from './store/createStore';

export interface GatewayOptions {
  config: GatewayConfig;
  /** Registry base URLs, when they differ from the config (the embedded mocks' ports). */
  registryUrls?: Partial<Record<RegistryName, string>>;
  logger?: Logger;
  /** The clock, for everything that judges time (cache freshness, limits, consents, tokens); tests move it. */
  now?: () => Date;
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

/**
 * Assembles the gateway — services (src/createServices.ts), Apollo Server
 * (src/apollo/), the HTTP surface (src/http/) — and runs its lifecycle: listen, prune
 * the audit trail on a timer, drain and close on stop.
 */
export async function createGateway(options: GatewayOptions): Promise<Gateway> {
  const { config } = options;
  const logger = options.logger ?? createLogger(config.logLevel);
  const persisted = config.persistedOperations ? readManifest(config.persistedOperations) : null;
  const services = await createServices(config, logger, { registryUrls: options.registryUrls, now: options.now });
  let phase: GatewayPhase = 'initialized';

  const server = createServer();
  // Longer than the idle timeout of load balancers and clients in front, so they never reuse a socket being closed.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const apollo = createApolloServer({ config, services, logger, httpServer: server });
  await apollo.start();
  const context = createContextFactory({ services, loaderMaxBatch: config.loaderMaxBatch, attestationTtlSeconds: config.attestationTtlSeconds });
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
    draining: () => phase === 'draining',
  });
  server.on('request', app);

  // Records past their purpose's retention lose their personal columns; the chain stays verifiable.
  const pruneTimer = setInterval(() => {
    services.audit.prune().then(
      (n) => n > 0 && logger.info({ records: n }, 'audit records past retention pruned'),
      (err: unknown) => logger.warn({ err: { message: (err as Error).message } }, 'audit pruning failed'),
    );
  }, config.audit.pruneEveryMs);
  pruneTimer.unref();

  return {
    app,
    server,
    metrics: services.metrics,
    connectors: services.connectors,
    logger,
    store: services.store,
    catalogue: services.catalogue,
    keys: services.keys,
    audit: services.audit,
    caches: services.caches,
    identityProvider: services.identityProvider,
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
      await services.audit.checkpoint().catch((err: unknown) => logger.warn({ err: { message: (err as Error).message } }, 'final audit checkpoint failed'));
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
      await services.close();
      phase = 'stopped';
    },
  };
}

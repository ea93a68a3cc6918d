import type { BreakerState } from '../connectors/CircuitBreaker';
import { createConnectors, type Connectors } from '../connectors/createConnectors';
import { REGISTRY_NAMES, type RegistryName } from '../connectors/types';
import { createDecider } from './access/decide';
import { createAuthenticator, type Authenticator } from './auth/createAuthenticator';
import { createDevIdentityProvider, type DevIdentityProvider } from './auth/createDevIdentityProvider';
import { createRemoteKeySet } from './auth/createRemoteKeySet';
import { AccessLogReader } from './audit/AccessLogReader';
import { AuditLog } from './audit/AuditLog';
import { createCursorCodec } from './audit/createCursorCodec';
import { createCaches, type Caches } from './cache/createCaches';
import type { GatewayConfig } from './config';
import { ConsentStore } from './consent/ConsentStore';
import { correctableFields } from './corrections/correctableFields';
import { CorrectionService } from './corrections/CorrectionService';
import { CorrectionStore } from './corrections/CorrectionStore';
import { loadForms, type FormDefinition } from './forms/loadForms';
import { createSchema } from './graphql/createSchema';
import { loadKeyRing, type KeyRing } from './keys/loadKeyRing';
import { createLookupLimiter, type LookupLimiter } from './limits/createLookupLimiter';
import { RateLimiter } from './limits/RateLimiter';
import { createThrottledLog, type Logger } from './logger';
import { createMetrics, type GatewayMetrics } from './metrics';
import { loadCatalogue, readCatalogueFile, type PolicyCatalogue } from './policy/loadCatalogue';
import { createAuditPathReader, purposeNeeds, type PolicyInsight } from './access/purposeNeeds';
import type { SchemaFacts } from './schemaFacts/readSchemaFacts';
import { createStore, type Store } from './store/createStore';
import type { Decide } from './access/decide';
import type { GraphQLSchema } from 'graphql';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { createTracing } from './tracing/createTracing';
import type { Tracing } from './tracing/Tracing';
import type { RegistryChangeListener } from './http/registryEvents';
import { decisionLookups } from './access/authorizeOperation';
import { createNotices, type Notices } from './notices/createNotices';
import { createLoaders } from './request/createLoaders';

/** Everything the gateway's requests use, created once at start-up. */
export interface Services {
  schema: GraphQLSchema;
  facts: SchemaFacts;
  catalogue: PolicyCatalogue;
  forms: ReadonlyMap<string, FormDefinition>;
  decide: Decide;
  /** What each purpose needs, and the decision, for whyNot, policyReport and the over-collection count. */
  policy: PolicyInsight;
  metrics: GatewayMetrics;
  store: Store;
  consents: ConsentStore;
  accessLog: AccessLogReader;
  keys: KeyRing;
  audit: AuditLog;
  connectors: Connectors;
  registryUrls: Record<RegistryName, string>;
  caches: Caches;
  lookups: LookupLimiter;
  /** Citizens' requests to correct registry data (the correction route). */
  corrections: CorrectionService;
  authenticator: Authenticator;
  /** The embedded identity provider, in development without AUTH_JWKS_URL. */
  identityProvider?: DevIdentityProvider;
  breakers(): Record<RegistryName, BreakerState>;
  now: () => Date;
  /** Spans of each request, exported while tracing is on. */
  tracing: Tracing;
  /** Work that follows a registry change event, after the cache entries are dropped. */
  changeListeners: RegistryChangeListener[];
  /** Watches and change notices to agencies; the deliverer is started and stopped by the gateway. */
  notices: Notices;
  /** Closes what the services hold open (store, cache, registry connections), then exports the spans still buffered. */
  close(): Promise<void>;
}

/**
 * Creates the services from the configuration: the schema and what it declares, the
 * policy catalogue and forms (all validated; a bad one stops start-up), the store,
 * keys, audit trail, registry connectors, caches, limits and authentication.
 */
export async function createServices(
  config: GatewayConfig,
  logger: Logger,
  options: {
    /** A promise is awaited once the store is open (registries still starting start beside it). */
    registryUrls?: Partial<Record<RegistryName, string>> | Promise<Partial<Record<RegistryName, string>>>;
    now?: () => Date;
    traceExporter?: SpanExporter;
  } = {},
): Promise<Services> {
  const { schema, facts } = createSchema();
  const catalogue = loadCatalogue(readCatalogueFile(config.policyCatalogue), facts, { development: config.development });
  const forms = loadForms(facts, catalogue);
  const decide = createDecider({ catalogue, facts });
  const policy: PolicyInsight = { decide, facts, needs: purposeNeeds(catalogue, forms, facts), auditPath: createAuditPathReader(schema, facts) };
  const metrics = createMetrics();
  const now = options.now ?? (() => new Date());
  const millis = () => now().getTime();
  // A collector that is down fails every batch, every few seconds: once a minute in the logs is enough.
  const traceExportLog = createThrottledLog(60_000, millis);
  const tracing = createTracing(config.tracing, {
    exporter: options.traceExporter,
    onExportError: (err) => traceExportLog((suppressed) => logger.warn({ err: { name: err.name, message: err.message }, suppressed }, 'spans not exported')),
  });
  if (tracing.enabled) logger.info({ serviceName: config.tracing.serviceName, sampleRatio: config.tracing.sampleRatio }, 'tracing on');
  const givenUrls = Promise.resolve(options.registryUrls);
  // Awaited once the store is open: a failure before then must not count as unhandled.
  givenUrls.catch(() => {});
  // Known now: a missing URL stops the start before the store opens.
  if (!(options.registryUrls instanceof Promise)) registryUrlsOf(config, options.registryUrls);

  const store = await createStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    postgres: config.postgres,
    onError: (err) => logger.error({ err: { name: err.name, message: err.message } }, 'store connection error'),
  });
  let urls: Record<RegistryName, string>;
  try {
    urls = registryUrlsOf(config, await givenUrls);
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
  const consents = new ConsentStore(store, now);

  const keys = await loadKeyRing({
    dir: config.signingKeyDir,
    // Keys are provisioned like any secret; only development makes its own.
    createIfMissing: config.development,
    // Audit checkpoints must verify for as long as the records are kept; attestations expire sooner.
    publishRetiredForSeconds: Math.max(config.attestationTtlSeconds, config.audit.defaultRetentionDays * 86_400),
    now,
  });
  const accessLog = new AccessLogReader(store, createCursorCodec(keys.chain));
  const audit = new AuditLog(store, keys, {
    ...config.audit,
    now,
    onCommit: (n) => metrics.auditCommitted(n),
    onCheckpointFileError: (err) => logger.error({ err: { name: err.name, message: err.message } }, 'signed audit checkpoint not copied to the checkpoint file'),
  });

  const connectors = createConnectors({
    registries: Object.fromEntries(REGISTRY_NAMES.map((n) => [n, { ...config.registries[n], url: urls[n] }])) as Parameters<typeof createConnectors>[0]['registries'],
    breaker: config.breaker,
    now: millis,
    retryBaseDelayMs: config.retryBaseDelayMs,
    maxBatch: config.loaderMaxBatch,
    observer: metrics.upstream,
    onBreakerStateChange: (registry, state) => logger.warn({ registry, state }, 'circuit breaker changed state'),
  });
  const redisErrorLog = createThrottledLog(60_000, millis);
  const redisStatusLog = createThrottledLog(60_000, millis);
  const caches = createCaches({
    config: config.cache,
    observer: metrics.cache,
    // A flapping or reconnecting Redis reports on every attempt; once a minute in the logs is enough.
    onRedisStatus: (up) =>
      redisStatusLog((suppressed) => logger.warn({ up, suppressed }, up ? 'cache backend usable again' : 'cache backend unavailable; serving from the registries')),
    onRedisError: (err: Error) => redisErrorLog((suppressed) => logger.warn({ err: { name: err.name, message: err.message }, suppressed }, 'cache backend error')),
    onRedisSkipped: () => metrics.cacheSkipped(),
    onEphemeralKeys: () => logger.warn('CACHE_HMAC_SECRET and CACHE_ENCRYPTION_KEYS are not both set: cache keys are random for this process, instances will not share entries or rate-limit counts'),
    now: millis,
  });
  const rateLimiter = new RateLimiter({ shared: caches.sharedCounter(), prefix: config.cache.prefix, hashKey: (key) => caches.hashKey(key), now: millis });
  const lookups = createLookupLimiter(rateLimiter, { ...config.lookupRateLimit, verify: config.verifyRateLimit, corrections: config.corrections.rateLimit });
  const corrections = new CorrectionService({
    store: new CorrectionStore(store, config.corrections.storeTimeoutMs),
    connectors: connectors.corrections,
    audit,
    fields: correctableFields(schema, facts),
    retentionDays: { own: config.audit.defaultRetentionDays, guardian: catalogue.purposes.get('GUARDIAN')?.retentionDays ?? config.audit.defaultRetentionDays },
    syncEveryMs: config.corrections.syncEveryMs,
    logger,
    now,
    metrics: metrics.corrections,
  });
  const breakers = () => Object.fromEntries(REGISTRY_NAMES.map((n) => [n, connectors.clients[n].breaker.state()])) as Record<RegistryName, BreakerState>;
  metrics.watchBreakers(breakers);
  metrics.watchCache(() => caches.status().up);

  let identityProvider: DevIdentityProvider | undefined;
  let authenticator: Authenticator;
  if (config.auth.mode === 'embedded') {
    identityProvider = await createDevIdentityProvider({ issuer: config.auth.issuer, audience: config.auth.audience, now });
    authenticator = createAuthenticator({ ...config.auth, keySet: identityProvider.keySet, now });
  } else {
    const keySet = createRemoteKeySet({ url: new URL(config.auth.jwksUrl), maxAgeMs: config.auth.jwksMaxAgeSec * 1000, timeoutMs: 5000, cooldownMs: 10_000, now: millis });
    authenticator = createAuthenticator({ ...config.auth, keySet, now });
  }

  const notices = createNotices({
    store,
    catalogue,
    decide,
    // A notice's decision asks the consent register; the loaders are there for what else a decision may ask.
    lookups: () => decisionLookups({ loaders: createLoaders(connectors, { maxBatchSize: config.loaderMaxBatch, openCorrections: (ids) => corrections.openFor(ids), caches }), now }, consents),
    keys,
    audit,
    observer: metrics.notices,
    logger,
    config: config.notices,
    now,
  });

  return {
    schema,
    facts,
    catalogue,
    forms,
    decide,
    policy,
    metrics,
    store,
    consents,
    accessLog,
    keys,
    audit,
    connectors,
    registryUrls: urls,
    caches,
    lookups,
    corrections,
    authenticator,
    identityProvider,
    breakers,
    now,
    tracing,
    // A registry's change event may close correction requests it has decided, and queues change notices to agencies.
    changeListeners: [corrections.onRegistryChange, notices.listener],
    notices,
    async close() {
      await store.close();
      await caches.close();
      for (const name of REGISTRY_NAMES) connectors.clients[name].close();
      // Last: the spans of the final requests and of closing are in the batch.
      await tracing.shutdown();
    },
  };
}

/** Each registry's base URL: the one given (the embedded mocks'), else the configured one. */
function registryUrlsOf(config: GatewayConfig, given: Partial<Record<RegistryName, string>> | undefined): Record<RegistryName, string> {
  return Object.fromEntries(
    REGISTRY_NAMES.map((name) => {
      const url = given?.[name] ?? config.registries[name].url;
      if (!url) throw new Error(`no URL for the ${name} registry: set ${name}_URL or start the embedded mocks`);
      return [name, url];
    }),
  ) as Record<RegistryName, string>;
}

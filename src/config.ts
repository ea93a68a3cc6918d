import path from 'node:path';
import type { RegistryName } from '../connectors/types';
import { DEFAULT_POSTGRES_SETTINGS, type PostgresSettings } from './store/postgresSettings';

/**
 * Configuration, read once from the environment and validated as a whole: a bad
 * setup fails with one error listing every problem, not the first one found.
 * Nothing else in the codebase reads `process.env`.
 */
export interface GatewayConfig {
  nodeEnv: string;
  /**
   * Development was asked for explicitly (`NODE_ENV=development`, as `npm start` sets):
   * the embedded identity provider, mock registries, `/dev` routes, playground, demo and
   * anonymous introspection. Never in any other mode, whatever else is set.
   */
  development: boolean;
  production: boolean;
  host: string;
  port: number;
  /** Where the gateway keeps its own files (embedded store, keys). */
  dataDir: string;
  /** PostgreSQL for consents and the audit trail; null means the embedded store under dataDir. */
  databaseUrl: string | null;
  /** PostgreSQL pool size and the deadlines of every call to it (with `databaseUrl`). */
  postgres: PostgresSettings;
  /** Policy catalogue file; null means the one shipped in src/policy. */
  policyCatalogue: string | null;
  /** Directory of the gateway's signing keys (audit checkpoints, attestations). */
  signingKeyDir: string;
  audit: AuditConfig;
  /** How long a prefill attestation is valid; retired signing keys stay published this long. */
  attestationTtlSeconds: number;
  /** verifyCitizen calls per official per window. */
  verifyRateLimit: { max: number; windowMs: number };
  /** Citizens' correction requests (reportIncorrectData). */
  corrections: CorrectionsConfig;
  /** Operation limits, decided before execution. */
  limits: OperationLimits;
  /** Citizens read per window: per citizen token, per official, per agency (all its officials together). */
  lookupRateLimit: { citizen: number; official: number; agency: number; windowMs: number };
  /** Browser origins allowed to call the API (CORS). */
  corsOrigins: string[];
  /** Persisted-operation manifest; when set, only its operations run. */
  persistedOperations: string | null;
  /**
   * Whether the manifest's operations are compiled at start-up and answered by the
   * compiled lane (src/lane/) ahead of Express and Apollo Server (COMPILED_LANE, on by default).
   */
  compiledLane: boolean;
  /** Checks every operation's disclosure plan against a walk of its answer (AUDIT_PLAN_CHECK; tests). */
  auditPlanCheck: boolean;
  /** How long SIGTERM waits for in-flight requests. */
  shutdownGraceMs: number;
  /** Processes serving the port (node:cluster); 1: this process serves it alone. */
  workers: number;
  /**
   * The HTTP listener's timeouts: idle keep-alive connections (longer than the load
   * balancer's), receiving a request's headers, and the whole request — so that a slow
   * client holds a connection for seconds, not minutes.
   */
  http: { keepAliveTimeoutMs: number; headersTimeoutMs: number; requestTimeoutMs: number };
  /** A second listener for /metrics and /readyz (operators only); null serves them on the main one. */
  admin: { host: string; port: number } | null;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Registry base URLs; null means "start the embedded mock" (development only). */
  registries: Record<RegistryName, { url: string | null; timeoutMs: number; retries: number; maxConnections: number }>;
  breaker: { failureThreshold: number; resetTimeoutMs: number };
  retryBaseDelayMs: number;
  /** Most IDs per registry call from one DataLoader batch. */
  loaderMaxBatch: number;
  auth: AuthConfig;
  mocks: MockConfig;
  cache: CacheConfig;
  tracing: TracingConfig;
  notices: NoticeConfig;
}

/** Change notices to agencies (docs/NOTICES.md): how they are delivered and how long watches and dead letters last. */
export interface NoticeConfig {
  /** Attempts per notice; after the last one fails, a dead letter. */
  maxAttempts: number;
  /** Delay before the second attempt; doubles with each one, up to `backoffMaxMs`. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** One POST to an agency's endpoint: connecting, sending and reading the answer. */
  deadlineMs: number;
  /** How often the outbox is looked at (a registry event also wakes it at once). */
  pollMs: number;
  /** Longest a watch may run (less when its purpose's retention is shorter). */
  watchMaxDays: number;
  /** How long dead letters are kept for the agency's supervisors. */
  deadLetterDays: number;
}

export interface CorrectionsConfig {
  /** Reports per citizen token per window. */
  rateLimit: { max: number; windowMs: number };
  /** How often requests not yet forwarded are tried again (the first backoff step) and open ones looked up. */
  syncEveryMs: number;
  /** Deadline of each store call of the correction route. */
  storeTimeoutMs: number;
}

/** OpenTelemetry tracing: on when an OTLP endpoint is set (or, in tests, an exporter is given to the gateway). */
export interface TracingConfig {
  /** Where spans go: OTLP over HTTP (JSON), at `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`; null: tracing off. */
  tracesUrl: string | null;
  /** `service.name` of the spans. */
  serviceName: string;
  /** Share of the traces started here that are recorded; a caller's sampled flag is followed either way. */
  sampleRatio: number;
}

export interface AuditConfig {
  checkpointEveryRecords: number;
  checkpointEveryMs: number;
  pruneEveryMs: number;
  defaultRetentionDays: number;
  /** Longest one transaction of audit records may take before its requests are refused. */
  batchDeadlineMs: number;
  /** Most records waiting to be written; past it, disclosures are refused at once. */
  maxQueuedRecords: number;
  /** Append-only copy of every signed checkpoint, outside the database; null for none. */
  checkpointFile: string | null;
}

export interface OperationLimits {
  depth: number;
  aliases: number;
  rootFields: number;
  citizens: number;
  cost: number;
  /** Parser tokens: bounds the work of parsing and validating before anything else runs. */
  tokens: number;
  bodyBytes: number;
}

/** How long a registry's cached records are served, and past their TTL when. */
export interface Freshness {
  /** Served as is. */
  ttlSeconds: number;
  /** Past the TTL: still served, while one refresh runs in the background. */
  staleWhileRevalidateSeconds: number;
  /** Past the TTL: served, with a warning, when the registry is failing. */
  staleIfErrorSeconds: number;
  /** How long "no such record" is remembered. */
  negativeTtlSeconds: number;
}

/** An AES-256 key of the cache, by id (the first configured one encrypts). */
export interface CacheKey {
  id: string;
  key: Buffer;
}

export interface CacheConfig {
  mode: 'off' | 'memory' | 'redis';
  redisUrl: string | null;
  clusterNodes: { host: string; port: number }[];
  /** Prefix of every key and of the invalidation channel. */
  prefix: string;
  /** Keyed HMAC for key names; null means a random one for this process (development). */
  hmacSecret: Buffer | null;
  /** AES-256 keys, the first one encrypting; empty means a random one for this process. */
  encryptionKeys: CacheKey[];
  memoryMaxEntries: number;
  /**
   * The in-process layer of decoded records in front of the backend: how long a record is
   * kept there (0: off) and the bytes of JSON it may hold. Personal data in clear in memory.
   */
  decoded: { ttlMs: number; maxBytes: number };
  commandTimeoutMs: number;
  /** Consecutive failed Redis calls after which Redis is skipped, and for how long before a probe. */
  breaker: { failureThreshold: number; resetTimeoutMs: number };
  freshness: Record<RegistryName, Freshness>;
  /** Shared secret of registries' change webhooks; null disables the endpoint. */
  webhookSecret: string | null;
}

interface AuthCommon {
  issuer: string;
  audience: string;
  algorithms: string[];
  clockToleranceSec: number;
  /** How long a verified token is trusted without checking its signature again. */
  verifiedCacheSec: number;
  /** Tokens issued (`iat`) longer ago than this are refused; 0: no bound beyond `exp`. */
  maxTokenAgeSec: number;
}

export type AuthConfig =
  | ({ mode: 'embedded' } & AuthCommon)
  | ({
      mode: 'remote';
      jwksUrl: string;
      /** How long the provider's key set is trusted before it is fetched again. */
      jwksMaxAgeSec: number;
    } & AuthCommon);

export interface MockConfig {
  seed: string;
  size: number;
  latency: { minMs: number; maxMs: number };
  /** Ports for `npm run mocks`; 0 picks a free one. */
  ports: Record<RegistryName, number>;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const SUPPORTED_ALGORITHMS = ['ES256', 'ES384', 'RS256', 'PS256', 'EdDSA'];
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Hosts of this machine: development binds and reaches nothing else. */
const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|::1|\[::1\])$/;

/**
 * Reads the whole configuration; throws a {@link ConfigError} listing every bad key.
 * Outside development (`NODE_ENV=development`, explicitly) the identity provider and
 * the registries must be named: nothing falls back to the embedded ones.
 */
export function loadConfig(env: Env): GatewayConfig {
  const r = new Reader(env);
  const nodeEnv = env.NODE_ENV ?? '';
  const production = nodeEnv === 'production';
  const development = nodeEnv === 'development';
  /** Why a setting with an embedded default in development is required here. */
  const required = development ? false : production ? 'in production' : `unless NODE_ENV=development (NODE_ENV is ${nodeEnv ? `"${nodeEnv}"` : 'unset'})`;

  const timeout = r.int('REGISTRY_TIMEOUT_MS', 2000, 10, 120_000);
  const retries = r.int('REGISTRY_RETRIES', 2, 0, 5);
  const maxConnections = r.int('REGISTRY_MAX_CONNECTIONS', 64, 1, 4096);
  const registry = (name: RegistryName) => ({
    url: r.url(`${name}_URL`, required),
    timeoutMs: r.int(`${name}_TIMEOUT_MS`, timeout, 10, 120_000),
    retries: r.int(`${name}_RETRIES`, retries, 0, 5),
    maxConnections: r.int(`${name}_MAX_CONNECTIONS`, maxConnections, 1, 4096),
  });
  const registries = { POPULATION: registry('POPULATION'), RESIDENCE: registry('RESIDENCE'), DOCUMENTS: registry('DOCUMENTS') };

  const algorithms = r.list('AUTH_ALGORITHMS', ['ES256', 'RS256']);
  for (const alg of algorithms) {
    if (!SUPPORTED_ALGORITHMS.includes(alg)) r.problem(`AUTH_ALGORITHMS: ${alg} is not one of ${SUPPORTED_ALGORITHMS.join(', ')}`);
  }
  const clockToleranceSec = r.int('AUTH_CLOCK_TOLERANCE_SEC', 30, 0, 300);
  const verifiedCacheSec = r.int('AUTH_VERIFIED_CACHE_SEC', 60, 0, 600);
  const maxTokenAgeSec = r.int('AUTH_MAX_TOKEN_AGE_SEC', 0, 0, 86_400);
  const jwksUrl = r.url('AUTH_JWKS_URL', required);
  let auth: AuthConfig;
  if (jwksUrl) {
    auth = {
      mode: 'remote',
      jwksUrl,
      issuer: r.string('AUTH_ISSUER', null, 'with AUTH_JWKS_URL') ?? '',
      audience: r.string('AUTH_AUDIENCE', null, 'with AUTH_JWKS_URL') ?? '',
      jwksMaxAgeSec: r.int('AUTH_JWKS_MAX_AGE_SEC', 60, 1, 3600),
      algorithms,
      clockToleranceSec,
      verifiedCacheSec,
      maxTokenAgeSec,
    };
  } else {
    if (env.AUTH_ISSUER || env.AUTH_AUDIENCE) r.problem('AUTH_ISSUER/AUTH_AUDIENCE are set but AUTH_JWKS_URL is not');
    auth = {
      mode: 'embedded',
      issuer: 'urn:vn-registry-gateway:dev-identity-provider',
      audience: 'vn-registry-gateway',
      algorithms: ['ES256'],
      clockToleranceSec,
      verifiedCacheSec,
      maxTokenAgeSec,
    };
  }

  const config: GatewayConfig = {
    nodeEnv,
    development,
    production,
    host: r.string('HOST', production ? '0.0.0.0' : '127.0.0.1') as string,
    port: r.int('PORT', 4000, 0, 65535),
    dataDir: path.resolve(r.string('DATA_DIR', '.data') as string),
    databaseUrl: r.postgresUrl('DATABASE_URL', production ? 'in production' : false),
    postgres: readPostgresSettings(r),
    policyCatalogue: r.string('POLICY_CATALOGUE', null),
    signingKeyDir: '',
    attestationTtlSeconds: r.int('ATTESTATION_TTL_S', 86_400, 60, 30 * 86_400),
    verifyRateLimit: { max: r.int('VERIFY_RATE_LIMIT', 30, 1, 100_000), windowMs: r.int('VERIFY_RATE_WINDOW_S', 60, 1, 86_400) * 1000 },
    corrections: {
      rateLimit: { max: r.int('CORRECTION_RATE_LIMIT', 10, 1, 100_000), windowMs: r.int('CORRECTION_RATE_WINDOW_S', 86_400, 1, 30 * 86_400) * 1000 },
      syncEveryMs: r.int('CORRECTION_SYNC_MS', 60_000, 50, 86_400_000),
      storeTimeoutMs: r.int('CORRECTION_STORE_TIMEOUT_MS', 2000, 50, 60_000),
    },
    limits: {
      depth: r.int('LIMIT_DEPTH', 15, 2, 100),
      aliases: r.int('LIMIT_ALIASES', 30, 0, 10_000),
      rootFields: r.int('LIMIT_ROOT_FIELDS', 10, 1, 1000),
      citizens: r.int('LIMIT_CITIZENS', 150, 1, 100_000),
      cost: r.int('LIMIT_COST', 20_000, 10, 10_000_000),
      tokens: r.int('LIMIT_TOKENS', 2000, 100, 1_000_000),
      bodyBytes: r.int('MAX_BODY_BYTES', 100_000, 1000, 10_000_000),
    },
    lookupRateLimit: {
      citizen: r.int('RATE_LIMIT_CITIZEN_LOOKUPS', 300, 1, 10_000_000),
      official: r.int('RATE_LIMIT_OFFICIAL_LOOKUPS', 3000, 1, 10_000_000),
      agency: r.int('RATE_LIMIT_AGENCY_LOOKUPS', 30_000, 1, 10_000_000),
      windowMs: r.int('RATE_LIMIT_WINDOW_S', 60, 1, 86_400) * 1000,
    },
    corsOrigins: r.list('CORS_ORIGINS', []).filter((o) => {
      const ok = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/.test(o);
      if (!ok) r.problem(`CORS_ORIGINS: "${o}" is not an origin like https://portal.example.gov.vn`);
      return ok;
    }),
    persistedOperations: r.string('PERSISTED_OPERATIONS', null),
    compiledLane: r.oneOf('COMPILED_LANE', ['on', 'off'] as const, 'on') === 'on',
    auditPlanCheck: r.oneOf('AUDIT_PLAN_CHECK', ['on', 'off'] as const, 'off') === 'on',
    shutdownGraceMs: r.int('SHUTDOWN_GRACE_MS', 10_000, 100, 600_000),
    workers: r.int('WORKERS', 1, 1, 64),
    http: {
      keepAliveTimeoutMs: r.int('HTTP_KEEP_ALIVE_TIMEOUT_MS', 65_000, 1000, 600_000),
      headersTimeoutMs: r.int('HTTP_HEADERS_TIMEOUT_MS', 10_000, 100, 120_000),
      requestTimeoutMs: r.int('HTTP_REQUEST_TIMEOUT_MS', 30_000, 100, 600_000),
    },
    admin: null,
    audit: {
      checkpointEveryRecords: r.int('AUDIT_CHECKPOINT_EVERY', 500, 1, 1_000_000),
      checkpointEveryMs: r.int('AUDIT_CHECKPOINT_MS', 60_000, 100, 86_400_000),
      pruneEveryMs: r.int('AUDIT_PRUNE_MS', 3_600_000, 1000, 86_400_000),
      defaultRetentionDays: r.int('AUDIT_DEFAULT_RETENTION_DAYS', 1825, 1, 36_500),
      batchDeadlineMs: r.int('AUDIT_BATCH_DEADLINE_MS', 2000, 50, 60_000),
      maxQueuedRecords: r.int('AUDIT_MAX_QUEUE', 5000, 1, 1_000_000),
      checkpointFile: null,
    },
    logLevel: r.oneOf('LOG_LEVEL', LOG_LEVELS, env.NODE_ENV === 'test' ? 'silent' : 'info'),
    registries,
    breaker: {
      failureThreshold: r.int('BREAKER_FAILURE_THRESHOLD', 5, 1, 1000),
      resetTimeoutMs: r.int('BREAKER_RESET_MS', 10_000, 50, 600_000),
    },
    retryBaseDelayMs: r.int('REGISTRY_RETRY_BASE_MS', 25, 1, 10_000),
    loaderMaxBatch: r.int('LOADER_MAX_BATCH', 100, 1, 200),
    auth,
    cache: undefined as unknown as CacheConfig,
    mocks: readMockConfig(r, env),
    tracing: readTracingConfig(r, env),
    notices: {
      maxAttempts: r.int('NOTICE_MAX_ATTEMPTS', 8, 1, 50),
      backoffBaseMs: r.int('NOTICE_BACKOFF_BASE_MS', 30_000, 10, 3_600_000),
      backoffMaxMs: r.int('NOTICE_BACKOFF_MAX_MS', 3_600_000, 10, 86_400_000),
      deadlineMs: r.int('NOTICE_DEADLINE_MS', 5000, 100, 60_000),
      pollMs: r.int('NOTICE_POLL_MS', 1000, 10, 600_000),
      watchMaxDays: r.int('NOTICE_WATCH_MAX_DAYS', 365, 1, 3650),
      deadLetterDays: r.int('NOTICE_DEAD_LETTER_DAYS', 30, 1, 3650),
    },
  };
  if (config.notices.backoffBaseMs > config.notices.backoffMaxMs) r.problem('NOTICE_BACKOFF_BASE_MS must not be longer than NOTICE_BACKOFF_MAX_MS');
  if (config.http.headersTimeoutMs > config.http.requestTimeoutMs) r.problem('HTTP_HEADERS_TIMEOUT_MS must not be longer than HTTP_REQUEST_TIMEOUT_MS');
  const adminPort = r.int('ADMIN_PORT', -1, 0, 65535);
  if (adminPort >= 0) config.admin = { host: r.string('ADMIN_HOST', '127.0.0.1') as string, port: adminPort };
  if (development) {
    // Development mints tokens for anyone: it binds to this machine and reads mock registries only.
    if (!LOOPBACK.test(config.host)) r.problem(`HOST "${config.host}" is not a loopback address: NODE_ENV=development mints tokens for anyone and only listens on this machine`);
    for (const [name, reg] of Object.entries(registries)) {
      if (reg.url && !LOOPBACK.test(new URL(reg.url).hostname)) {
        r.problem(`${name}_URL points at another machine: NODE_ENV=development mints tokens for anyone and reads only registries on this machine (the embedded mocks, or npm run mocks)`);
      }
    }
  }
  config.cache = readCacheConfig(r, production);
  if (config.workers > 1) {
    // Each worker is a gateway of its own: what they must share has to live outside them.
    const why = `WORKERS=${config.workers}`;
    if (!config.databaseUrl) r.problem(`${why} needs DATABASE_URL (PostgreSQL): the embedded store (PGlite) serves one process`);
    if (config.cache.mode !== 'redis') r.problem(`${why} needs REDIS_URL or REDIS_CLUSTER_NODES (CACHE_MODE=redis): rate limits would otherwise be counted per worker, each allowing the full limit`);
    if (config.auth.mode === 'embedded') r.problem(`${why} needs AUTH_JWKS_URL: the embedded identity provider's key is per process, so a token from one worker would not verify on another`);
    if (needsEmbeddedMocks(config)) r.problem(`${why} needs POPULATION_URL, RESIDENCE_URL and DOCUMENTS_URL: every worker would start its own embedded mock registries`);
  }
  config.signingKeyDir = keyDirectory(r, config.dataDir, production);
  const checkpointFile = r.string('AUDIT_CHECKPOINT_FILE', null);
  config.audit.checkpointFile = checkpointFile === 'off' ? null : checkpointFile ? path.resolve(checkpointFile) : path.join(config.dataDir, 'audit-checkpoints.jsonl');
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}

function keyDirectory(r: Reader, dataDir: string, production: boolean): string {
  const keyDir = r.string('SIGNING_KEY_DIR', null, production);
  return keyDir ? path.resolve(keyDir) : path.join(dataDir, 'keys');
}

/**
 * Only what the key tools need: the key directory (`SIGNING_KEY_DIR`, else
 * `DATA_DIR/keys`; required in production). Throws a {@link ConfigError} when it is missing.
 */
export function loadKeyDirectory(env: Env): string {
  const r = new Reader(env);
  const dir = keyDirectory(r, path.resolve(r.string('DATA_DIR', '.data') as string), env.NODE_ENV === 'production');
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return dir;
}

/** What the audit tools (`npm run audit:verify`, `audit:prune`) need, and nothing else. */
export interface AuditToolConfig {
  databaseUrl: string | null;
  postgres: PostgresSettings;
  dataDir: string;
  signingKeyDir: string;
  audit: Pick<GatewayConfig['audit'], 'checkpointEveryRecords' | 'checkpointEveryMs' | 'checkpointFile'>;
}

/**
 * Only the store, keys and checkpoint settings: the audit tools run beside a gateway
 * (or against its backups) without its registries or identity provider.
 */
export function loadAuditToolConfig(env: Env): AuditToolConfig {
  const r = new Reader(env);
  const production = env.NODE_ENV === 'production';
  const dataDir = path.resolve(r.string('DATA_DIR', '.data') as string);
  const checkpointFile = r.string('AUDIT_CHECKPOINT_FILE', null);
  const config: AuditToolConfig = {
    databaseUrl: r.postgresUrl('DATABASE_URL', production ? 'in production' : false),
    postgres: readPostgresSettings(r),
    dataDir,
    signingKeyDir: keyDirectory(r, dataDir, production),
    audit: {
      checkpointEveryRecords: r.int('AUDIT_CHECKPOINT_EVERY', 500, 1, 1_000_000),
      checkpointEveryMs: r.int('AUDIT_CHECKPOINT_MS', 60_000, 100, 86_400_000),
      checkpointFile: checkpointFile === 'off' ? null : checkpointFile ? path.resolve(checkpointFile) : path.join(dataDir, 'audit-checkpoints.jsonl'),
    },
  };
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}

/** What `npm run mocks` needs: the mock registries' data, latency, ports and host. */
export function loadMockConfig(env: Env): MockConfig & { host: string } {
  const r = new Reader(env);
  const config = { host: r.string('HOST', '127.0.0.1') as string, ...readMockConfig(r, env) };
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}

function readMockConfig(r: Reader, env: Env): MockConfig {
  const latencyText = env.MOCK_LATENCY_MS ?? '5-20';
  const latencyMatch = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(latencyText);
  const latency = latencyMatch ? { minMs: Number(latencyMatch[1]), maxMs: Number(latencyMatch[2] ?? latencyMatch[1]) } : { minMs: 0, maxMs: 0 };
  if (!latencyMatch || latency.maxMs < latency.minMs) r.problem(`MOCK_LATENCY_MS must look like "5-20" or "10", got "${latencyText}"`);
  return {
    seed: r.string('MOCK_SEED', 'vn-registry-gateway') as string,
    size: r.int('MOCK_CITIZENS', 20_000, 100, 2_000_000),
    latency,
    ports: {
      POPULATION: r.int('MOCK_POPULATION_PORT', 4101, 0, 65535),
      RESIDENCE: r.int('MOCK_RESIDENCE_PORT', 4102, 0, 65535),
      DOCUMENTS: r.int('MOCK_DOCUMENTS_PORT', 4103, 0, 65535),
    },
  };
}

function readPostgresSettings(r: Reader): PostgresSettings {
  const d = DEFAULT_POSTGRES_SETTINGS;
  const settings: PostgresSettings = {
    poolMax: r.int('DATABASE_POOL_MAX', d.poolMax, 1, 1000),
    connectTimeoutMs: r.int('DATABASE_CONNECT_TIMEOUT_MS', d.connectTimeoutMs, 50, 120_000),
    statementTimeoutMs: r.int('DATABASE_STATEMENT_TIMEOUT_MS', d.statementTimeoutMs, 50, 3_600_000),
    queryTimeoutMs: r.int('DATABASE_QUERY_TIMEOUT_MS', d.queryTimeoutMs, 50, 3_600_000),
    idleInTransactionTimeoutMs: r.int('DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS', d.idleInTransactionTimeoutMs, 100, 3_600_000),
  };
  // A slow but live server should cancel the statement itself (the connection survives)
  // before the client gives up on it (the connection is destroyed).
  if (settings.queryTimeoutMs <= settings.statementTimeoutMs) {
    r.problem(`DATABASE_QUERY_TIMEOUT_MS (${settings.queryTimeoutMs}) must be greater than DATABASE_STATEMENT_TIMEOUT_MS (${settings.statementTimeoutMs})`);
  }
  return settings;
}

const FRESHNESS_DEFAULTS: Record<RegistryName, number> = { POPULATION: 300, RESIDENCE: 120, DOCUMENTS: 600 };

function readCacheConfig(r: Reader, production: boolean): CacheConfig {
  const redisUrl = r.redisUrl('REDIS_URL');
  const clusterNodes = r.list('REDIS_CLUSTER_NODES', []).flatMap((node) => {
    const m = /^([A-Za-z0-9.-]+):(\d{1,5})$/.exec(node);
    if (!m) r.problem(`REDIS_CLUSTER_NODES: "${node}" is not host:port`);
    return m ? [{ host: m[1] as string, port: Number(m[2]) }] : [];
  });
  const wantsRedis = !!redisUrl || clusterNodes.length > 0;
  const mode = r.oneOf('CACHE_MODE', ['off', 'memory', 'redis'] as const, wantsRedis ? 'redis' : 'memory');
  if (mode === 'redis' && !wantsRedis) r.problem('CACHE_MODE=redis needs REDIS_URL or REDIS_CLUSTER_NODES');
  const secret = r.base64('CACHE_HMAC_SECRET', 32, production && mode === 'redis');
  const keys = r.list('CACHE_ENCRYPTION_KEYS', []).flatMap((item) => {
    const [id, b64] = item.split(':');
    const key = b64 ? Buffer.from(b64, 'base64') : Buffer.alloc(0);
    if (!id || !/^[A-Za-z0-9_-]{1,16}$/.test(id) || key.length !== 32) {
      r.problem('CACHE_ENCRYPTION_KEYS must be "id:base64-of-32-bytes" items, comma-separated, the first one active');
      return [];
    }
    return [{ id, key }];
  });
  if (production && mode === 'redis' && keys.length === 0) r.problem('CACHE_ENCRYPTION_KEYS is required in production with Redis');
  const negative = r.int('CACHE_NEGATIVE_TTL_S', 30, 0, 86_400);
  const freshness = (name: RegistryName): Freshness => ({
    ttlSeconds: r.int(`${name}_CACHE_TTL_S`, FRESHNESS_DEFAULTS[name], 0, 86_400),
    staleWhileRevalidateSeconds: r.int(`${name}_CACHE_SWR_S`, 30, 0, 86_400),
    staleIfErrorSeconds: r.int(`${name}_CACHE_SIE_S`, 3600, 0, 7 * 86_400),
    negativeTtlSeconds: negative,
  });
  return {
    mode,
    redisUrl,
    clusterNodes,
    prefix: r.string('CACHE_PREFIX', 'gw:') as string,
    hmacSecret: secret,
    encryptionKeys: keys,
    memoryMaxEntries: r.int('CACHE_MEMORY_MAX_ENTRIES', 50_000, 1, 10_000_000),
    // Off unless set: it keeps citizens' records in clear in the process beyond a request (docs/CACHE.md).
    decoded: { ttlMs: r.int('CACHE_DECODED_TTL_MS', 0, 0, 60_000), maxBytes: r.int('CACHE_DECODED_MAX_BYTES', 32 * 1024 * 1024, 1024, 2 ** 31) },
    commandTimeoutMs: r.int('REDIS_COMMAND_TIMEOUT_MS', 100, 5, 10_000),
    breaker: { failureThreshold: r.int('REDIS_BREAKER_FAILURES', 3, 1, 1000), resetTimeoutMs: r.int('REDIS_BREAKER_RESET_MS', 5000, 50, 600_000) },
    freshness: { POPULATION: freshness('POPULATION'), RESIDENCE: freshness('RESIDENCE'), DOCUMENTS: freshness('DOCUMENTS') },
    webhookSecret: r.string('REGISTRY_WEBHOOK_SECRET', null),
  };
}

/** The package's name: spans say which service they come from. */
const SERVICE_NAME = 'vn-registry-gateway';

/**
 * The standard OpenTelemetry variables the gateway uses, checked like the others: where
 * spans go, the service name and the sampling ratio. Settings of the exporter's transport
 * that the SDK reads itself (`OTEL_EXPORTER_OTLP_HEADERS`, `_TIMEOUT`, `_COMPRESSION`) are
 * left to it; the sampler and the protocol are refused when set to one the gateway does not use.
 */
function readTracingConfig(r: Reader, env: Env): TracingConfig {
  const endpoint = r.url('OTEL_EXPORTER_OTLP_ENDPOINT', false);
  const protocol = r.string('OTEL_EXPORTER_OTLP_PROTOCOL', 'http/json');
  if (protocol !== 'http/json') r.problem(`OTEL_EXPORTER_OTLP_PROTOCOL: only http/json is supported, got "${protocol}"`);
  const sampler = r.string('OTEL_TRACES_SAMPLER', 'parentbased_traceidratio');
  if (sampler !== 'parentbased_traceidratio') r.problem(`OTEL_TRACES_SAMPLER: only parentbased_traceidratio is supported (with OTEL_TRACES_SAMPLER_ARG), got "${sampler}"`);
  const ratioText = env.OTEL_TRACES_SAMPLER_ARG;
  let sampleRatio = 1;
  if (ratioText !== undefined && ratioText !== '') {
    sampleRatio = /^\d+(\.\d+)?$/.test(ratioText) ? Number(ratioText) : NaN;
    if (!(sampleRatio >= 0 && sampleRatio <= 1)) {
      r.problem(`OTEL_TRACES_SAMPLER_ARG must be a sampling ratio between 0 and 1, got "${ratioText}"`);
      sampleRatio = 1;
    }
  }
  const serviceName = r.string('OTEL_SERVICE_NAME', SERVICE_NAME) as string;
  if (!/^[\x21-\x7e]{1,100}$/.test(serviceName)) r.problem(`OTEL_SERVICE_NAME must be 1 to 100 printable ASCII characters without spaces, got "${serviceName}"`);
  // The endpoint is the collector's base URL; the traces path is added to it, as the OTLP specification says.
  return { tracesUrl: endpoint ? `${endpoint.replace(/\/+$/, '')}/v1/traces` : null, serviceName, sampleRatio };
}

/** True when any registry has no URL, i.e. the embedded mocks must be started. */
export function needsEmbeddedMocks(config: GatewayConfig): boolean {
  return Object.values(config.registries).some((r) => r.url === null);
}

class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  problem(message: string): void {
    this.problems.push(message);
  }

  /** `required`: true, or when it is required ("in production"). */
  string(key: string, fallback: string | null, required: boolean | string = false): string | null {
    const v = this.env[key];
    if (v === undefined || v === '') {
      if (required) this.problem(`${key} is required${typeof required === 'string' ? ` ${required}` : ''}`);
      return fallback;
    }
    return v;
  }

  int(key: string, fallback: number, min: number, max: number): number {
    const v = this.env[key];
    if (v === undefined || v === '') return fallback;
    if (!/^-?\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      this.problem(`${key} must be an integer between ${min} and ${max}, got "${v}"`);
      return fallback;
    }
    return Number(v);
  }

  url(key: string, required: string | false): string | null {
    const v = this.env[key];
    if (v === undefined || v === '') {
      if (required) this.problem(`${key} is required ${required}`);
      return null;
    }
    try {
      const u = new URL(v);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error();
      return v;
    } catch {
      this.problem(`${key} must be an absolute http(s) URL, got "${v}"`);
      return null;
    }
  }

  postgresUrl(key: string, required: string | false): string | null {
    const v = this.env[key];
    if (v === undefined || v === '') {
      if (required) this.problem(`${key} is required ${required}`);
      return null;
    }
    if (!/^postgres(ql)?:\/\/\S+$/.test(v)) {
      this.problem(`${key} must be a postgres:// URL`);
      return null;
    }
    return v;
  }

  redisUrl(key: string): string | null {
    const v = this.env[key];
    if (v === undefined || v === '') return null;
    if (!/^rediss?:\/\/\S+$/.test(v)) {
      this.problem(`${key} must be a redis:// or rediss:// URL`);
      return null;
    }
    return v;
  }

  base64(key: string, minBytes: number, required: boolean): Buffer | null {
    const v = this.env[key];
    if (v === undefined || v === '') {
      if (required) this.problem(`${key} is required in production with Redis`);
      return null;
    }
    const bytes = Buffer.from(v, 'base64');
    if (bytes.length < minBytes) {
      this.problem(`${key} must be base64 of at least ${minBytes} random bytes`);
      return null;
    }
    return bytes;
  }

  list(key: string, fallback: string[]): string[] {
    const v = this.env[key];
    if (v === undefined || v === '') return fallback;
    return v.split(',').map((s) => s.trim()).filter(Boolean);
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    const v = this.env[key];
    if (v === undefined || v === '') return fallback;
    if (!allowed.includes(v as T)) {
      this.problem(`${key} must be one of ${allowed.join(', ')}, got "${v}"`);
      return fallback;
    }
    return v as T;
  }
}

/** What `npm run policy:report` needs: the policy catalogue it reports on, read as the gateway reads it. */
export interface PolicyToolConfig {
  /** `POLICY_CATALOGUE`; null: the one shipped in `src/policy/`. */
  policyCatalogue: string | null;
  /** `NODE_ENV=development`: notice endpoints on this machine are admitted, as the gateway admits them. */
  development: boolean;
}

/** Only the catalogue: the report reads no store, registry or key. */
export function loadPolicyToolConfig(env: Env): PolicyToolConfig {
  const r = new Reader(env);
  const config = { policyCatalogue: r.string('POLICY_CATALOGUE', null), development: env.NODE_ENV === 'development' };
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}

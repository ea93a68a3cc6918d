import type { HolderDocuments, PersonRecord, RegistryName, ResidenceRecord } from '../../connectors/types';
import type { CacheConfig } from '../config';
import { MemoryBackend, RedisBackend, type CacheBackend, type SharedCounter } from './backends';
import { CacheCrypto, ephemeralCacheCrypto } from './CacheCrypto';
import { DecodedCache } from './DecodedCache';
import { RecentHashes } from './RecentHashes';
import { RegistryCache, type CacheObserver } from './RegistryCache';

export interface Caches {
  kind: 'off' | CacheBackend['kind'];
  population: RegistryCache<PersonRecord> | null;
  residence: RegistryCache<ResidenceRecord> | null;
  documents: RegistryCache<HolderDocuments> | null;
  byRegistry(name: RegistryName): RegistryCache<{ provenance: PersonRecord['provenance'] }> | null;
  /** The in-process layer of decoded records; null when off (`CACHE_DECODED_TTL_MS=0`). */
  decoded: DecodedCache | null;
  /** For /readyz. */
  status(): { kind: string; up: boolean };
  /** A keyed hash for other keys that may name a citizen (rate-limit counters). */
  hashKey(key: string): string;
  /** Counters shared by every instance (rate limits), through Redis and its breaker; null without Redis. */
  sharedCounter(): SharedCounter | null;
  close(): Promise<void>;
}

export interface CachesOptions {
  config: CacheConfig;
  observer: CacheObserver;
  onRedisError?: (err: Error) => void;
  onRedisStatus?: (up: boolean) => void;
  /** Told of each Redis call skipped while Redis keeps failing. */
  onRedisSkipped?: () => void;
  /** Told when keys are used with random per-process secrets (instances will not share). */
  onEphemeralKeys?: () => void;
  /** The clock (milliseconds): freshness and the memory backend's expiry; tests move it. */
  now?: () => number;
}

/** One cache per registry over one backend, as configured (off, memory, Redis, Redis Cluster). */
export function createCaches(options: CachesOptions): Caches {
  const { config } = options;
  if (config.mode === 'off') {
    const crypto = ephemeralCacheCrypto(config.prefix);
    return {
      kind: 'off',
      population: null,
      residence: null,
      documents: null,
      byRegistry: () => null,
      decoded: null,
      status: () => ({ kind: 'off', up: true }),
      hashKey: (key) => crypto.mac(key),
      sharedCounter: () => null,
      close: async () => {},
    };
  }
  const backend: CacheBackend =
    config.mode === 'redis'
      ? new RedisBackend({
          url: config.redisUrl ?? undefined,
          clusterNodes: config.clusterNodes,
          commandTimeoutMs: config.commandTimeoutMs,
          channel: `${config.prefix}invalidate`,
          breakerFailures: config.breaker.failureThreshold,
          breakerResetMs: config.breaker.resetTimeoutMs,
          onError: options.onRedisError,
          onStatus: options.onRedisStatus,
          onSkipped: options.onRedisSkipped,
          now: options.now,
        })
      : new MemoryBackend(config.memoryMaxEntries, options.now);
  let crypto: CacheCrypto;
  if (config.hmacSecret && config.encryptionKeys.length > 0) {
    crypto = new CacheCrypto(config.hmacSecret, config.encryptionKeys, config.prefix);
  } else {
    crypto = ephemeralCacheCrypto(config.prefix);
    if (config.mode === 'redis') options.onEphemeralKeys?.();
  }
  // Served and filled only while invalidations can reach this process; emptied when they may have been missed.
  const decoded = config.decoded.ttlMs > 0 ? new DecodedCache(config.decoded.ttlMs, config.decoded.maxBytes, () => backend.up() && (backend.listening?.() ?? true), options.now) : null;
  if (decoded) backend.onListeningLost?.(() => decoded.clear());
  // With the layer on, the rate-limit counters' keys of recent callers too (see RecentHashes).
  const recentCounterKeys = decoded ? new RecentHashes((key) => crypto.mac(key), decoded.ttlMs, 10_000, options.now) : null;
  if (recentCounterKeys) decoded?.keepWith(recentCounterKeys);
  // What nobody asks for again is dropped within a second of its time (or its time, if shorter, but at most ten sweeps a second).
  const sweeping = decoded ? setInterval(() => decoded.sweep(), Math.max(100, Math.min(1000, decoded.ttlMs))) : null;
  sweeping?.unref();
  const make = <T extends { provenance: PersonRecord['provenance'] }>(name: RegistryName) =>
    new RegistryCache<T>(name, backend, crypto, config.freshness[name], options.observer, options.now, decoded);
  const population = make<PersonRecord>('POPULATION');
  const residence = make<ResidenceRecord>('RESIDENCE');
  const documents = make<HolderDocuments>('DOCUMENTS');
  const all = { POPULATION: population, RESIDENCE: residence, DOCUMENTS: documents } as const;
  // Another instance invalidated keys: none of ours may write them back from an older fetch.
  backend.onMessage((message) => {
    try {
      const { keys } = JSON.parse(message) as { keys?: unknown };
      if (Array.isArray(keys)) for (const c of Object.values(all)) c.forget(keys.filter((k): k is string => typeof k === 'string'));
    } catch {
      // not one of ours
    }
  });
  return {
    kind: backend.kind,
    population,
    residence,
    documents,
    byRegistry: (name) => all[name] as unknown as RegistryCache<{ provenance: PersonRecord['provenance'] }>,
    decoded,
    status: () => ({ kind: backend.kind, up: backend.up() }),
    hashKey: (key) => (recentCounterKeys ? recentCounterKeys.hash(key) : crypto.mac(key)),
    sharedCounter: () => (backend instanceof RedisBackend ? backend : null),
    close: () => {
      if (sweeping) clearInterval(sweeping);
      decoded?.clear();
      return backend.close();
    },
  };
}


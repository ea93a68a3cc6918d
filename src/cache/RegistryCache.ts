import type { ProvenanceRecord, RegistryName } from '../../connectors/types';
import type { CacheBackend, RoundTripTrace } from './backends';
import type { Freshness } from '../config';
import type { CacheCrypto } from './CacheCrypto';
import type { DecodedCache } from './DecodedCache';
import { RecentHashes } from './RecentHashes';

/** How long a registry's records may be served from the cache (declared with the configuration). */
export type { Freshness };

/** Where the cache reports what it did (metrics implement it). */
export interface CacheObserver {
  lookup(registry: RegistryName, result: 'hit' | 'miss' | 'stale', count: number): void;
  /** Of the hits, those served by the in-process layer of decoded records (no backend round trip). */
  decodedHit?(registry: RegistryName, count: number): void;
  roundTrip(operation: 'get' | 'set' | 'delete'): void;
  error(operation: 'get' | 'set' | 'delete' | 'publish'): void;
}

interface Entry<T> {
  /** When the gateway fetched it from the registry (ms since epoch). */
  at: number;
  /** Not found in the registry. */
  nf?: 1;
  r?: T;
}

type Cached = { provenance: ProvenanceRecord };

/** Keys of recent ids kept per registry with the decoded layer (about 10 MB at this bound). */
const RECENT_KEYS = 50_000;

/** How long a key that was invalidated stays guarded against late write-backs. */
const INVALIDATION_MEMORY_MS = 60_000;

/**
 * The shared cache of one registry, used inside the loaders' batch functions: one
 * backend round trip for the batch, one registry call for the misses (shared with
 * any identical call already in flight in this process), write-back with TTL plus
 * jitter. The records cached are the registry's, before any access decision: what a
 * caller may see is decided after the cache, so the cache never depends on who asked.
 */
export class RegistryCache<T extends Cached> {
  private readonly inflight = new Map<string, Promise<T | null>>();
  /** Keys invalidated recently, with when: a fetch that started before must not write back. */
  private readonly invalidated = new Map<string, number>();
  /** With the decoded layer: the keys of the ids it may serve, kept as long as its records. */
  private readonly recentKeys: RecentHashes | null;

  constructor(
    readonly registry: RegistryName,
    private readonly backend: CacheBackend,
    private readonly crypto: CacheCrypto,
    private readonly freshness: Freshness,
    private readonly observer: CacheObserver,
    private readonly now: () => number = Date.now,
    /** The in-process layer of decoded records, when configured (`CACHE_DECODED_TTL_MS`). */
    private readonly decoded: DecodedCache | null = null,
  ) {
    this.recentKeys = decoded ? new RecentHashes((id) => crypto.keyFor(registry, id), decoded.ttlMs, RECENT_KEYS, now) : null;
    if (this.recentKeys) decoded?.keepWith(this.recentKeys);
  }

  /** The backend key of a record: its id's keyed hash. */
  private keyOf(id: string): string {
    return this.recentKeys ? this.recentKeys.hash(id) : this.crypto.keyFor(this.registry, id);
  }

  /**
   * Records for `ids`, in order: a record, null (not found), or the error of a failed
   * fetch. A record served past its TTL because the registry failed carries
   * `provenance.stale = true`. `trace` records the backend round trips under the request (tracing on only).
   */
  async load(ids: readonly string[], fetch: (ids: readonly string[]) => Promise<Map<string, T>>, trace?: RoundTripTrace): Promise<(T | null | Error)[]> {
    const keys = ids.map((id) => this.keyOf(id));
    const f = this.freshness;
    const results: (T | null | Error | undefined)[] = new Array(ids.length);
    // First the records decoded in this process; only the others cost a backend round trip.
    let remote: number[] = keys.map((_, i) => i);
    let decodedHits = 0;
    if (this.decoded) {
      remote = [];
      const now = this.now();
      keys.forEach((key, i) => {
        const entry = this.decoded?.get(key) as Entry<T> | undefined;
        const age = entry ? now - entry.at : Infinity;
        if (entry?.nf && age <= f.negativeTtlSeconds * 1000) results[i] = null;
        else if (entry?.r && age <= f.ttlSeconds * 1000) results[i] = this.served(entry, age, false);
        else return void remote.push(i);
        decodedHits++;
      });
    }
    let raw: (string | null)[] = [];
    const readAt = this.now();
    if (remote.length > 0) {
      try {
        raw = await this.backend.getMany(remote.length === keys.length ? keys : remote.map((i) => keys[i] as string), trace);
        this.observer.roundTrip('get');
      } catch {
        this.observer.error('get');
        raw = remote.map(() => null);
      }
    }
    const now = this.now();
    const toFetch: number[] = [];
    const fallback = new Map<number, Entry<T>>();
    const refresh: string[] = [];
    let hits = decodedHits;
    let stale = 0;

    raw.forEach((value, j) => {
      const i = remote[j] as number;
      const entry = value === null ? null : this.decode(keys[i] as string, value, readAt);
      const age = entry ? now - entry.at : Infinity;
      if (entry?.nf && age <= f.negativeTtlSeconds * 1000) {
        results[i] = null;
        hits++;
      } else if (entry?.r && age <= f.ttlSeconds * 1000) {
        results[i] = this.served(entry, age, false);
        hits++;
      } else if (entry?.r && age <= (f.ttlSeconds + f.staleWhileRevalidateSeconds) * 1000) {
        results[i] = this.served(entry, age, false);
        refresh.push(ids[i] as string);
        stale++;
      } else {
        if (entry?.r && age <= (f.ttlSeconds + f.staleIfErrorSeconds) * 1000) fallback.set(i, entry);
        toFetch.push(i);
      }
    });
    if (hits > 0) this.observer.lookup(this.registry, 'hit', hits);
    if (decodedHits > 0) this.observer.decodedHit?.(this.registry, decodedHits);
    if (stale > 0) this.observer.lookup(this.registry, 'stale', stale);
    if (toFetch.length > 0) this.observer.lookup(this.registry, 'miss', toFetch.length);

    if (toFetch.length > 0) {
      try {
        const fetched = await this.fetchShared(toFetch.map((i) => ids[i] as string), fetch, trace);
        for (const i of toFetch) results[i] = fetched.get(ids[i] as string) ?? null;
      } catch (err) {
        for (const i of toFetch) {
          const old = fallback.get(i);
          results[i] = old ? this.served(old, now - old.at, true) : (err as Error);
        }
      }
    }
    if (refresh.length > 0) this.fetchShared(refresh, fetch, trace).catch(() => {});
    return results as (T | null | Error)[];
  }

  /** Drops these records here and, through the backend, everywhere. */
  async invalidate(ids: readonly string[], trace?: RoundTripTrace): Promise<void> {
    const keys = ids.map((id) => this.keyOf(id));
    this.forget(keys);
    try {
      await this.backend.deleteMany(keys, trace);
      this.observer.roundTrip('delete');
    } catch {
      this.observer.error('delete');
    }
    try {
      await this.backend.publish(JSON.stringify({ keys }), trace);
    } catch {
      this.observer.error('publish');
    }
  }

  /** Another instance invalidated these keys: guard them against our late write-backs. */
  forget(keys: readonly string[]): void {
    this.decoded?.delete(keys);
    const now = this.now();
    for (const k of keys) this.invalidated.set(k, now);
    for (const [k, at] of this.invalidated) if (now - at > INVALIDATION_MEMORY_MS) this.invalidated.delete(k);
  }

  private fetchShared(ids: readonly string[], fetch: (ids: readonly string[]) => Promise<Map<string, T>>, trace: RoundTripTrace | undefined): Promise<Map<string, T | null>> {
    const own = ids.filter((id) => !this.inflight.has(id));
    if (own.length > 0) {
      const startedAt = this.now();
      const batch = fetch(own);
      // Written back in the background: the cache never delays an answer. Until it is
      // written, identical misses keep sharing the fetch rather than asking again.
      const written = batch.then((found) => this.store(own, found, startedAt, trace)).catch(() => {});
      for (const id of own) {
        const one = batch.then((found) => found.get(id) ?? null);
        this.inflight.set(id, one);
        one.then(
          () => written.then(() => this.inflight.delete(id)),
          () => this.inflight.delete(id),
        );
      }
    }
    const waits = ids.map((id) => this.inflight.get(id) as Promise<T | null>);
    return Promise.all(waits).then((records) => new Map(ids.map((id, i) => [id, records[i] ?? null])));
  }

  private async store(ids: readonly string[], found: Map<string, T>, startedAt: number, trace: RoundTripTrace | undefined): Promise<void> {
    const f = this.freshness;
    const items: { key: string; value: string; ttlMs: number }[] = [];
    for (const id of ids) {
      const key = this.keyOf(id);
      const invalidatedAt = this.invalidated.get(key);
      if (invalidatedAt !== undefined && invalidatedAt >= startedAt) continue;
      const record = found.get(id);
      const entry: Entry<T> = record ? { at: startedAt, r: record } : { at: startedAt, nf: 1 };
      const lifetime = record ? f.ttlSeconds + Math.max(f.staleWhileRevalidateSeconds, f.staleIfErrorSeconds) : f.negativeTtlSeconds;
      // Jitter spreads the expiry of records fetched together.
      const ttlMs = lifetime * 1000 * (1 + Math.random() * 0.1);
      const plain = JSON.stringify(entry);
      items.push({ key, value: this.crypto.seal(key, plain), ttlMs });
      // A copy of its own: the record fetched is the request's to use as it likes.
      this.decoded?.set(key, JSON.parse(plain), Buffer.byteLength(plain));
    }
    if (items.length === 0) return;
    try {
      await this.backend.setMany(items, trace);
      this.observer.roundTrip('set');
    } catch {
      this.observer.error('set');
    }
  }

  /** `readAt`: when the backend read started; a value read before an invalidation is served to this request only. */
  private decode(key: string, sealed: string, readAt: number): Entry<T> | null {
    const plain = this.crypto.open(key, sealed);
    if (plain === null) return null;
    let entry: Entry<T>;
    try {
      entry = JSON.parse(plain) as Entry<T>;
    } catch {
      return null;
    }
    if (this.decoded) {
      const invalidatedAt = this.invalidated.get(key);
      if (invalidatedAt === undefined || invalidatedAt < readAt) this.decoded.set(key, entry, Buffer.byteLength(plain));
    }
    return entry;
  }

  /** The cached record, its provenance (and every nested one) saying so. */
  private served(entry: Entry<T>, ageMs: number, stale: boolean): T {
    const record = entry.r as T;
    // A record of the in-process layer is frozen and shared: served as a frozen copy of the
    // objects on the way to each provenance, the rest shared.
    if (Object.isFrozen(record)) return servedCopy(record, Math.floor(ageMs / 1000), stale);
    markProvenance(record, Math.floor(ageMs / 1000), stale);
    return record;
  }
}

/**
 * The copies of the decoded layer's records as last served: a copy is frozen and depends
 * on nothing but the record, its age in whole seconds and whether it is stale, so every
 * request served the same record within the same second shares one. Dropped with the record.
 */
const servedCopies = new WeakMap<object, { ageSeconds: number; stale: boolean; value: unknown }>();

function servedCopy<V extends object>(record: V, ageSeconds: number, stale: boolean): V {
  const last = servedCopies.get(record);
  if (last && last.ageSeconds === ageSeconds && last.stale === stale) return last.value as V;
  const value = withProvenance(record, ageSeconds, stale);
  servedCopies.set(record, { ageSeconds, stale, value });
  return value;
}

/** `value` with every provenance in it marked as served from the cache; copies only what changes, frozen like the original. */
function withProvenance<V>(value: V, ageSeconds: number, stale: boolean): V {
  if (value === null || typeof value !== 'object') return value;
  // Every read of the in-process layer walks its records: no arrays of entries, no spreads
  // (a profile of that path had this function at 4 % of the gateway's time with them).
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      const m = withProvenance(v, ageSeconds, stale);
      if (m !== v) (out ??= value.slice())[i] = m;
    }
    return (out ? Object.freeze(out) : value) as V;
  }
  const record = value as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  for (const k in record) {
    if (!Object.hasOwn(record, k)) continue;
    const v = record[k];
    if (v === null || typeof v !== 'object') continue;
    const m = k === 'provenance' ? servedProvenance(v as ProvenanceRecord, ageSeconds, stale) : withProvenance(v, ageSeconds, stale);
    if (m !== v) (out ??= Object.assign({}, record))[k] = m;
  }
  return (out ? Object.freeze(out) : value) as V;
}

/** A frozen copy of a record's provenance as served from the cache. */
function servedProvenance(p: ProvenanceRecord, ageSeconds: number, stale: boolean): ProvenanceRecord {
  const out = Object.assign({}, p);
  out.fromCache = true;
  out.ageSeconds = ageSeconds;
  out.stale = stale;
  return Object.freeze(out);
}

function markProvenance(value: unknown, ageSeconds: number, stale: boolean): void {
  if (Array.isArray(value)) {
    for (const v of value) if (v !== null && typeof v === 'object') markProvenance(v, ageSeconds, stale);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  // Every record is walked on every read from the cache: no arrays of entries, no objects to merge.
  const record = value as Record<string, unknown>;
  for (const k in record) {
    if (!Object.hasOwn(record, k)) continue;
    const v = record[k];
    if (v === null || typeof v !== 'object') continue;
    if (k === 'provenance') {
      const p = v as { fromCache?: boolean; ageSeconds?: number; stale?: boolean };
      p.fromCache = true;
      p.ageSeconds = ageSeconds;
      p.stale = stale;
    } else markProvenance(v, ageSeconds, stale);
  }
}

import type { PersonRecord } from '../../connectors/types';
import { MemoryBackend } from '../../src/cache/backends';
import { ephemeralCacheCrypto } from '../../src/cache/CacheCrypto';
import { DecodedCache, deepFreeze } from '../../src/cache/DecodedCache';
import { RecentHashes } from '../../src/cache/RecentHashes';
import { RegistryCache, type CacheObserver } from '../../src/cache/RegistryCache';

/**
 * The in-process layer of decoded records without Redis: the in-process backend, an
 * injected clock, and a registry that is a function counting its calls. The same layer
 * over a real Redis, with change events and pub/sub, is in tests/decodedCache.test.ts.
 */
const FRESHNESS = { ttlSeconds: 60, staleWhileRevalidateSeconds: 30, staleIfErrorSeconds: 600, negativeTtlSeconds: 20 };
const IDS = ['001088000012', '001088000013', '001088000014'];

function setup(options: { ttlMs?: number; maxBytes?: number } = {}) {
  let clock = Date.parse('2026-12-01T00:00:00Z');
  const now = () => clock;
  let reliable = true;
  const decoded = new DecodedCache(options.ttlMs ?? 3000, options.maxBytes ?? 1_000_000, () => reliable, now);
  const counts = { backendReads: 0, registryCalls: 0, decodedHits: 0 };
  const observer: CacheObserver = {
    lookup: () => {},
    decodedHit: (_r, n) => void (counts.decodedHits += n),
    roundTrip: (op) => void (op === 'get' && counts.backendReads++),
    error: () => {},
  };
  const crypto = ephemeralCacheCrypto('t:');
  const cache = new RegistryCache<PersonRecord>('POPULATION', new MemoryBackend(100, now), crypto, FRESHNESS, observer, now, decoded);
  const fetch = async (ids: readonly string[]) => {
    counts.registryCalls++;
    return new Map(
      ids.map((id) => [
        id,
        { id, fullName: `Người ${id.slice(-2)}`, otherNames: ['Tên khác'], provenance: { registry: 'POPULATION', asOf: '2026-01-01T00:00:00Z', fetchedAt: new Date(clock).toISOString(), fromCache: false, ageSeconds: 0, stale: false } } as unknown as PersonRecord,
      ]),
    );
  };
  return {
    cache,
    crypto,
    decoded,
    counts,
    fetch,
    advance: (ms: number) => void (clock += ms),
    setReliable: (r: boolean) => void (reliable = r),
  };
}

describe('the in-process layer of decoded records', () => {
  it('serves a record again without the backend or the registry, until its time is up', async () => {
    const t = setup();
    await t.cache.load(IDS, t.fetch);
    expect(t.counts).toMatchObject({ backendReads: 1, registryCalls: 1 });
    t.advance(2999);
    await t.cache.load(IDS, t.fetch);
    expect(t.counts).toMatchObject({ backendReads: 1, registryCalls: 1, decodedHits: 3 });
    t.advance(1);
    await t.cache.load(IDS, t.fetch);
    // Back to the backend, which still holds them; not to the registry.
    expect(t.counts).toMatchObject({ backendReads: 2, registryCalls: 1, decodedHits: 3 });
    await t.cache.load(IDS, t.fetch);
    expect(t.counts).toMatchObject({ backendReads: 2, registryCalls: 1, decodedHits: 6 });
  });

  it('asks the backend only for the records it does not hold', async () => {
    const t = setup();
    await t.cache.load(IDS.slice(0, 2), t.fetch);
    const reads = t.counts.backendReads;
    const out = await t.cache.load(IDS, t.fetch);
    expect(out.map((r) => (r as PersonRecord).id)).toEqual(IDS);
    expect(t.counts.backendReads).toBe(reads + 1);
    expect(t.counts.decodedHits).toBe(2);
  });

  it('hands out frozen records, marked as cached with their age, the fetched one staying the request’s own', async () => {
    const t = setup();
    const [fetched] = (await t.cache.load(IDS.slice(0, 1), t.fetch)) as PersonRecord[];
    expect(Object.isFrozen(fetched)).toBe(false);
    (fetched as PersonRecord).fullName = 'changed by the first request';
    t.advance(2000);
    const [served] = (await t.cache.load(IDS.slice(0, 1), t.fetch)) as PersonRecord[];
    expect(served?.fullName).toBe('Người 12');
    expect(served?.provenance).toMatchObject({ fromCache: true, ageSeconds: 2, stale: false, fetchedAt: '2026-12-01T00:00:00.000Z' });
    expect(Object.isFrozen(served) && Object.isFrozen(served?.otherNames) && Object.isFrozen(served?.provenance)).toBe(true);
    expect(() => (served as PersonRecord).otherNames.push('x')).toThrow(TypeError);
    t.advance(500);
    const [again] = (await t.cache.load(IDS.slice(0, 1), t.fetch)) as PersonRecord[];
    // Each request gets its own provenance: the age of one does not change another's.
    expect(served?.provenance.ageSeconds).toBe(2);
    expect(again?.provenance.ageSeconds).toBe(2);
    expect(again?.otherNames).toBe(served?.otherNames);
  });

  it('shares one served copy within a second, and makes a new one when its age in seconds changes', async () => {
    const t = setup({ ttlMs: 5000 });
    await t.cache.load(IDS.slice(0, 1), t.fetch);
    t.advance(1200);
    const [first] = (await t.cache.load(IDS.slice(0, 1), t.fetch)) as PersonRecord[];
    t.advance(700);
    const [same] = (await t.cache.load(IDS.slice(0, 1), t.fetch)) as PersonRecord[];
    // 1.2 s and 1.9 s are both one whole second old: the same frozen copy, nothing in it changed.
    expect(same).toBe(first);
    t.advance(100);
    const [later] = (await t.cache.load(IDS.slice(0, 1), t.fetch)) as PersonRecord[];
    expect(later).not.toBe(first);
    expect([first?.provenance.ageSeconds, later?.provenance.ageSeconds]).toEqual([1, 2]);
    expect(Object.isFrozen(later?.provenance)).toBe(true);
    // The record kept stays as fetched: its own provenance was never marked.
    const kept = t.decoded.get(t.crypto.keyFor('POPULATION', IDS[0] as string)) as { r: PersonRecord };
    expect(kept.r.provenance).toMatchObject({ fromCache: false, ageSeconds: 0 });
  });

  it('remembers "not found" too', async () => {
    const t = setup();
    const none = async () => (t.counts.registryCalls++, new Map<string, PersonRecord>());
    expect(await t.cache.load(IDS.slice(0, 1), none)).toEqual([null]);
    expect(await t.cache.load(IDS.slice(0, 1), none)).toEqual([null]);
    expect(t.counts).toMatchObject({ registryCalls: 1, decodedHits: 1 });
  });

  it('drops records invalidated here or announced by another instance', async () => {
    const t = setup();
    await t.cache.load(IDS, t.fetch);
    await t.cache.invalidate(IDS.slice(0, 1));
    expect(t.decoded.stats().entries).toBe(2);
    // What another instance's invalidation does when its message arrives.
    t.cache.forget([t.crypto.keyFor('POPULATION', IDS[1] as string)]);
    expect(t.decoded.stats().entries).toBe(1);
    const hits = t.counts.decodedHits;
    await t.cache.load(IDS, t.fetch);
    expect(t.counts.decodedHits - hits).toBe(1);
  });

  it('neither serves nor keeps anything while invalidations could be missed', async () => {
    const t = setup();
    await t.cache.load(IDS, t.fetch);
    expect(t.decoded.stats().entries).toBe(3);
    t.setReliable(false);
    await t.cache.load(IDS, t.fetch);
    expect(t.counts.decodedHits).toBe(0);
    expect(t.decoded.stats()).toEqual({ entries: 0, bytes: 0 });
    t.setReliable(true);
    await t.cache.load(IDS, t.fetch);
    expect(t.counts.decodedHits).toBe(0);
    await t.cache.load(IDS, t.fetch);
    expect(t.counts.decodedHits).toBe(3);
  });

  it('keeps within its byte bound, dropping the least recently used first', () => {
    let clock = 0;
    const layer = new DecodedCache(1000, 100, () => true, () => clock);
    layer.set('a', { v: 1 }, 40);
    layer.set('b', { v: 2 }, 40);
    expect(layer.get('a')).toEqual({ v: 1 }); // a is now the most recently used
    layer.set('c', { v: 3 }, 40);
    expect(layer.get('b')).toBeUndefined();
    expect(layer.get('a')).toEqual({ v: 1 });
    expect(layer.stats()).toEqual({ entries: 2, bytes: 80 });
    layer.set('huge', { v: 4 }, 101);
    expect(layer.get('huge')).toBeUndefined();
    clock += 1000;
    expect(layer.get('a')).toBeUndefined();
    expect(layer.stats()).toEqual({ entries: 1, bytes: 40 });
  });

  it.each([[0], [-1], [1.5], [NaN]])('refuses a lifetime or bound of %s', (bad) => {
    expect(() => new DecodedCache(bad, 100, () => true)).toThrow(/ttlMs must be a positive integer/);
    expect(() => new DecodedCache(100, bad, () => true)).toThrow(/maxBytes must be a positive integer/);
  });

  it('freezes deeply', () => {
    const value = deepFreeze({ a: [{ b: 1 }], c: { d: 'e' } });
    expect(Object.isFrozen(value.a[0]) && Object.isFrozen(value.c)).toBe(true);
  });
});

describe('keyed hashes of recent ids', () => {
  function counting(ttlMs: number, max: number) {
    let clock = 0;
    const computed: string[] = [];
    const hashes = new RecentHashes((input) => (computed.push(input), `h(${input})`), ttlMs, max, () => clock);
    return { hashes, computed, advance: (ms: number) => void (clock += ms) };
  }

  it('computes each input once within its time, and again after it, counted from when it was computed', () => {
    const t = counting(2000, 10);
    expect(t.hashes.hash('001088000012')).toBe('h(001088000012)');
    t.advance(1999);
    expect(t.hashes.hash('001088000012')).toBe('h(001088000012)');
    expect(t.computed).toEqual(['001088000012']);
    // Used a moment ago, but computed 2 s ago: computed again, not kept on by use.
    t.advance(1);
    t.hashes.hash('001088000012');
    expect(t.computed).toEqual(['001088000012', '001088000012']);
  });

  it('keeps at most its bound: the expired first, else the oldest half', () => {
    const t = counting(1000, 4);
    for (const id of ['a', 'b']) t.hashes.hash(id);
    t.advance(1000);
    for (const id of ['c', 'd']) t.hashes.hash(id);
    t.hashes.hash('e'); // full: a and b have expired and go
    expect(t.hashes.size).toBe(3);
    t.hashes.hash('f');
    t.hashes.hash('g'); // full, none expired: c and d, the oldest, go
    expect(t.hashes.size).toBe(3);
    t.computed.length = 0;
    for (const id of ['e', 'f', 'g', 'c']) t.hashes.hash(id);
    expect(t.computed).toEqual(['c']);
  });

  it('sweeps what has outlived its time, in the order computed, a recomputed entry moving to the end', () => {
    const t = counting(2000, 10);
    t.hashes.hash('a'); // until 2000
    t.advance(500);
    t.hashes.hash('b'); // until 2500
    t.advance(1500);
    t.hashes.hash('a'); // expired: computed again, until 4000, now after b
    t.advance(600); // 2600: b is past its time, a is not
    expect(t.hashes.sweep()).toBe(1);
    expect(t.hashes.size).toBe(1);
    t.advance(1400);
    expect(t.hashes.sweep()).toBe(1);
    expect(t.hashes.size).toBe(0);
  });

  it('leaves the heap with the decoded layer: swept with its records, emptied with them', () => {
    let clock = 0;
    const layer = new DecodedCache(1000, 1000, () => true, () => clock);
    const hashes = new RecentHashes((x) => `h(${x})`, 1000, 10, () => clock);
    layer.keepWith(hashes);
    layer.set('k1', { v: 1 }, 10);
    hashes.hash('001088000012');
    clock += 1000;
    // Nobody asks again: both are gone after the sweep, not only hidden.
    layer.sweep();
    expect([layer.stats().entries, hashes.size]).toEqual([0, 0]);
    layer.set('k2', { v: 2 }, 10);
    hashes.hash('001088000013');
    layer.clear();
    expect([layer.stats().entries, hashes.size]).toEqual([0, 0]);
  });

  it.each([[0], [-1], [1.5], [NaN]])('refuses a lifetime or bound of %s', (bad) => {
    expect(() => new RecentHashes(String, bad, 10)).toThrow(/ttlMs must be a positive integer/);
    expect(() => new RecentHashes(String, 10, bad)).toThrow(/max must be a positive integer/);
  });
});

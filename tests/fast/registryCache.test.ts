import type { PersonRecord } from '../../connectors/types';
import { MemoryBackend, type CacheBackend } from '../../src/cache/backends';
import { ephemeralCacheCrypto } from '../../src/cache/CacheCrypto';
import { RegistryCache, type CacheObserver } from '../../src/cache/RegistryCache';

/**
 * The registry cache without HTTP or Redis: the in-process backend the gateway uses by
 * default, an injected clock moved by the test, and a registry that is a function
 * counting its calls. Freshness, stale-while-revalidate, stale-if-error, negative
 * entries, shared fetches, sealed values and the invalidation race are each judged on
 * the clock alone.
 */
const FRESHNESS = { ttlSeconds: 60, staleWhileRevalidateSeconds: 30, staleIfErrorSeconds: 600, negativeTtlSeconds: 20 };
const ID = '001088000012';
const NAME = 'Phạm Thị Lan';

const record = (fullName = NAME): PersonRecord =>
  ({ id: ID, fullName, provenance: { registry: 'POPULATION', asOf: '2026-01-01T00:00:00Z', fetchedAt: '2026-12-01T00:00:00Z', fromCache: false, ageSeconds: 0, stale: false } }) as PersonRecord;

/** The backend the gateway uses without Redis, with each write announced so a test can wait for it. */
class WatchedBackend implements CacheBackend {
  readonly kind = 'memory';
  readonly inner: MemoryBackend;
  readonly values: string[] = [];
  private waiting: (() => void)[] = [];
  constructor(now: () => number) {
    this.inner = new MemoryBackend(100, now);
  }
  getMany(keys: string[]) {
    return this.inner.getMany(keys);
  }
  async setMany(items: { key: string; value: string; ttlMs: number }[]) {
    await this.inner.setMany(items);
    this.values.push(...items.map((i) => `${i.key} ${i.value}`));
    for (const w of this.waiting.splice(0)) w();
  }
  deleteMany(keys: string[]) {
    return this.inner.deleteMany(keys);
  }
  publish = async () => {};
  onMessage() {}
  up() {
    return true;
  }
  close() {
    return this.inner.close();
  }
  /** Resolves at the next write-back. */
  nextWrite(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}

function setup() {
  let clock = Date.parse('2026-12-01T00:00:00Z');
  const now = () => clock;
  const backend = new WatchedBackend(now);
  const counts = { hit: 0, miss: 0, stale: 0 };
  const observer: CacheObserver = { lookup: (_r, result, n) => void (counts[result] += n), roundTrip: () => {}, error: () => {} };
  const cache = new RegistryCache<PersonRecord>('POPULATION', backend, ephemeralCacheCrypto('t:'), FRESHNESS, observer, now);
  const registry = { calls: [] as string[][], fail: false, holds: new Map([[ID, NAME]]) };
  const fetch = async (ids: readonly string[]) => {
    registry.calls.push([...ids]);
    if (registry.fail) throw new Error('registry down');
    return new Map(ids.filter((id) => registry.holds.has(id)).map((id) => [id, record(registry.holds.get(id))]));
  };
  const load = async (id = ID) => (await cache.load([id], fetch))[0];
  return { cache, backend, registry, counts, load, fetch, advance: (seconds: number) => void (clock += seconds * 1000) };
}

describe('registry cache, on an injected clock', () => {
  it('serves a record within its TTL without asking the registry, saying how old it is', async () => {
    const t = setup();
    const written = t.backend.nextWrite();
    expect(await t.load()).toMatchObject({ fullName: NAME, provenance: { fromCache: false } });
    await written;
    t.advance(42);
    expect(await t.load()).toMatchObject({ fullName: NAME, provenance: { fromCache: true, ageSeconds: 42, stale: false } });
    expect(t.registry.calls).toEqual([[ID]]);
    expect(t.counts).toMatchObject({ hit: 1, miss: 1 });
  });

  it('past the TTL serves the old record once and refreshes it in the background', async () => {
    const t = setup();
    let written = t.backend.nextWrite();
    await t.load();
    await written;
    t.registry.holds.set(ID, 'Phạm Thị Lan Anh');
    t.advance(75);
    written = t.backend.nextWrite();
    expect(await t.load()).toMatchObject({ fullName: NAME, provenance: { fromCache: true } });
    await written;
    expect(await t.load()).toMatchObject({ fullName: 'Phạm Thị Lan Anh' });
    expect(t.registry.calls).toHaveLength(2);
    expect(t.counts.stale).toBe(1);
  });

  it('serves a stale record, marked stale, while the registry fails, and the error once that runs out', async () => {
    const t = setup();
    const written = t.backend.nextWrite();
    await t.load();
    await written;
    t.registry.fail = true;
    t.advance(300);
    expect(await t.load()).toMatchObject({ fullName: NAME, provenance: { stale: true, fromCache: true, ageSeconds: 300 } });
    t.advance(400);
    expect(await t.load()).toBeInstanceOf(Error);
  });

  it('remembers "not found" for its own shorter time', async () => {
    const t = setup();
    const other = '079190000034';
    const written = t.backend.nextWrite();
    expect(await t.load(other)).toBeNull();
    await written;
    t.advance(19);
    expect(await t.load(other)).toBeNull();
    expect(t.registry.calls).toEqual([[other]]);
    t.registry.holds.set(other, 'Võ Minh Tuấn');
    t.advance(2);
    expect(await t.load(other)).toMatchObject({ fullName: 'Võ Minh Tuấn' });
  });

  it('shares one registry call between identical misses in flight', async () => {
    const t = setup();
    const [a, b] = await Promise.all([t.load(), t.load()]);
    expect(a).toMatchObject({ fullName: NAME });
    expect(b).toMatchObject({ fullName: NAME });
    expect(t.registry.calls).toEqual([[ID]]);
  });

  it('never writes back a record fetched before an invalidation', async () => {
    const t = setup();
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = async (ids: readonly string[]) => {
      await gate;
      return t.fetch(ids);
    };
    const loading = t.cache.load([ID], slow);
    await t.cache.invalidate([ID]);
    release();
    expect((await loading)[0]).toMatchObject({ fullName: NAME });
    // The next fetch, begun after the invalidation, is written back: the only write there is.
    t.registry.holds.set(ID, 'Phạm Thị Lan Anh');
    t.advance(1);
    const written = t.backend.nextWrite();
    expect(await t.load()).toMatchObject({ fullName: 'Phạm Thị Lan Anh', provenance: { fromCache: false } });
    await written;
    expect(t.backend.values).toEqual([expect.stringContaining('t:c:population:')]);
    expect(t.registry.calls).toHaveLength(2);
  });

  it('keeps neither the personal ID in a key nor the record in clear in a value, and treats a tampered value as a miss', async () => {
    const t = setup();
    const written = t.backend.nextWrite();
    await t.load();
    await written;
    const [entry] = t.backend.values;
    expect(entry).not.toContain(ID);
    expect(entry).not.toContain(NAME);
    expect(entry).not.toContain(Buffer.from(NAME).toString('base64'));
    const [key, value] = (entry as string).split(' ') as [string, string];
    // One bit of the sealed body flipped (`v1.<key id>.<iv>.<body>`): a character swap can land on base64's unused bits.
    const [version, keyId, iv, body] = value.split('.') as [string, string, string, string];
    const sealed = Buffer.from(body, 'base64url');
    sealed.writeUInt8((sealed[sealed.length >> 1] as number) ^ 0x01, sealed.length >> 1);
    const flipped = [version, keyId, iv, sealed.toString('base64url')].join('.');
    expect(flipped).not.toBe(value);
    await t.backend.inner.setMany([{ key, value: flipped, ttlMs: 60_000 }]);
    expect(await t.load()).toMatchObject({ fullName: NAME, provenance: { fromCache: false } });
    expect(t.registry.calls).toHaveLength(2);
  });
});

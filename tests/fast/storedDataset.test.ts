import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeDataset, encodeDataset, loadOrGenerateDataset } from '../../mocks/data/datasetCache';
import { generateDataset } from '../../mocks/data/generateDataset';
import { LazyRecordMap, type ReadBytes } from '../../mocks/data/LazyRecordMap';
import type { MockDataset } from '../../mocks/data/types';

const generated = generateDataset({ seed: 'stored-dataset', size: 300 });
const stored = encodeDataset(generated);

/** Reads from `bytes`, counting the reads and the bytes read. */
function counting(bytes: Buffer) {
  const reads: [number, number][] = [];
  const read: ReadBytes = (start, end) => {
    reads.push([start, end]);
    return Buffer.from(bytes.subarray(start, end));
  };
  return { read, reads, size: bytes.length, bytesRead: () => reads.reduce((n, [s, e]) => n + e - s, 0) };
}

const asPlain = (d: MockDataset) => ({
  seed: d.seed,
  asOf: d.asOf,
  personas: d.personas,
  people: [...d.people],
  residences: [...d.residences],
  households: [...d.households],
  documents: [...d.documents],
});

describe('a stored dataset', () => {
  it('reads back equal to what was generated: every map, in order, and the personas', () => {
    const { read } = counting(stored);
    const decoded = decodeDataset(read, stored.length);
    expect(decoded.people.size).toBe(generated.people.size);
    expect(asPlain(decoded)).toEqual(asPlain(generated));
  });

  it('reads the header and index at once and each record only when it is asked for', () => {
    const source = counting(stored);
    const decoded = decodeDataset(source.read, stored.length);
    const atOpen = source.reads.length;
    expect(source.bytesRead()).toBeLessThan(stored.length / 10);
    const id = [...generated.people.keys()][42] as string;
    const person = decoded.people.get(id);
    expect(person).toEqual(generated.people.get(id));
    expect(source.reads.length).toBe(atOpen + 1);
    // Decoded once, then kept: a change to it is what the next reader sees.
    expect(decoded.people.get(id)).toBe(person);
    expect(source.reads.length).toBe(atOpen + 1);
    // Iterating reads what is left in one read.
    expect([...decoded.people.values()]).toHaveLength(generated.people.size);
    expect(source.reads.length).toBe(atOpen + 2);
  });

  it('refuses bytes of another format or cut short', () => {
    const other = Buffer.from('something else entirely, long enough to have a header');
    expect(() => decodeDataset(counting(other).read, other.length)).toThrow(/not a stored dataset/);
    const short = stored.subarray(0, stored.length - 10);
    expect(() => decodeDataset(counting(short).read, short.length)).toThrow(/not a stored dataset/);
    const headerOnly = stored.subarray(0, 200);
    expect(() => decodeDataset(counting(headerOnly).read, headerOnly.length)).toThrow(/not a stored dataset/);
  });

  it('is read from the cache directory once stored, and regenerated when the file is damaged', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gw-stored-dataset-'));
    try {
      // What earlier versions and dead writers left: removed when this one is stored; a partial file being written is kept.
      const superseded = `dataset-${'0'.repeat(24)}.v8`;
      writeFileSync(path.join(dir, superseded), 'an older dataset');
      writeFileSync(path.join(dir, 'dataset-x.v8.1-0.tmp'), 'left by a dead writer');
      const hoursAgo = new Date(Date.now() - 2 * 3600_000);
      utimesSync(path.join(dir, 'dataset-x.v8.1-0.tmp'), hoursAgo, hoursAgo);
      writeFileSync(path.join(dir, 'dataset-y.v8.2-0.tmp'), 'being written');
      const options = { seed: 'stored-dataset', size: 300 };
      const first = loadOrGenerateDataset(options, dir);
      expect(first.people).not.toBeInstanceOf(LazyRecordMap);
      expect(readdirSync(dir).filter((f) => f !== 'dataset-y.v8.2-0.tmp' && f !== superseded && f !== 'dataset-x.v8.1-0.tmp')).toHaveLength(1);
      expect(readdirSync(dir)).toContain('dataset-y.v8.2-0.tmp');
      expect(readdirSync(dir)).not.toContain(superseded);
      expect(readdirSync(dir)).not.toContain('dataset-x.v8.1-0.tmp');
      rmSync(path.join(dir, 'dataset-y.v8.2-0.tmp'));
      const [file] = readdirSync(dir);
      expect(file).toMatch(/^dataset-[0-9a-f]{24}\.v8$/);
      const second = loadOrGenerateDataset(options, dir);
      expect(second.people).toBeInstanceOf(LazyRecordMap);
      expect(asPlain(second)).toEqual(asPlain(generated));

      truncateSync(path.join(dir, file as string), 1000);
      const third = loadOrGenerateDataset(options, dir);
      expect(third.people).not.toBeInstanceOf(LazyRecordMap);
      expect(asPlain(third)).toEqual(asPlain(generated));
      writeFileSync(path.join(dir, file as string), 'not a dataset');
      expect(asPlain(loadOrGenerateDataset(options, dir))).toEqual(asPlain(generated));
      expect(loadOrGenerateDataset(options, dir).people).toBeInstanceOf(LazyRecordMap);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a stored dataset, damaged', () => {
  it('fails the read of a record that cannot be decoded, removes the file, and is generated again at the next start', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gw-stored-dataset-'));
    try {
      const options = { seed: 'stored-dataset', size: 300 };
      loadOrGenerateDataset(options, dir);
      const [name] = readdirSync(dir);
      const file = path.join(dir, name as string);
      // Where person 7's record is: the one read a lazy map makes for it.
      const source = counting(readFileSync(file));
      const probe = decodeDataset(source.read, source.size);
      const id = [...probe.people.keys()][7] as string;
      const before = source.reads.length;
      probe.people.get(id);
      const [start, end] = source.reads[before] as [number, number];
      // One byte in the middle of the record: V8 would mostly decode it, wrong; the checksum does not.
      const bytes = readFileSync(file);
      const middle = Math.floor((start + end) / 2);
      bytes[middle] = (bytes[middle] as number) ^ 0x20;
      writeFileSync(file, bytes);

      const damaged = loadOrGenerateDataset(options, dir);
      expect(damaged.people).toBeInstanceOf(LazyRecordMap);
      expect(damaged.people.get([...probe.people.keys()][8] as string)).toEqual(generated.people.get([...probe.people.keys()][8] as string));
      expect(() => damaged.people.get(id)).toThrow(`the stored record of ${id} cannot be decoded`);
      expect(readdirSync(dir)).toEqual([]);
      const again = loadOrGenerateDataset(options, dir);
      expect(again.people).not.toBeInstanceOf(LazyRecordMap);
      expect(again.people.get(id)).toEqual(generated.people.get(id));
      expect(readdirSync(dir)).toEqual([name]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('LazyRecordMap', () => {
  it('keeps the objects a record shares within itself shared', () => {
    const decoded = decodeDataset(counting(stored).read, stored.length);
    let shared = 0;
    for (const [id, r] of generated.residences) {
      if (!r.permanent || r.current !== r.permanent.address) continue;
      shared++;
      const back = decoded.residences.get(id);
      expect(back?.current).toBe(back?.permanent?.address);
    }
    expect(shared).toBeGreaterThan(50);
  });

  it('goes on over keys added, and skips keys deleted, during an iteration, as a Map does', () => {
    const steps: [string, (m: Map<string, number>) => void][] = [
      ['delete b, add d', (m) => (m.delete('b'), m.set('d', 4))],
      ['delete a and add it again', (m) => (m.delete('a'), m.set('a', 1))],
      ['clear, add z', (m) => (m.clear(), m.set('z', 26))],
    ];
    for (const [, change] of steps) {
      const plain = new Map([['a', 1], ['b', 2], ['c', 3]]);
      const encoded = encodeDataset({ seed: '', asOf: '', personas: [], people: plain, residences: new Map(), households: new Map(), documents: new Map() } as unknown as MockDataset);
      const lazy = decodeDataset(counting(encoded).read, encoded.length).people as unknown as Map<string, number>;
      const walk = (m: Map<string, number>) => {
        const seen: string[] = [];
        let changed = false;
        for (const [key] of m) {
          seen.push(key);
          if (!changed) {
            changed = true;
            change(m);
          }
        }
        return seen;
      };
      expect(walk(lazy)).toEqual(walk(new Map(plain)));
    }
  });

  it('shows nothing of its internals to JSON or to an enumeration of its properties', () => {
    const decoded = decodeDataset(counting(stored).read, stored.length);
    expect(JSON.stringify(decoded.people)).toBe('{}');
    expect(Object.keys(decoded.people)).toEqual([]);
  });

  it('behaves as a Map: order, size, has, get, set, delete, clear, forEach', () => {
    const source = counting(stored);
    const map = decodeDataset(source.read, stored.length).households;
    const keys = [...generated.households.keys()];
    expect([...map.keys()]).toEqual(keys);
    expect(map.has(keys[0] as string)).toBe(true);
    expect(map.has('no such key')).toBe(false);
    expect(map.get('no such key')).toBeUndefined();

    const replacement = { ...(generated.households.get(keys[1] as string) as object), updatedAt: 'changed' } as never;
    map.set(keys[1] as string, replacement);
    expect(map.get(keys[1] as string)).toBe(replacement);
    map.set('new-household', replacement);
    expect(map.size).toBe(keys.length + 1);
    expect([...map.keys()].at(-1)).toBe('new-household');

    expect(map.delete(keys[0] as string)).toBe(true);
    expect(map.delete(keys[0] as string)).toBe(false);
    expect(map.has(keys[0] as string)).toBe(false);
    expect(map.size).toBe(keys.length);
    expect([...map.keys()]).toEqual([...keys.slice(1), 'new-household']);

    const seen: string[] = [];
    map.forEach((value, key, m) => {
      expect(m).toBe(map);
      expect(value).toBe(map.get(key));
      seen.push(key);
    });
    expect(seen).toEqual([...keys.slice(1), 'new-household']);
    expect(new Map(map)).toEqual(new Map([...keys.slice(1).map((k) => [k, k === keys[1] ? replacement : generated.households.get(k)] as const), ['new-household', replacement]]));

    map.clear();
    expect(map.size).toBe(0);
    expect([...map]).toEqual([]);
  });

  it('refuses an index that does not fit its records', () => {
    const read: ReadBytes = () => Buffer.alloc(0);
    expect(() => new LazyRecordMap(read, ['a', 'b'], 0, [4])).toThrow(RangeError);
    expect(() => new LazyRecordMap(read, ['a', 'a'], 0, [4, 8])).toThrow(/stored twice/);
    expect(() => new LazyRecordMap(read, ['a', 'b'], 0, [8, 4])).toThrow(/ends before it starts/);
  });
});

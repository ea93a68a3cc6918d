import { createHash } from 'node:crypto';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import path from 'node:path';
import { serialize } from 'node:v8';
import { crc32 } from 'node:zlib';
import { generateDataset, type DatasetOptions } from './generateDataset';
import { LazyRecordMap, type ReadBytes } from './LazyRecordMap';
import type { MockDataset, MockDocument, MockHousehold, MockPerson, MockResidence } from './types';

/** The dataset's four maps, stored record by record. */
const MAPS = ['people', 'residences', 'households', 'documents'] as const;
type MapName = (typeof MAPS)[number];
/** First bytes of a stored dataset; another format (an older one included) is regenerated. */
const MAGIC = Buffer.from('vn-mock-dataset/3\n');
/** MAGIC, then the header's length in 4 bytes. */
const PRELUDE = MAGIC.length + 4;

interface StoredHeader {
  seed: string;
  asOf: string;
  personas: MockDataset['personas'];
  /** Per map: how many records, and the length in bytes of its keys joined by newlines. */
  maps: Record<MapName, { count: number; keyBytes: number }>;
}

/**
 * The stored form: MAGIC, the header's length (4 bytes, big-endian) and the header as JSON;
 * the index — per map, its keys joined by newlines, then per record where it ends (counted from
 * the first record) and its CRC-32, 4 bytes each, big-endian; then every record as its own V8 serialisation,
 * map after map. Records are read and decoded when first asked for (LazyRecordMap).
 */
export function encodeDataset(dataset: MockDataset): Buffer {
  const records: Buffer[] = [];
  const index: Buffer[] = [];
  const maps = {} as StoredHeader['maps'];
  let offset = 0;
  for (const name of MAPS) {
    const map = dataset[name] as Map<string, unknown>;
    const keys = Buffer.from([...map.keys()].join('\n'));
    const ends = Buffer.alloc(8 * map.size);
    let i = 0;
    for (const value of map.values()) {
      const bytes = serialize(value);
      records.push(bytes);
      offset += bytes.length;
      ends.writeUInt32BE(offset, 8 * i);
      ends.writeUInt32BE(crc32(bytes), 8 * i++ + 4);
    }
    index.push(keys, ends);
    maps[name] = { count: map.size, keyBytes: keys.length };
  }
  const header = Buffer.from(JSON.stringify({ seed: dataset.seed, asOf: dataset.asOf, personas: dataset.personas, maps } satisfies StoredHeader));
  const length = Buffer.alloc(4);
  length.writeUInt32BE(header.length);
  return Buffer.concat([MAGIC, length, header, ...index, ...records]);
}

/**
 * A stored dataset, given a way to read its bytes: the header and the index are read at once,
 * each record when first asked for. Throws on anything that is not encodeDataset's format;
 * `onDamaged` is told when a record read later cannot be decoded.
 */
export function decodeDataset(read: ReadBytes, totalBytes: number, onDamaged?: (error: Error) => void): MockDataset {
  const bad = (why: string) => new Error(`not a stored dataset of this format: ${why}`);
  if (totalBytes < PRELUDE || !read(0, MAGIC.length).equals(MAGIC)) throw bad('wrong magic');
  const headerEnd = PRELUDE + read(MAGIC.length, PRELUDE).readUInt32BE(0);
  if (headerEnd > totalBytes) throw bad('header cut short');
  const header = JSON.parse(read(PRELUDE, headerEnd).toString('utf8')) as StoredHeader;
  const indexBytes = MAPS.reduce((n, name) => n + header.maps[name].keyBytes + 8 * header.maps[name].count, 0);
  if (headerEnd + indexBytes > totalBytes) throw bad('index cut short');
  const index = read(headerEnd, headerEnd + indexBytes);
  const recordsStart = headerEnd + indexBytes;
  const readRecords: ReadBytes = (start, end) => {
    if (recordsStart + end > totalBytes) throw bad('records cut short');
    return read(recordsStart + start, recordsStart + end);
  };
  let at = 0;
  let recordsEnd = 0;
  const lazy = <V>(name: MapName): LazyRecordMap<V> => {
    const { count, keyBytes } = header.maps[name];
    const keys = count === 0 ? [] : index.toString('utf8', at, at + keyBytes).split('\n');
    at += keyBytes;
    const ends = new Array<number>(count);
    const checksums = new Array<number>(count);
    for (let i = 0; i < count; i++, at += 8) {
      ends[i] = index.readUInt32BE(at);
      checksums[i] = index.readUInt32BE(at + 4);
    }
    const map = new LazyRecordMap<V>(readRecords, keys, recordsEnd, ends, onDamaged, checksums);
    recordsEnd = count === 0 ? recordsEnd : (ends[count - 1] as number);
    return map;
  };
  const people = lazy<MockPerson>('people');
  const residences = lazy<MockResidence>('residences');
  const households = lazy<MockHousehold>('households');
  const documents = lazy<MockDocument[]>('documents');
  if (recordsStart + recordsEnd !== totalBytes) throw bad('records and index disagree');
  return { seed: header.seed, asOf: header.asOf, personas: header.personas, people, residences, households, documents };
}

/** Closes a stored dataset's file once nothing can read from it any more. */
const closeWhenUnreachable = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd);
  } catch {
    // Already closed: nothing to do.
  }
});

/**
 * A stored dataset in `file`, kept open while its maps are in use: records are read as they are
 * asked for. A record that cannot be decoded removes the file, so the next start generates the
 * data again, and its read fails.
 */
function openStoredDataset(file: string): MockDataset {
  const fd = openSync(file, 'r');
  try {
    const read: ReadBytes = (start, end) => {
      const bytes = Buffer.allocUnsafe(end - start);
      let done = 0;
      while (done < bytes.length) {
        const n = readSync(fd, bytes, done, bytes.length - done, start + done);
        if (n === 0) throw new Error(`${file} ends before byte ${end}`);
        done += n;
      }
      return bytes;
    };
    const dataset = decodeDataset(read, fstatSync(fd).size, () => {
      // Said once, without the record's key (a personal ID): the registries answer 500 for the damaged records until a restart.
      if (!existsSync(file)) return;
      rmSync(file, { force: true });
      process.stderr.write(`The stored mock dataset ${file} is damaged: removed; restart to generate it again.\n`);
    });
    closeWhenUnreachable.register(read, fd);
    return dataset;
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/**
 * The code the data is generated by: a change to it makes every stored dataset stale. The
 * TypeScript sources when they are there, so that `npm start` (from dist/) and the tests
 * (from the sources) share one stored dataset; the compiled files otherwise.
 */
function generatorFingerprint(): string {
  const fromSources = path.join(__dirname, '..', '..', '..', 'mocks', 'data');
  const here = existsSync(path.join(__dirname, 'generateDataset.ts')) || !existsSync(path.join(fromSources, 'generateDataset.ts')) ? __dirname : fromSources;
  const hash = createHash('sha256');
  for (const dir of [here, path.join(here, '..', '..', 'src', 'domain')]) {
    for (const file of readdirSync(dir).filter((f) => /\.(ts|js|json)$/.test(f) && !f.endsWith('.d.ts')).sort()) {
      hash.update(file).update(readFileSync(path.join(dir, file)));
    }
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * The seeded dataset, generated once per seed, size and version of the generator, and
 * opened from `cacheDir` afterwards: generation costs about 4 CPU-seconds, opening it a
 * few dozen milliseconds, each record then read when first asked for. The same seed gives
 * the same data either way. Without `cacheDir`, it is generated.
 */
export function loadOrGenerateDataset(options: DatasetOptions, cacheDir: string | null): MockDataset {
  if (!cacheDir) return generateDataset(options);
  // V8's serialisation format is V8's own: another version may not read it.
  const key = createHash('sha256').update(JSON.stringify([options.seed, options.size, options.asOf ?? null, generatorFingerprint(), process.versions.v8])).digest('hex').slice(0, 24);
  const file = path.join(cacheDir, `dataset-${key}.v8`);
  try {
    return openStoredDataset(file);
  } catch {
    // Not stored yet, or unreadable: generate it, and store it for next time.
  }
  const dataset = generateDataset(options);
  try {
    mkdirSync(cacheDir, { recursive: true });
    // Written whole, then renamed: a reader in another process or thread never sees half a file.
    const partial = `${file}.${process.pid}-${threadId}.tmp`;
    try {
      writeFileSync(partial, encodeDataset(dataset));
      renameSync(partial, file);
    } finally {
      rmSync(partial, { force: true });
    }
    removeSuperseded(cacheDir, path.basename(file));
  } catch {
    // A read-only directory costs the next start the generation again, nothing more.
  }
  return dataset;
}

/** A partial file this old was left by a writer that died; a younger one may still be being written. */
const STALE_PARTIAL_MS = 60 * 60 * 1000;

/**
 * Removes the datasets of other generator versions, seeds and sizes, and dead writers' partial
 * files: each dataset is ~60 MB, and every edit of the generator makes a new one. A process
 * still reading a removed file keeps it open until it ends.
 */
function removeSuperseded(cacheDir: string, keep: string): void {
  for (const name of readdirSync(cacheDir)) {
    const p = path.join(cacheDir, name);
    try {
      if (/^dataset-[0-9a-f]{24}\.v8$/.test(name) && name !== keep) rmSync(p, { force: true });
      else if (name.endsWith('.tmp') && Date.now() - statSync(p).mtimeMs > STALE_PARTIAL_MS) rmSync(p, { force: true });
    } catch {
      // Removed by another process meanwhile.
    }
  }
}

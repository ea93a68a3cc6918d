import { deserialize } from 'node:v8';
import { crc32 } from 'node:zlib';

/** Reads the stored bytes from `start` to `end` (exclusive), wherever they are kept. */
export type ReadBytes = (start: number, end: number) => Buffer;

/**
 * A `Map` of records read back from a stored dataset one record at a time: each value stays
 * in the file until it is first asked for, then is read and decoded once and kept, so later
 * changes to it are seen by every reader as with any map.
 *
 * Reading and decoding 20,000 citizens' records whole cost every process that served the mock
 * registries a second of CPU and ~150 MB of heap that the garbage collector then walked on
 * every major collection; most processes read a few hundred records. Through its methods it
 * behaves as a `Map` — insertion order, `size`, iteration (which reads what is left in one
 * go), `set`, `delete` and `clear` during iteration. What bypasses them sees only the records
 * decoded so far: `Map.prototype` methods called on it directly, `structuredClone` and
 * `v8.serialize` (copy it with `new Map(lazy)` first).
 */
export class LazyRecordMap<V> extends Map<string, V> {
  readonly #read: ReadBytes;
  readonly #start: number;
  readonly #ends: ArrayLike<number>;
  /** Told when a record's bytes do not match their checksum or cannot be decoded (the store is damaged); the read then throws. */
  readonly #onDamaged: (error: Error) => void;
  /** Each record's CRC-32, when the store keeps them. */
  readonly #checksums: ArrayLike<number> | null;
  /** Keys whose value is still in the file: the index of its record. */
  readonly #pending = new Map<string, number>();
  /**
   * Every key ever added, in insertion order, with `undefined` where one was deleted, so that
   * an iteration under way goes on over later additions as a Map's does.
   */
  #order: (string | undefined)[] = [];
  /** Where each present key is in `#order`. */
  readonly #position = new Map<string, number>();

  /** `keys[i]`'s record is the bytes from `ends[i - 1]` (from `start` for the first) to `ends[i]`. */
  constructor(read: ReadBytes, keys: readonly string[], start: number, ends: ArrayLike<number>, onDamaged: (error: Error) => void = () => {}, checksums: ArrayLike<number> | null = null) {
    super();
    this.#read = read;
    this.#start = start;
    this.#ends = ends;
    this.#onDamaged = onDamaged;
    this.#checksums = checksums;
    if (checksums && checksums.length !== keys.length) throw new RangeError(`${keys.length} keys but ${checksums.length} checksums`);
    if (keys.length !== ends.length) throw new RangeError(`${keys.length} keys but ${ends.length} records`);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      if (this.#pending.has(key)) throw new RangeError(`key ${key} stored twice`);
      if ((ends[i] as number) < this.#begin(i)) throw new RangeError(`record ${key} ends before it starts`);
      this.#pending.set(key, i);
      this.#position.set(key, this.#order.length);
      this.#order.push(key);
    }
  }

  #begin(i: number): number {
    return i === 0 ? this.#start : (this.#ends[i - 1] as number);
  }

  #decode(key: string, i: number, bytes: Buffer, offset: number): V {
    let value: V;
    try {
      const record = bytes.subarray(this.#begin(i) - offset, (this.#ends[i] as number) - offset);
      if (this.#checksums && crc32(record) !== this.#checksums[i]) throw new Error('its bytes do not match their checksum');
      value = deserialize(record) as V;
    } catch (err) {
      const error = new Error(`the stored record of ${key} cannot be decoded: ${(err as Error).message}`);
      this.#onDamaged(error);
      throw error;
    }
    this.#pending.delete(key);
    super.set(key, value);
    return value;
  }

  /** Reads every record still in the file in one read, so that iterating costs one read, not one per record. */
  #decodeAll(): void {
    if (this.#pending.size === 0) return;
    let first = Infinity;
    let last = -Infinity;
    for (const i of this.#pending.values()) {
      first = Math.min(first, this.#begin(i));
      last = Math.max(last, this.#ends[i] as number);
    }
    const bytes = this.#read(first, last);
    for (const [key, i] of [...this.#pending]) this.#decode(key, i, bytes, first);
  }

  override get size(): number {
    return this.#position.size;
  }

  override has(key: string): boolean {
    return this.#position.has(key);
  }

  override get(key: string): V | undefined {
    const i = this.#pending.get(key);
    if (i === undefined) return super.get(key);
    return this.#decode(key, i, this.#read(this.#begin(i), this.#ends[i] as number), this.#begin(i));
  }

  override set(key: string, value: V): this {
    if (!this.#position.has(key)) {
      this.#position.set(key, this.#order.length);
      this.#order.push(key);
    }
    this.#pending.delete(key);
    return super.set(key, value);
  }

  override delete(key: string): boolean {
    const at = this.#position.get(key);
    if (at === undefined) return false;
    this.#order[at] = undefined;
    this.#position.delete(key);
    this.#pending.delete(key);
    super.delete(key);
    return true;
  }

  override clear(): void {
    for (const at of this.#position.values()) this.#order[at] = undefined;
    this.#position.clear();
    this.#pending.clear();
    super.clear();
  }

  override *keys(): MapIterator<string> {
    // By index, not by iterator: keys added during the iteration are reached, as in a Map.
    for (let at = 0; at < this.#order.length; at++) {
      const key = this.#order[at];
      if (key !== undefined) yield key;
    }
  }

  override *values(): MapIterator<V> {
    this.#decodeAll();
    for (const key of this.keys()) yield this.get(key) as V;
  }

  override *entries(): MapIterator<[string, V]> {
    this.#decodeAll();
    for (const key of this.keys()) yield [key, this.get(key) as V];
  }

  override [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  override forEach(callback: (value: V, key: string, map: Map<string, V>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }
}

import { deserialize } from 'node:v8';

/** Reads the stored bytes from `start` to `end` (exclusive), wherever they are kept. */
export type ReadBytes = (start: number, end: number) => Buffer;

/**
 * A `Map` of records read back from a stored dataset one record at a time: each value stays
 * in the file until it is first asked for, then is read and decoded once and kept, so later
 * changes to it are seen by every reader as with any map.
 *
 * Reading and decoding 20,000 citizens' records whole cost every process that served the mock
 * registries a second of CPU and ~200 MB of heap that the garbage collector then walked on
 * every major collection; most processes read a few hundred records. It is a full `Map`:
 * insertion order, `size`, iteration (which reads what is left in one go), `set` and `delete`.
 */
export class LazyRecordMap<V> extends Map<string, V> {
  /** Keys whose value is still in the file: the index of its record. */
  private readonly pending = new Map<string, number>();
  /** Every key, in insertion order; a deleted key is dropped from it. */
  private keyOrder: string[];

  /**
   * `keys[i]`'s record is the bytes from `ends[i - 1]` (from `start` for the first) to `ends[i]`.
   */
  constructor(
    private readonly read: ReadBytes,
    keys: readonly string[],
    private readonly start: number,
    private readonly ends: ArrayLike<number>,
  ) {
    super();
    if (keys.length !== ends.length) throw new RangeError(`${keys.length} keys but ${ends.length} records`);
    this.keyOrder = [];
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      if (this.pending.has(key)) throw new RangeError(`key ${key} stored twice`);
      if ((ends[i] as number) < this.begin(i)) throw new RangeError(`record ${key} ends before it starts`);
      this.keyOrder.push(key);
      this.pending.set(key, i);
    }
  }

  private begin(i: number): number {
    return i === 0 ? this.start : (this.ends[i - 1] as number);
  }

  private decode(key: string, i: number, bytes: Buffer, offset: number): V {
    const value = deserialize(bytes.subarray(this.begin(i) - offset, (this.ends[i] as number) - offset)) as V;
    this.pending.delete(key);
    super.set(key, value);
    return value;
  }

  /** Reads every record still in the file in one read, so that iterating costs one read, not one per record. */
  private decodeAll(): void {
    if (this.pending.size === 0) return;
    let first = Infinity;
    let last = -Infinity;
    for (const i of this.pending.values()) {
      first = Math.min(first, this.begin(i));
      last = Math.max(last, this.ends[i] as number);
    }
    const bytes = this.read(first, last);
    for (const [key, i] of [...this.pending]) this.decode(key, i, bytes, first);
  }

  override get size(): number {
    return this.pending.size + super.size;
  }

  override has(key: string): boolean {
    return this.pending.has(key) || super.has(key);
  }

  override get(key: string): V | undefined {
    const i = this.pending.get(key);
    if (i === undefined) return super.get(key);
    return this.decode(key, i, this.read(this.begin(i), this.ends[i] as number), this.begin(i));
  }

  override set(key: string, value: V): this {
    if (!this.has(key)) this.keyOrder.push(key);
    this.pending.delete(key);
    return super.set(key, value);
  }

  override delete(key: string): boolean {
    const had = this.pending.delete(key) || super.delete(key);
    if (had) this.keyOrder = this.keyOrder.filter((k) => k !== key);
    return had;
  }

  override clear(): void {
    this.pending.clear();
    this.keyOrder = [];
    super.clear();
  }

  override *keys(): MapIterator<string> {
    for (const key of this.keyOrder) if (this.has(key)) yield key;
  }

  override *values(): MapIterator<V> {
    this.decodeAll();
    for (const key of this.keys()) yield super.get(key) as V;
  }

  override *entries(): MapIterator<[string, V]> {
    this.decodeAll();
    for (const key of this.keys()) yield [key, super.get(key) as V];
  }

  override [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  override forEach(callback: (value: V, key: string, map: Map<string, V>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }
}

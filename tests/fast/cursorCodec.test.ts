import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createCursorCodec } from '../../src/audit/createCursorCodec';
import { loadChainKeys, rotateChainKeys } from '../../src/keys/loadChainKeys';

describe('access log cursors', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'gw-cursor-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trip positions from 1 to 2^53 - 1', () => {
    const codec = createCursorCodec(loadChainKeys({ dir, createIfMissing: true }));
    for (const seq of [1, 2, 41, 1_000_000, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER]) {
      expect(codec.decode(codec.encode(seq))).toBe(seq);
    }
  });

  it('say nothing of the position: neighbours share no visible digits and no order', () => {
    const codec = createCursorCodec(loadChainKeys({ dir, createIfMissing: true }));
    const cursors = Array.from({ length: 200 }, (_v, i) => codec.encode(i + 1));
    // Small positions in the clear would leave the high half of the block zero.
    const highHalves = cursors.map((c) => Buffer.from(c.split('.')[1] as string, 'base64url').readUInt32BE(0));
    expect(highHalves.filter((h) => h === 0).length).toBeLessThan(2);
    for (const c of cursors) expect(c).not.toMatch(/audit/);
    // Sorted cursors would follow the sequence if the cipher leaked its order.
    const sorted = [...cursors].sort();
    const inPlace = sorted.filter((c, i) => c === cursors[i]).length;
    expect(inPlace).toBeLessThan(20);
    expect(new Set(cursors.map((c) => c.slice(-11, -8))).size).toBeGreaterThan(100);
  });

  it('differ between gateways with different keys', () => {
    const a = createCursorCodec(loadChainKeys({ dir, createIfMissing: true }));
    const other = mkdtempSync(path.join(tmpdir(), 'gw-cursor-'));
    try {
      const b = createCursorCodec(loadChainKeys({ dir: other, createIfMissing: true }));
      expect(a.encode(7)).not.toBe(b.encode(7));
      expect(b.decode(a.encode(7))).toBeNull();
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('outlive a key rotation', () => {
    const before = createCursorCodec(loadChainKeys({ dir, createIfMissing: true }));
    const cursor = before.encode(12345);
    rotateChainKeys(dir);
    const after = createCursorCodec(loadChainKeys({ dir, createIfMissing: false }));
    expect(after.encode(12345)).not.toBe(cursor);
    expect(after.decode(cursor)).toBe(12345);
  });

  it.each([
    ['empty', ''],
    ['the old plain form', Buffer.from('audit:5').toString('base64url')],
    ['no key id', '.AAAAAAAAAAA'],
    ['an unknown key id', '0123456789abcdef.AAAAAAAAAAA'],
    ['a short body', 'abc.AAAA'],
    ['SQL', "1' OR '1'='1"],
    ['very long', 'a'.repeat(10_000)],
    ['non-ASCII', 'khóa.AAAAAAAAAAA'],
  ])('refuse %s', (_name, cursor) => {
    const codec = createCursorCodec(loadChainKeys({ dir, createIfMissing: true }));
    expect(codec.decode(cursor)).toBeNull();
  });

  it('refuse nearly every altered cursor', () => {
    const codec = createCursorCodec(loadChainKeys({ dir, createIfMissing: true }));
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    let accepted = 0;
    let tried = 0;
    for (let seq = 1; seq <= 50; seq++) {
      const c = codec.encode(seq);
      for (let pos = c.length - 11; pos < c.length - 1; pos++) {
        const ch = alphabet[(alphabet.indexOf(c[pos] as string) + 17) % 64] as string;
        const altered = c.slice(0, pos) + ch + c.slice(pos + 1);
        tried++;
        if (codec.decode(altered) !== null) accepted++;
      }
    }
    // A random 64-bit block passes the range check about once in 2048 tries.
    expect(tried).toBe(500);
    expect(accepted).toBeLessThan(5);
  });
});

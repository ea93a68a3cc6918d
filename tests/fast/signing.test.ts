import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { loadKeyRing, rotateKeys, type KeyRing } from '../../src/keys/loadKeyRing';
import { isLowS } from '../../src/keys/lowS';

/**
 * The gateway's ES256 signatures (attestations, checkpoints, change notices) as any
 * verifier reads them: a standard compact JWS that jose verifies against the published
 * keys, with the header and times it claims, and one encoding per signed value (low S).
 */
let dir: string;
let keys: KeyRing;
const clock = { t: Date.parse('2026-03-01T08:00:00Z') };

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'gw-sign-'));
  await rotateKeys(dir);
  keys = await loadKeyRing({ dir, createIfMissing: false, now: () => new Date(clock.t) });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('signing with the key ring', () => {
  it('makes compact ES256 JWSs that jose verifies with the published keys, every one in low-S form', async () => {
    const claims = { form: 'TK01', sub: '001088000012', values: { hoTen: 'Nguyễn Thị Ánh', noiSinh: 'Hà Nội', rows: [{ quanHe: 'Vợ' }] } };
    // A signature's S is above n/2 about half the time: 64 signatures all low means the twin was taken each time.
    for (let i = 0; i < 64; i++) {
      const { jws, iat, exp } = keys.signed(claims, { typ: 'prefill-attestation+jwt', expiresInSeconds: 900 });
      expect(isLowS(jws)).toBe(true);
      expect(decodeProtectedHeader(jws)).toEqual({ alg: 'ES256', kid: keys.activeKid, typ: 'prefill-attestation+jwt' });
      const { payload } = await jwtVerify(jws, keys.keySet, { currentDate: new Date(clock.t), typ: 'prefill-attestation+jwt' });
      expect(payload).toEqual({ ...claims, iat: clock.t / 1000, exp: clock.t / 1000 + 900 });
      expect([iat, exp]).toEqual([clock.t / 1000, clock.t / 1000 + 900]);
    }
  });

  it('signs no expiry unless asked, and the times come from the injected clock', async () => {
    clock.t = Date.parse('2030-01-01T00:00:00Z');
    const jws = await keys.sign({ seq: 7, hash: 'ab' }, { typ: 'audit-checkpoint+jwt' });
    const { payload } = await jwtVerify(jws, keys.keySet, { currentDate: new Date(clock.t) });
    expect(payload).toEqual({ seq: 7, hash: 'ab', iat: clock.t / 1000 });
  });

  it('signs with the active key only: a retired key is published, not used', async () => {
    const before = keys.activeKid;
    await rotateKeys(dir);
    const after = await loadKeyRing({ dir, createIfMissing: false });
    expect(after.activeKid).not.toBe(before);
    const jws = await after.sign({ n: 1 }, { typ: 'x' });
    expect(decodeProtectedHeader(jws).kid).toBe(after.activeKid);
    await expect(jwtVerify(jws, after.keySet)).resolves.toBeTruthy();
    // A signature of the old key still verifies while the old key is published.
    await expect(jwtVerify(await keys.sign({ n: 2 }, { typ: 'x' }), after.keySet)).resolves.toBeTruthy();
  });

  it('tells its own encoding from the high-S twin, which verifies as ECDSA too', async () => {
    const jws = await keys.sign({ n: 3 }, { typ: 'x' });
    const [h, p, s] = jws.split('.') as [string, string, string];
    const sig = Buffer.from(s, 'base64url');
    const n = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
    const high = n - BigInt(`0x${sig.subarray(32).toString('hex')}`);
    const twin = `${h}.${p}.${Buffer.concat([sig.subarray(0, 32), Buffer.from(high.toString(16).padStart(64, '0'), 'hex')]).toString('base64url')}`;
    // Both verify as ECDSA; only the low one is the gateway's encoding.
    await expect(jwtVerify(twin, keys.keySet)).resolves.toBeTruthy();
    expect(isLowS(twin)).toBe(false);
  });
});

import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AuditLog, type AuditEntry } from '../../src/audit/AuditLog';
import { verifyChain } from '../../src/audit/verifyChain';
import { loadKeyRing, rotateKeys, type KeyRing } from '../../src/keys/loadKeyRing';
import { createStore, type Store } from '../../src/store/createStore';

/**
 * The audit hash chain without HTTP or a database server: the embedded store the
 * gateway uses by default, in a directory of the test's own, on an injected clock.
 * Whoever can write the database but holds no chain key cannot rewrite, remove or
 * re-link a record without the verifier naming the first one that does not fit.
 */
const DAY = 86_400_000;
let dir: string;
let store: Store;
let keys: KeyRing;
const clock = { t: Date.parse('2026-03-01T08:00:00Z') };

function entry(n: number, retentionDays = 30): AuditEntry {
  return {
    requestId: `req-${n}`, callerKind: 'agency', callerId: 'canbo.09', agency: 'CA_HN', purpose: 'CT01_RESIDENCE', caseId: `HS-2026/${n}`,
    subjectId: '001088000012', fields: ['person.fullName'], registries: ['POPULATION'], outcome: 'disclosed', reason: null, retentionDays,
  };
}

const log = () => new AuditLog(store, keys, { checkpointEveryRecords: 3, checkpointEveryMs: 3_600_000, checkpointFile: null, now: () => new Date(clock.t) });
const verify = () => verifyChain(store, keys, { cadence: { records: 3, ms: 3_600_000 }, checkpointFile: null, now: () => new Date(clock.t) });

/** Six records in four transactions, a second apart; 5 and 6 kept ten years. */
async function writeHistory(): Promise<AuditLog> {
  const l = log();
  for (const batch of [[entry(1), entry(2)], [entry(3)], [entry(4)], [entry(5, 3650), entry(6, 3650)]]) {
    await l.append(batch);
    clock.t += 1000;
  }
  return l;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'gw-chain-'));
  await rotateKeys(path.join(dir, 'keys'));
  keys = await loadKeyRing({ dir: path.join(dir, 'keys'), createIfMissing: false });
  store = await createStore({ databaseUrl: null, dataDir: dir });
});
afterAll(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(async () => {
  clock.t = Date.parse('2026-03-01T08:00:00Z');
  await store.exec('TRUNCATE audit_log, audit_checkpoints');
});

describe('the audit hash chain, on the embedded store', () => {
  it('verifies a chain as written, with its signed checkpoints', async () => {
    await writeHistory();
    expect(await verify()).toMatchObject({ ok: true, records: 6 });
    expect((await store.query<{ seq: string }>('SELECT seq::text AS seq FROM audit_checkpoints ORDER BY seq')).map((r) => Number(r.seq)).length).toBeGreaterThanOrEqual(2);
  });

  it('verifies a batch whose records are kept for different times, each retained as long as its own purpose says', async () => {
    await log().append([entry(1, 30), entry(2, 3650), entry(3, 30), entry(4, 1)]);
    const rows = await store.query<{ retain_until: Date }>('SELECT retain_until FROM audit_log ORDER BY seq');
    expect(rows.map((r) => (new Date(r.retain_until).getTime() - clock.t) / DAY)).toEqual([30, 3650, 30, 1]);
    expect(await verify()).toMatchObject({ ok: true, records: 4 });
  });

  it('names a record whose agency was rewritten', async () => {
    await writeHistory();
    await store.query("UPDATE audit_log SET agency = 'XNC' WHERE seq = 3");
    expect((await verify()).firstBroken).toMatchObject({ seq: 3 });
  });

  it('names a record deleted from the middle', async () => {
    await writeHistory();
    await store.query('DELETE FROM audit_log WHERE seq = 4');
    expect((await verify()).firstBroken).toMatchObject({ seq: 4 });
  });

  it('names a record re-linked with plain hashes by someone without the chain key', async () => {
    await writeHistory();
    const [row] = await store.query<{ hash: string; prev_hash: string }>('SELECT hash, prev_hash FROM audit_log WHERE seq = 2');
    const forged = createHash('sha256').update(`${row?.prev_hash}|2|forged`).digest('hex');
    await store.query("UPDATE audit_log SET outcome = 'denied', content_hash = $1, hash = $2 WHERE seq = 2", [forged, forged]);
    expect(await verify()).toMatchObject({ ok: false, firstBroken: { seq: 2 } });
  });

  it('still verifies once records past their retention are pruned, and keeps the ten-year ones whole', async () => {
    const l = await writeHistory();
    clock.t += 31 * DAY;
    await l.prune();
    const rows = await store.query<{ seq: string; subject_id: string | null }>('SELECT seq::text AS seq, subject_id FROM audit_log ORDER BY seq');
    expect(rows.map((r) => [Number(r.seq), r.subject_id])).toEqual([[1, null], [2, null], [3, null], [4, null], [5, '001088000012'], [6, '001088000012']]);
    expect(await verify()).toMatchObject({ ok: true, records: 6 });
  });
});

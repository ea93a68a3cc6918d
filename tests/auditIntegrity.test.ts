import { execFile } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { AuditLog, type AuditEntry, type AuditLogOptions } from '../src/audit/AuditLog';
import { contentHash, GENESIS, keptHash, legacyContentHash, legacyLinkHash, linkInput } from '../src/audit/hashChain';
import { verifyChain, type VerifyOptions } from '../src/audit/verifyChain';
import { loadKeyRing, rotateKeys, type KeyRing } from '../src/keys/loadKeyRing';
import { createStore, type Store } from '../src/store/createStore';
import { createTestDatabase, type TestDatabase } from './helpers/database';
import { startStack, type Stack } from './helpers/stack';
import { TSX_NODE_FLAGS } from './helpers/tsxNode';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..');
const EVERY = 5;
const EVERY_MS = 3_600_000;
const DAY = 86_400_000;

interface Row {
  seq: string;
  recorded_at: Date;
  retain_until: Date;
  request_id: string | null;
  caller_kind: 'citizen' | 'agency';
  caller_id: string | null;
  agency: string | null;
  purpose: string | null;
  case_id: string | null;
  subject_id: string | null;
  fields: string[] | null;
  registries: string[];
  outcome: 'disclosed' | 'denied' | 'failed';
  reason: string | null;
  personal_hash: string;
}

/** A record as the gateway would write it for an agency read; retention in days. */
function entry(n: number, retentionDays = 30): AuditEntry {
  return {
    requestId: `req-${n}`,
    callerKind: 'agency',
    callerId: 'canbo.09',
    agency: 'CA_HN',
    purpose: 'CT01_RESIDENCE',
    caseId: `HS-2021/${n}`,
    subjectId: '001088000012',
    fields: ['person.fullName', 'residence.permanentAddress.full'],
    registries: ['POPULATION', 'RESIDENCE'],
    outcome: 'disclosed',
    reason: null,
    retentionDays,
  };
}

/** Runs a tool of the project as an operator would, through its command-line entry point. */
async function tool(script: string, args: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(DATABASE_URL|DATA_DIR|SIGNING_KEY_DIR|AUDIT_.*|NODE_ENV)$/.test(k)));
  try {
    const { stdout, stderr } = await run(process.execPath, [...TSX_NODE_FLAGS, path.join(ROOT, script), ...args], { env: { ...base, ...env } as NodeJS.ProcessEnv });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

/**
 * An audit trail on a store of its own (a fresh PostgreSQL database, or an embedded
 * store in a fresh directory), with its own keys, checkpoint file and clock.
 */
interface Trail {
  readonly store: Store;
  keys: KeyRing;
  clock: { t: number };
  checkpointFile: string;
  log(options?: AuditLogOptions): AuditLog;
  verify(options?: VerifyOptions): ReturnType<typeof verifyChain>;
  /** `npm run audit:verify` over this trail (the embedded store is closed while it runs). */
  cli(env?: Record<string, string>): Promise<{ code: number; out: string }>;
  /** Starts a new, empty chain on the same store. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

async function openTrail(kind: 'postgres' | 'embedded', db?: TestDatabase): Promise<Trail> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'gw-audit-'));
  const database = kind === 'postgres' ? (db ?? (await createTestDatabase())) : null;
  const keyDir = path.join(dataDir, 'keys');
  await rotateKeys(keyDir);
  const keys = await loadKeyRing({ dir: keyDir, createIfMissing: false });
  const checkpointFile = path.join(dataDir, 'audit-checkpoints.jsonl');
  const open = () => createStore({ databaseUrl: database?.url ?? null, dataDir });
  let store = await open();
  const clock = { t: Date.parse('2021-03-01T08:00:00Z') };
  const now = () => new Date(clock.t);
  const env: Record<string, string> = {
    NODE_ENV: 'development',
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    SIGNING_KEY_DIR: keyDir,
    AUDIT_CHECKPOINT_EVERY: String(EVERY),
    AUDIT_CHECKPOINT_MS: String(EVERY_MS),
    AUDIT_CHECKPOINT_FILE: checkpointFile,
    ...(database ? { DATABASE_URL: database.url } : {}),
  };
  return {
    get store() {
      return store;
    },
    keys,
    clock,
    checkpointFile,
    log: (options = {}) => new AuditLog(store, keys, { checkpointEveryRecords: EVERY, checkpointEveryMs: EVERY_MS, checkpointFile, now, ...options }),
    verify: (options = {}) => verifyChain(store, keys, { cadence: { records: EVERY, ms: EVERY_MS }, checkpointFile, ...options }),
    async cli(extra = {}) {
      if (kind === 'embedded') await store.close();
      try {
        return await tool('src/audit/cli.ts', ['verify'], { ...env, ...extra });
      } finally {
        if (kind === 'embedded') store = await open();
      }
    },
    async reset() {
      await store.exec('TRUNCATE audit_log, audit_checkpoints');
      rmSync(checkpointFile, { force: true });
    },
    async close() {
      await store.close();
      if (!db) await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Nine records in five transactions, a second apart: 1–6 kept 30 days, 7–9 ten years
 * (their retention has not ended today). Checkpoints fall at 2 (the first transaction)
 * and 7 (five records later).
 */
async function writeHistory(trail: Trail, log = trail.log()): Promise<AuditLog> {
  const batches = [[entry(1), entry(2)], [entry(3)], [entry(4), entry(5), entry(6)], [entry(7, 3650)], [entry(8, 3650), entry(9, 3650)]];
  for (const batch of batches) {
    await log.append(batch);
    trail.clock.t += 1000;
  }
  return log;
}

const rowsOf = (store: Store) =>
  store.query<Row>(
    `SELECT seq::text AS seq, recorded_at, retain_until, request_id, caller_kind, caller_id, agency, purpose, case_id, subject_id,
            fields, registries, outcome, reason, personal_hash
       FROM audit_log ORDER BY audit_log.seq`,
  );

/** What an attacker with the database but not the key would do: fake an early prune, rewrite what it keeps. */
async function fakePrune(store: Store, seqs: number[], rewrite: boolean, prunedAt: Date): Promise<void> {
  await store.query(
    `UPDATE audit_log
        SET request_id = NULL, caller_id = NULL, case_id = NULL, subject_id = NULL, fields = NULL, reason = NULL, personal_salt = NULL,
            pruned_at = $2 ${rewrite ? ", agency = 'XNC', purpose = 'PASSPORT', outcome = 'denied'" : ''}
      WHERE seq = ANY($1::bigint[])`,
    [seqs, prunedAt],
  );
}

/** Rewrites the agency of record 1, deletes every checkpoint and recomputes every hash with a key of its own. */
async function rehashWithGuessedKey(store: Store): Promise<void> {
  await store.query("UPDATE audit_log SET agency = 'XNC' WHERE seq = 1");
  await store.query('DELETE FROM audit_checkpoints');
  const guess = randomBytes(32);
  let prev = GENESIS;
  for (const r of await rowsOf(store)) {
    const seq = Number(r.seq);
    const kept = keptHash({
      seq,
      recordedAt: new Date(r.recorded_at).toISOString(),
      retainUntil: new Date(r.retain_until).toISOString(),
      callerKind: r.caller_kind,
      agency: r.agency,
      purpose: r.purpose,
      registries: r.registries,
      outcome: r.outcome,
    });
    const content = contentHash(kept, r.personal_hash);
    const hash = createHmac('sha256', guess).update(linkInput(prev, seq, content)).digest('hex');
    await store.query('UPDATE audit_log SET content_hash = $2, prev_hash = $3, hash = $4 WHERE seq = $1', [seq, content, prev, hash]);
    prev = hash;
  }
}

/**
 * The strongest rewrite without the key: turn every record into the old, unkeyed scheme
 * (moving the upgrade point past them), rewrite record 1, delete every checkpoint.
 */
async function downgradeAndRehash(store: Store): Promise<void> {
  await store.exec('ALTER TABLE audit_log DROP CONSTRAINT audit_log_hash_version');
  await store.query('UPDATE audit_chain SET legacy_until = (SELECT max(seq) FROM audit_log)');
  await store.query("UPDATE audit_log SET agency = 'XNC' WHERE seq = 1");
  await store.query('DELETE FROM audit_checkpoints');
  let prev = GENESIS;
  for (const r of await rowsOf(store)) {
    const seq = Number(r.seq);
    const content = legacyContentHash({
      seq,
      recordedAt: new Date(r.recorded_at).toISOString(),
      retainUntil: new Date(r.retain_until).toISOString(),
      requestId: r.request_id as string,
      callerKind: r.caller_kind,
      callerId: r.caller_id as string,
      agency: r.agency,
      purpose: r.purpose,
      caseId: r.case_id,
      subjectId: r.subject_id as string,
      fields: r.fields ?? [],
      registries: r.registries,
      outcome: r.outcome,
      reason: r.reason,
    });
    const hash = legacyLinkHash(prev, seq, content);
    await store.query('UPDATE audit_log SET hash_version = 1, content_hash = $2, prev_hash = $3, hash = $4 WHERE seq = $1', [seq, content, prev, hash]);
    prev = hash;
  }
}

describe.each([
  ['PostgreSQL', 'postgres' as const],
  ['the embedded store', 'embedded' as const],
])('audit:verify over %s', (_name, kind) => {
  let trail: Trail;
  beforeAll(async () => {
    trail = await openTrail(kind);
  });
  afterAll(() => trail.close());
  beforeEach(() => trail.reset());

  it('reports OK, with the pruned records, when records are pruned after their retention ended', async () => {
    const log = await writeHistory(trail);
    trail.clock.t += 31 * DAY;
    expect(await log.prune()).toBe(6);
    // A read after the prune; the time since the last checkpoint makes it signed.
    await log.append([entry(10, 3650)]);
    const result = await trail.cli();
    expect(result.out).toMatch(/^audit chain OK: 10 record\(s\), 6 pruned, 0 of the old hash scheme, 3 signed checkpoint\(s\) verified, 3 found in /);
    expect(result.code).toBe(0);
  });

  it('stores the field paths, case and request of a record as they were hashed, whatever characters they hold', async () => {
    const odd = ['person."quoted"', 'back\\slash', 'a,b', '{braces}', 'NULL', ' spaced ', '', 'người.họTên'];
    const hostile = { requestId: 'req-"1"\\n\t}', callerId: 'canbo"},{"seq":1', caseId: 'HS-2021/Đống Đa\n"\\', reason: '{"outcome":"denied"} \u2028 🙂' };
    await trail.log().append([{ ...entry(1), fields: odd, registries: ['POPULATION', 'RE"SIDENCE'], ...hostile }, entry(2)]);
    const rows = await rowsOf(trail.store);
    expect(rows.map((r) => [r.fields, r.registries, r.case_id, r.request_id, r.caller_id, r.reason])).toEqual([
      [odd, ['POPULATION', 'RE"SIDENCE'], hostile.caseId, hostile.requestId, hostile.callerId, hostile.reason],
      [entry(2).fields, entry(2).registries, entry(2).caseId, entry(2).requestId, entry(2).callerId, entry(2).reason],
    ]);
    const report = await trail.verify();
    expect(report.firstBroken).toBeUndefined();
    expect(report.ok).toBe(true);
  });

  // The verifier is the same code over the same SELECT for both stores. Each run over the embedded store closes it, opens it in the CLI's process and
  // reopens it (seconds of CPU), so it runs the cases where the stores could differ — pruning, and the downgrade's DDL.
  if (kind === 'postgres') {
    it('exits non-zero naming the first record when records are marked pruned early, blanked and their agency, purpose and outcome rewritten', async () => {
      await writeHistory(trail);
      await fakePrune(trail.store, [7, 8, 9], true, new Date());
      const result = await trail.cli();
      expect(result.out).toContain('audit chain BROKEN at record 7: its content was changed after it was written');
      expect(result.code).toBe(1);
    });

    it('exits non-zero naming the first record when everything is rewritten, every checkpoint deleted and every hash recomputed', async () => {
      await writeHistory(trail);
      await rehashWithGuessedKey(trail.store);
      const result = await trail.cli();
      expect(result.out).toContain("audit chain BROKEN at record 1: its hash is not the gateway's keyed link of its content and the record before it");
      expect(result.code).toBe(1);
    });
  }

  it('exits non-zero when the chain is recomputed the old, unkeyed way and every checkpoint deleted', async () => {
    await writeHistory(trail);
    await downgradeAndRehash(trail.store);
    // Without the checkpoint file, the cadence alone: the first transaction is always signed.
    const alone = await trail.cli({ AUDIT_CHECKPOINT_FILE: 'off' });
    expect(alone.out).toContain('audit chain BROKEN at record 1: no signed checkpoint covers it, though one is due every 5 records or 3600000 ms');
    expect(alone.code).toBe(1);
    // With it, the first checkpoint that was shipped out of the database.
    const withFile = await trail.cli();
    expect(withFile.out).toMatch(/audit chain BROKEN at record 2: its signed checkpoint in \S+ puts the upgrade point at record 0, the database at 9/);
    expect(withFile.code).toBe(1);
  });
});

describe('verifying a chain', () => {
  let db: TestDatabase;
  let trail: Trail;
  beforeAll(async () => {
    db = await createTestDatabase();
    // Sessions in a time zone with daylight saving: a retention is whole days of 86,400 s,
    // as the record's hash counts it, not calendar days there (records of 2021-03-01 kept
    // 30 days end after the clocks changed on 28 March).
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    await admin.query(`ALTER DATABASE ${db.name} SET timezone = 'Europe/Berlin'`);
    await admin.end();
    trail = await openTrail('postgres', db);
  });
  afterAll(async () => {
    await trail.close();
    await db.drop();
  });
  beforeEach(() => trail.reset());

  it('keeps each retention as it was hashed, in a session time zone with daylight saving', async () => {
    await writeHistory(trail);
    expect((await trail.store.query<{ tz: string }>("SELECT current_setting('TimeZone') AS tz"))[0]?.tz).toBe('Europe/Berlin');
    const first = (await rowsOf(trail.store))[0] as Row;
    expect(new Date(first.retain_until).getTime() - new Date(first.recorded_at).getTime()).toBe(30 * DAY);
    const report = await trail.verify();
    expect(report.firstBroken).toBeUndefined();
    expect(report.ok).toBe(true);
  });

  it('names a record marked pruned before its retention ended, even with its content intact', async () => {
    await writeHistory(trail);
    await fakePrune(trail.store, [8], false, new Date());
    const report = await trail.verify();
    expect(report.firstBroken).toEqual({ seq: 8, problem: expect.stringMatching(/^it was marked pruned at \S+, before its retention ended at 2031-/) });
  });

  it('names a record whose prune time was put past its retention, in the future', async () => {
    await writeHistory(trail);
    await fakePrune(trail.store, [9], false, new Date(trail.clock.t + 3651 * DAY));
    expect((await trail.verify()).firstBroken).toEqual({ seq: 9, problem: expect.stringMatching(/, a time still to come$/) });
  });

  it('names a genuinely pruned record whose agency was rewritten afterwards', async () => {
    const log = await writeHistory(trail);
    trail.clock.t += 31 * DAY;
    await log.prune();
    await trail.store.query("UPDATE audit_log SET agency = 'XNC' WHERE seq = 4");
    expect((await trail.verify()).firstBroken).toEqual({ seq: 4, problem: 'its content was changed after it was written' });
  });

  it('names the first record a deleted checkpoint covered, by the record cadence', async () => {
    await writeHistory(trail);
    expect((await trail.store.query('SELECT seq FROM audit_checkpoints ORDER BY seq')).map((r) => Number(r.seq))).toEqual([2, 7]);
    await trail.store.query('DELETE FROM audit_checkpoints WHERE seq = 7');
    expect((await trail.verify({ checkpointFile: null })).firstBroken).toEqual({ seq: 7, problem: expect.stringMatching(/^no signed checkpoint covers it/) });
    expect((await trail.verify()).firstBroken).toEqual({ seq: 7, problem: expect.stringMatching(/was deleted from the database$/) });
  });

  it('signs a transaction written after the time cadence passed, and names it when that checkpoint is deleted', async () => {
    const log = await writeHistory(trail);
    // Past the cadence by more than the clock skew the verifier allows between processes (5 s).
    trail.clock.t += EVERY_MS + 10_000;
    await log.append([entry(10)]);
    expect((await trail.store.query('SELECT seq FROM audit_checkpoints ORDER BY seq')).map((r) => Number(r.seq))).toEqual([2, 7, 10]);
    expect(await trail.verify()).toMatchObject({ ok: true, checkpoints: 3, fileCheckpoints: 3 });
    await trail.store.query('DELETE FROM audit_checkpoints WHERE seq = 10');
    expect((await trail.verify({ checkpointFile: null })).firstBroken).toEqual({ seq: 10, problem: expect.stringMatching(/^no signed checkpoint covers it/) });
  });

  it('sees the end of the chain cut back to an unsigned point only through the checkpoint file', async () => {
    await writeHistory(trail);
    await trail.store.query('DELETE FROM audit_checkpoints WHERE seq = 7');
    await trail.store.query('DELETE FROM audit_log WHERE seq >= 7');
    // Six records, the last four unsigned: within the cadence, nothing in the database says more were written.
    expect(await trail.verify({ checkpointFile: null })).toMatchObject({ ok: true, records: 6 });
    expect((await trail.verify()).firstBroken).toEqual({ seq: 7, problem: 'records up to 7 were signed but are gone (the end of the chain was removed)' });
  });

  it('keeps in the checkpoint file a line per checkpoint that verifies with the published keys, and ignores other chains\u2019 lines', async () => {
    const other = await openTrail('postgres');
    try {
      await writeHistory(other, other.log({ checkpointFile: trail.checkpointFile }));
      await writeHistory(trail);
      const lines = readFileSync(trail.checkpointFile, 'utf8').trim().split('\n');
      expect(lines).toHaveLength(4);
      expect(JSON.parse(lines[0] as string)).toEqual({ seq: 2, hash: expect.stringMatching(/^[0-9a-f]{64}$/), at: expect.any(String), jws: expect.any(String) });
      expect(await trail.verify()).toMatchObject({ ok: true, checkpoints: 2, fileCheckpoints: 2 });
    } finally {
      await other.close();
    }
  });

  it('names a record of the old scheme written after the upgrade, which the database itself refuses', async () => {
    await writeHistory(trail);
    // As a gateway of the previous version would insert it: no scheme named.
    const legacyInsert = `INSERT INTO audit_log (seq, recorded_at, retain_until, request_id, caller_kind, caller_id, agency, purpose, case_id, subject_id,
                                                 fields, registries, outcome, reason, content_hash, prev_hash, hash)
      VALUES (10, now(), now(), 'r', 'agency', 'c', 'CA_HN', 'CT01_RESIDENCE', NULL, '001088000012', '{}', '{}', 'disclosed', NULL, $1, $2, $3)`;
    const [head] = await trail.store.query<{ hash: string }>('SELECT hash FROM audit_log WHERE seq = 9');
    const content = legacyContentHash({ seq: 10, recordedAt: '', retainUntil: '', requestId: 'r', callerKind: 'agency', callerId: 'c', agency: 'CA_HN', purpose: 'CT01_RESIDENCE', caseId: null, subjectId: '001088000012', fields: [], registries: [], outcome: 'disclosed', reason: null });
    const params = [content, head?.hash, legacyLinkHash(head?.hash as string, 10, content)];
    await expect(trail.store.query(legacyInsert, params)).rejects.toThrow(/hash_version/);
    await trail.store.exec('ALTER TABLE audit_log DROP CONSTRAINT audit_log_hash_version; ALTER TABLE audit_log ALTER COLUMN hash_version SET DEFAULT 1');
    try {
      await trail.store.query(legacyInsert, params);
      expect((await trail.verify()).firstBroken).toEqual({ seq: 10, problem: 'it is hashed the old way (scheme 1) but was written after the upgrade (record 0)' });
    } finally {
      await trail.store.exec(`ALTER TABLE audit_log ALTER COLUMN hash_version DROP DEFAULT; DELETE FROM audit_log WHERE seq = 10;
        ALTER TABLE audit_log ADD CONSTRAINT audit_log_hash_version CHECK ((hash_version = 2 AND personal_hash IS NOT NULL AND chain_kid IS NOT NULL AND seq > 0) OR (hash_version = 1 AND seq <= 0)) NOT VALID`);
    }
  });
});

describe('a store written before the upgrade', () => {
  let db: TestDatabase;
  let keys: KeyRing;
  let keyDir: string;
  let store: Store;
  beforeAll(async () => {
    db = await createTestDatabase();
    keyDir = mkdtempSync(path.join(tmpdir(), 'gw-keys-'));
    await rotateKeys(keyDir);
    keys = await loadKeyRing({ dir: keyDir, createIfMissing: false });
    // The schema and four records as the previous version left them: scheme 1, one pruned, one signed checkpoint.
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query('CREATE TABLE schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
      for (const file of ['001_consents.sql', '002_audit.sql']) {
        await client.query(readFileSync(path.join(ROOT, 'src', 'store', 'migrations', file), 'utf8'));
        await client.query('INSERT INTO schema_migrations (version) VALUES ($1)', [file.slice(0, 3)]);
      }
      const t0 = Date.parse('2021-01-04T08:00:00Z');
      let prev = GENESIS;
      for (let seq = 1; seq <= 4; seq++) {
        const recordedAt = new Date(t0 + (seq > 2 ? 1000 : 0)).toISOString();
        const e = entry(seq, seq === 1 ? 30 : 3650);
        const retainUntil = new Date(Date.parse(recordedAt) + e.retentionDays * DAY).toISOString();
        const content = legacyContentHash({ seq, recordedAt, retainUntil, ...e });
        const hash = legacyLinkHash(prev, seq, content);
        await client.query(
          `INSERT INTO audit_log (seq, recorded_at, retain_until, request_id, caller_kind, caller_id, agency, purpose, case_id, subject_id,
                                  fields, registries, outcome, reason, content_hash, prev_hash, hash)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
          [seq, recordedAt, retainUntil, e.requestId, e.callerKind, e.callerId, e.agency, e.purpose, e.caseId, e.subjectId, e.fields, e.registries, e.outcome, e.reason, content, prev, hash],
        );
        if (seq === 2) {
          const jws = await keys.sign({ seq, hash }, { typ: 'audit-checkpoint+jwt' });
          await client.query('INSERT INTO audit_checkpoints (seq, hash, signed_at, jws) VALUES ($1, $2, $3, $4)', [seq, hash, recordedAt, jws]);
        }
        prev = hash;
      }
      await client.query(
        "UPDATE audit_log SET request_id = NULL, caller_id = NULL, case_id = NULL, subject_id = NULL, fields = NULL, reason = NULL, pruned_at = '2021-02-10T00:00:00Z' WHERE seq = 1",
      );
    } finally {
      await client.end();
    }
    store = await createStore({ databaseUrl: db.url, dataDir: keyDir });
  });
  afterAll(async () => {
    await store.close();
    await db.drop();
    rmSync(keyDir, { recursive: true, force: true });
  });

  it('verifies its old records by the old scheme and the new ones by the new scheme when the upgraded gateway writes on', async () => {
    expect(await store.query('SELECT legacy_until::int AS n FROM audit_chain')).toEqual([{ n: 4 }]);
    const log = new AuditLog(store, keys, { checkpointEveryRecords: EVERY, checkpointEveryMs: EVERY_MS });
    await log.append([entry(5), entry(6)]);
    await log.append([entry(7)]);
    expect(await verifyChain(store, keys, { cadence: { records: EVERY, ms: EVERY_MS } })).toMatchObject({ ok: true, records: 7, legacy: 4, pruned: 1, checkpoints: 2 });
  });

  it('names a changed record of the old scheme', async () => {
    await store.query("UPDATE audit_log SET purpose = 'PASSPORT' WHERE seq = 3");
    try {
      expect((await verifyChain(store, keys)).firstBroken).toEqual({ seq: 3, problem: 'its content was changed after it was written' });
    } finally {
      await store.query("UPDATE audit_log SET purpose = 'CT01_RESIDENCE' WHERE seq = 3");
    }
  });

  it('names the upgrade point moved in the database against what the checkpoints signed', async () => {
    await store.query('UPDATE audit_chain SET legacy_until = 6');
    try {
      expect((await verifyChain(store, keys)).firstBroken).toEqual({ seq: 5, problem: 'it claims the new hash scheme but lies before the upgrade point (record 6)' });
    } finally {
      await store.query('UPDATE audit_chain SET legacy_until = 4');
    }
  });
});

describe('the audit writer under a store that does not answer', () => {
  let db: TestDatabase;
  let trail: Trail;
  let blocker: pg.Client;
  beforeAll(async () => {
    db = await createTestDatabase();
    trail = await openTrail('postgres', db);
    blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
  });
  afterAll(async () => {
    await blocker.end();
    await trail.close();
    await db.drop();
  });
  beforeEach(() => trail.reset());
  // Another session holding the chain lock: every audit transaction waits on it, as on a hung database.
  const hold = () => blocker.query('SELECT pg_advisory_lock(74200002)');
  const release = () => blocker.query('SELECT pg_advisory_unlock(74200002)');
  const settled = (p: Promise<unknown>) => {
    const state = { done: false };
    p.then(
      () => (state.done = true),
      () => (state.done = true),
    );
    return state;
  };

  it('refuses an append at once, while the store is still waited on, when the queue is full', async () => {
    const log = trail.log({ maxQueuedRecords: 3, batchDeadlineMs: 60_000 });
    await hold();
    try {
      const inFlight = log.append([entry(1)]);
      const queued = [log.append([entry(2), entry(3)]), log.append([entry(4)])];
      const waiting = [inFlight, ...queued].map(settled);
      await expect(log.append([entry(5)])).rejects.toThrow(/audit queue full \(3 records waiting\)/);
      expect(waiting.map((w) => w.done)).toEqual([false, false, false]);
      expect(log.status()).toMatchObject({ queuedRecords: 3 });
      expect(await log.canCommit()).toBe(false);
      await release();
      await Promise.all([inFlight, ...queued]);
    } finally {
      await release();
    }
    expect(log.status()).toMatchObject({ committing: true, queuedRecords: 0 });
    expect(await trail.verify()).toMatchObject({ ok: true, records: 4 });
  });

  it('refuses the records of a transaction past its deadline, and those queued behind it, while the store is still waited on', async () => {
    const log = trail.log({ batchDeadlineMs: 100 });
    await log.append([entry(1)]);
    await hold();
    try {
      const first = log.append([entry(2)]);
      const behind = log.append([entry(3)]);
      await expect(first).rejects.toThrow(/audit transaction not committed within 100 ms/);
      await expect(behind).rejects.toThrow(/not committed within 100 ms/);
      expect(log.status()).toMatchObject({ committing: false, queuedRecords: 0 });
      expect(await log.canCommit()).toBe(false);
    } finally {
      await release();
    }
    expect(await log.canCommit()).toBe(true);
    await log.append([entry(4)]);
    // The given-up transaction may commit once the lock is free: a record of a withheld answer, never the reverse.
    expect(await trail.verify()).toMatchObject({ ok: true });
    const written = await trail.store.query<{ request_id: string }>("SELECT request_id FROM audit_log WHERE request_id IN ('req-1', 'req-4') ORDER BY seq");
    expect(written.map((r) => r.request_id)).toEqual(['req-1', 'req-4']);
  });
});

describe('readiness and disclosure when the audit trail cannot commit', () => {
  let stack: Stack;
  let blocker: pg.Client;
  beforeAll(async () => {
    stack = await startStack();
    blocker = new pg.Client({ connectionString: stack.env.DATABASE_URL });
    await blocker.connect();
  });
  afterAll(async () => {
    await blocker.end();
    await stack.stop();
  });
  const readyz = async () => {
    const res = await fetch(`${stack.url}/readyz`);
    return { status: res.status, body: (await res.json()) as { status: string; checks: Record<string, string> } };
  };

  it('answers /readyz "not ready" before the audit probe returns, refuses the disclosure with 503, and recovers when the store does', async () => {
    const token = await stack.agencyToken();
    const id = stack.persona('household-of-five');
    const ask = () => stack.graphql('query($id: PersonalId!) { citizen(id: $id) { person { fullName } } }', { token, variables: { id }, headers: { 'x-purpose': 'CT01_RESIDENCE' } });
    expect((await readyz()).status).toBe(200);
    await blocker.query('SELECT pg_advisory_lock(74200002)');
    try {
      // The probe waits on the lock for its whole deadline (2 s); /readyz does not.
      expect(await readyz()).toEqual({ status: 503, body: expect.objectContaining({ status: 'not_ready', checks: { config: 'ok', store: 'timeout' } }) });
      const refused = await ask();
      expect(refused.status).toBe(503);
      expect(refused.body).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'STORE_UNAVAILABLE', messageVi: expect.any(String) } }] });
    } finally {
      await blocker.query('SELECT pg_advisory_unlock(74200002)');
    }
    let ready = await readyz();
    for (let i = 0; i < 20 && ready.status !== 200; i++) ready = await readyz();
    expect(ready.body).toMatchObject({ status: 'ready', checks: { store: 'ok' } });
    expect((await ask()).body.data?.citizen).toBeDefined();
    expect(await verifyChain(stack.gateway.store, stack.gateway.keys)).toMatchObject({ ok: true });
  });
});

describe('keys:rotate', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'gw-keys-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const files = () => readdirSync(dir).sort();

  it('makes a signing key and a chain key when given nothing but the key directory, in production', async () => {
    const first = await tool('src/keys/cli.ts', [], { NODE_ENV: 'production', SIGNING_KEY_DIR: dir });
    expect(first.out).toMatch(/^signing key \S+ is now active\naudit chain key [0-9a-f]{16} is now active\n$/);
    expect(first.code).toBe(0);
    expect(files()).toEqual([expect.stringMatching(/^chain-[0-9a-f]{16}\.json$/), expect.stringMatching(/^signing-.+\.json$/)]);
    const second = await tool('src/keys/cli.ts', [], { NODE_ENV: 'production', SIGNING_KEY_DIR: dir });
    expect(second.out).toMatch(/retired \S+ \(kept to verify the chain\)/);
    expect(files()).toHaveLength(4);
  });

  it('says what is missing when production gives no key directory', async () => {
    const result = await tool('src/keys/cli.ts', [], { NODE_ENV: 'production' });
    expect(result.out).toContain('SIGNING_KEY_DIR is required');
    expect(result.code).toBe(1);
  });

  it('refuses to load keys without a chain key in production, saying how to make one', async () => {
    const only = mkdtempSync(path.join(tmpdir(), 'gw-keys-'));
    try {
      await loadKeyRing({ dir: only, createIfMissing: true });
      for (const f of readdirSync(only).filter((x) => x.startsWith('chain-'))) rmSync(path.join(only, f));
      await expect(loadKeyRing({ dir: only, createIfMissing: false })).rejects.toThrow(/no audit chain key in .+ run npm run keys:rotate/);
    } finally {
      rmSync(only, { recursive: true, force: true });
    }
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../src/config';
import { NoticeStore, type ClaimedNotice } from '../src/notices/NoticeStore';
import { createStore, type Store } from '../src/store/createStore';

const DAY = 86_400_000;

describe('notice settings', () => {
  it('are checked with the rest of the configuration, every bad one named', () => {
    const read = (env: Record<string, string>) => {
      try {
        return loadConfig({ NODE_ENV: 'development', ...env }).notices;
      } catch (err) {
        return (err as ConfigError).problems;
      }
    };
    expect(read({})).toEqual({ maxAttempts: 8, backoffBaseMs: 30_000, backoffMaxMs: 3_600_000, deadlineMs: 5000, pollMs: 1000, watchMaxDays: 365, deadLetterDays: 30 });
    expect(read({ NOTICE_MAX_ATTEMPTS: '0', NOTICE_DEADLINE_MS: 'soon', NOTICE_BACKOFF_BASE_MS: '600000', NOTICE_BACKOFF_MAX_MS: '1000' })).toEqual([
      'NOTICE_MAX_ATTEMPTS must be an integer between 1 and 50, got "0"',
      'NOTICE_DEADLINE_MS must be an integer between 100 and 60000, got "soon"',
      'NOTICE_BACKOFF_BASE_MS must not be longer than NOTICE_BACKOFF_MAX_MS',
    ]);
  });
});

describe('the outbox on the embedded store (the same SQL as on PostgreSQL)', () => {
  let store: Store;
  let outbox: NoticeStore;
  let at = Date.parse('2026-03-02T08:00:00Z');
  const clock = () => new Date(at);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'gw-notices-pglite-'));
  beforeAll(async () => {
    store = await createStore({ databaseUrl: null, dataDir });
    outbox = new NoticeStore(store, { now: clock, keepDeadMs: 30 * DAY });
  });
  afterAll(async () => {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('writes one notice per watch and event, lends each to one attempt at a time, and settles it', async () => {
    const w = await outbox.setWatch({ agency: 'CA_HN', official: 'canbo.01', scope: 'residence.process', purpose: 'CT01_RESIDENCE', caseId: 'HS-1', subjectId: '001088000012', until: new Date(at + DAY) });
    const change = { registry: 'POPULATION' as const, ids: ['001088000012', '001088000012', '079301012345'], changedAt: clock(), eventId: 'evt-pglite-0001' };
    expect(await outbox.enqueue(change)).toBe(1);
    expect(await outbox.enqueue(change)).toBe(0);
    const [claimed] = await outbox.claim(10, 60_000);
    expect(claimed).toMatchObject({ watchId: w.id, attempts: 1, audited: false, official: 'canbo.01', scope: 'residence.process' });
    expect(await outbox.claim(10, 60_000)).toEqual([]);
    await outbox.failed(claimed as ClaimedNotice, 'HTTP 500', new Date(at + 30_000));
    expect(await outbox.claim(10, 60_000)).toEqual([]);
    at += 30_000;
    const [again] = await outbox.claim(10, 60_000);
    expect(again).toMatchObject({ id: claimed?.id, attempts: 2, audited: true });
    // An attempt whose lease ran out settles nothing.
    await outbox.delivered(claimed as ClaimedNotice);
    expect(await outbox.depth()).toBe(1);
    await outbox.failed(again as ClaimedNotice, 'no answer within 300 ms', null);
    expect(await outbox.depth()).toBe(0);
    expect(await outbox.dead('CA_HN', 10)).toEqual([expect.objectContaining({ id: claimed?.id, attempts: 2, lastError: 'no answer within 300 ms', registry: 'POPULATION' })]);
    expect(await outbox.dead('VCB', 10)).toEqual([]);

    at += 2 * DAY;
    expect(await outbox.cleanup()).toEqual({ watches: 1, notices: 0 });
    expect(await outbox.dead('CA_HN', 10)).toHaveLength(1);
    at += 31 * DAY;
    expect(await outbox.cleanup()).toEqual({ watches: 0, notices: 1 });
  });
});

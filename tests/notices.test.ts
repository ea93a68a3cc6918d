import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRemoteJWKSet, decodeJwt, jwtVerify, type JWTPayload } from 'jose';
import { ConfigError, loadConfig } from '../src/config';
import { createSchema } from '../src/graphql/createSchema';
import { signRegistryEvent } from '../src/http/registryEvents';
import { NoticeStore, type ClaimedNotice } from '../src/notices/NoticeStore';
import { CatalogueError, loadCatalogue, readCatalogueFile } from '../src/policy/loadCatalogue';
import { createStore, type Store } from '../src/store/createStore';
import { examplesOf } from './helpers/docExamples';
import { startNoticeReceiver, type NoticeReceiver } from './helpers/noticeReceiver';
import { codes, startStack, type GraphQLResponse, type Stack } from './helpers/stack';

const SECRET = 'notice-test-webhook-secret-01';
const DAY = 86_400_000;
/** How far the gateway's clock is ahead of the wall clock: tests move it to pass backoffs and expiries. */
let ahead = 0;
const now = () => new Date(Date.now() + ahead);
const days = (n: number) => new Date(now().getTime() + n * DAY).toISOString();

const WATCH = `mutation($id: PersonalId!, $purpose: PurposeCode!, $caseId: CaseId!, $until: DateTime!) {
  watchCitizen(id: $id, purpose: $purpose, caseId: $caseId, until: $until) { id subjectId caseId official status until createdAt purpose { code } }
}`;
const UNWATCH = 'mutation($id: ID!) { unwatchCitizen(id: $id) { id status cancelledAt } }';
const MY_WATCHES = 'query($first: Int, $caseId: CaseId) { myWatches(first: $first, caseId: $caseId) { id subjectId caseId status } }';
const DEAD = '{ deadNotices { id watchId caseId purpose { code } subjectId registry changedAt attempts lastError deadAt } }';
const NOTICE_KEYS = ['aud', 'caseId', 'changedAt', 'exp', 'iat', 'jti', 'purpose', 'registry', 'sub', 'watchId'];

/** The shipped catalogue with these agencies' notice endpoints, as a file for POLICY_CATALOGUE. */
function catalogueWith(endpoints: Record<string, string>, dir: string): string {
  const raw = readCatalogueFile() as { agencies: { code: string; noticeEndpoint?: string }[] };
  for (const a of raw.agencies) {
    if (endpoints[a.code]) a.noticeEndpoint = endpoints[a.code];
    else delete a.noticeEndpoint;
  }
  const file = path.join(dir, 'catalogue.json');
  writeFileSync(file, JSON.stringify(raw));
  return file;
}

/** Polls until `check` holds, running a pass of `deliverers` before each look, once every pass under way has finished. */
async function eventually(check: () => boolean | Promise<boolean>, deliverers: Stack[] = []): Promise<void> {
  for (let i = 0; i < 1500; i++) {
    for (const s of deliverers) await s.gateway.notices.deliverer.drain();
    for (const s of deliverers) await s.gateway.notices.deliverer.idle();
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the condition was never met');
}

describe('change notices to agencies', () => {
  let receiver: NoticeReceiver;
  let stack: Stack;
  let dir: string;
  /** Living adults of the mock registries, one per test that needs its own citizen. */
  let citizens: string[];
  const nextCitizen = () => citizens.shift() as string;

  beforeAll(async () => {
    receiver = await startNoticeReceiver();
    dir = mkdtempSync(path.join(tmpdir(), 'gw-notices-'));
    const catalogue = catalogueWith({ CA_HN: `${receiver.url}/ca-hn`, VCB: `${receiver.url}/vcb` }, dir);
    stack = await startStack(
      {
        POLICY_CATALOGUE: catalogue,
        CACHE_MODE: 'memory',
        REGISTRY_WEBHOOK_SECRET: SECRET,
        // Passes run when an event wakes the deliverer, or when a test drives one.
        NOTICE_POLL_MS: '600000',
        NOTICE_DEADLINE_MS: '1000',
        NOTICE_MAX_ATTEMPTS: '3',
        NOTICE_BACKOFF_BASE_MS: '60000',
        NOTICE_BACKOFF_MAX_MS: '3600000',
      },
      { now },
    );
    const personas = new Set(stack.dataset.personas.map((p) => p.personalId));
    citizens = [...stack.dataset.people.values()].filter((p) => !p.dateOfDeath && p.dateOfBirth < '2000-01-01' && !personas.has(p.id)).map((p) => p.id).slice(0, 40);
  });
  afterAll(async () => {
    await stack.stop();
    await receiver.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  // Tokens are minted afresh: the gateway's clock moves by days in these tests.
  const police = () => stack.agencyToken('CA_HN', ['residence.process']);
  const watch = async (variables: Record<string, unknown>, token?: string, headers: Record<string, string> = {}) => stack.graphql(WATCH, { token: token ?? (await police()), variables, headers });
  const watchOf = (res: GraphQLResponse) => res.body.data?.watchCitizen as { id: string; subjectId: string; caseId: string; status: string; until: string; createdAt: string };
  const sendEvent = (registry: string, ids: string[], eventId = `evt-${randomBytes(8).toString('hex')}`, target = stack) => {
    const body = JSON.stringify({ registry, ids, changedAt: now().toISOString(), eventId });
    return fetch(`${target.url}/internal/registry-events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-registry-signature': signRegistryEvent(SECRET, body) },
      body,
    });
  };
  const rows = (watchId: string) =>
    stack.gateway.store.query<{ id: string; status: string; attempts: number; last_error: string | null }>(
      'SELECT id::text AS id, status, attempts, last_error FROM notices WHERE watch_id = $1 ORDER BY created_at',
      [watchId],
    );
  /** The POSTs the receiver got about one citizen (the JWS's subject, read without verifying). */
  const postsAbout = (id: string) => receiver.received.filter((r) => decodeJwt(r.body).sub === id);
  const metric = async (line: string) => {
    const text = await (await fetch(`${stack.url}/metrics`)).text();
    const found = text.split('\n').find((l) => l.startsWith(`${line} `));
    return found ? Number(found.slice(line.length + 1)) : 0;
  };
  const jwks = () => createRemoteJWKSet(new URL(`${stack.url}/.well-known/jwks.json`));

  it('delivers a signed notice, verifiable with the published JWKS and holding no value, when a watched record changes', async () => {
    receiver.mode = 'accept';
    const id = nextCitizen();
    const set = await watch({ id, purpose: 'CT01_RESIDENCE', caseId: 'HS-2026/000123', until: days(30) });
    expect(set.body.errors).toBeUndefined();
    const w = watchOf(set);
    expect(w).toMatchObject({ subjectId: id, caseId: 'HS-2026/000123', status: 'ACTIVE', official: 'canbo.01', purpose: { code: 'CT01_RESIDENCE' } });

    // The registry's own change event: a registrar corrects the phone number.
    const phone = '0912345678';
    const patched = await fetch(`${stack.mocks.urls.POPULATION}/__admin/citizens/${id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ phone }) });
    expect(patched.status).toBe(200);
    // Nothing drives the deliverer here: the event wakes it.
    await eventually(() => postsAbout(id).length === 1);

    const post = postsAbout(id)[0] as { path: string; contentType: string | undefined; body: string };
    expect(post.path).toBe('/ca-hn');
    expect(post.contentType).toBe('application/jwt');
    const { payload, protectedHeader } = await jwtVerify(post.body, jwks(), { algorithms: ['ES256'], typ: 'change-notice+jwt', audience: 'CA_HN', currentDate: now() });
    expect(protectedHeader.kid).toEqual(expect.any(String));
    expect(Object.keys(payload).sort()).toEqual(NOTICE_KEYS);
    expect(payload).toMatchObject({ aud: 'CA_HN', sub: id, watchId: w.id, caseId: 'HS-2026/000123', purpose: 'CT01_RESIDENCE', registry: 'POPULATION' });
    expect(Date.parse(payload.changedAt as string)).not.toBeNaN();
    expect((payload.exp as number) - (payload.iat as number)).toBe(3600);
    // Which record changed, never its values.
    const person = stack.dataset.people.get(id);
    const residence = stack.dataset.residences.get(id);
    const decoded = Buffer.from(post.body.split('.')[1] as string, 'base64url').toString('utf8');
    for (const value of [phone, person?.fullName, person?.dateOfBirth, person?.hometown, person?.placeOfBirth, residence?.householdId]) {
      expect(typeof value).toBe('string');
      expect(decoded).not.toContain(value as string);
      expect(post.body).not.toContain(value as string);
    }
    expect(await rows(w.id)).toEqual([expect.objectContaining({ status: 'delivered', attempts: 1, last_error: null })]);
    expect(await metric('gateway_notices_delivered_total')).toBeGreaterThanOrEqual(1);

    // Both the watch and the notice are on the citizen's record of who learned what about them.
    const log = await stack.graphql('{ myAccessLog { edges { node { agency { code } purpose { code } caseId fields registries outcome } } } }', { token: await stack.citizenToken(id) });
    const entries = (log.body.data?.myAccessLog as { edges: { node: Record<string, unknown> }[] }).edges.map((e) => e.node);
    expect(entries).toEqual(
      expect.arrayContaining([
        { agency: { code: 'CA_HN' }, purpose: { code: 'CT01_RESIDENCE' }, caseId: 'HS-2026/000123', fields: ['watch'], registries: ['POPULATION'], outcome: 'DISCLOSED' },
        { agency: { code: 'CA_HN' }, purpose: { code: 'CT01_RESIDENCE' }, caseId: 'HS-2026/000123', fields: ['notice.population'], registries: [], outcome: 'DISCLOSED' },
      ]),
    );
    expect(stack.logs()).not.toContain('stack trace of the receiver');

    // The verification example of docs/NOTICES.md, as written, on this notice.
    const example = examplesOf(path.join('docs', 'NOTICES.md')).find((e) => e.code.includes('jwtVerify'));
    expect(example?.noRun).toEqual(expect.any(String));
    const noticeFile = path.join(dir, 'notice.jwt');
    writeFileSync(noticeFile, post.body);
    const script = (example?.code ?? '').replaceAll('http://127.0.0.1:4000', stack.url).replaceAll('notice.jwt', noticeFile);
    const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile('bash', ['-c', script], { cwd: path.join(__dirname, '..'), timeout: 20_000 }, (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr })),
    );
    expect({ code: out.code, stderr: out.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(out.stdout)).toMatchObject({ sub: id, watchId: w.id, registry: 'POPULATION' });
  });

  it('retries a notice the endpoint answers 500 to, after a backoff on the gateway clock, and delivers it once the endpoint accepts', async () => {
    receiver.mode = 'fail';
    const id = nextCitizen();
    const w = watchOf(await watch({ id, purpose: 'CT01_RESIDENCE', caseId: 'HS-RETRY-1', until: days(30) }));
    expect((await sendEvent('residence', [id])).status).toBe(202);
    await eventually(async () => (await rows(w.id))[0]?.attempts === 1, [stack]);
    expect(await rows(w.id)).toEqual([expect.objectContaining({ status: 'pending', attempts: 1, last_error: 'HTTP 500' })]);

    // Not due again before the backoff (60 s, then 120 s) has passed on the gateway's clock.
    await stack.gateway.notices.deliverer.drain();
    expect(postsAbout(id)).toHaveLength(1);
    ahead += 60_000;
    await eventually(async () => (await rows(w.id))[0]?.attempts === 2, [stack]);
    ahead += 60_000;
    await stack.gateway.notices.deliverer.drain();
    expect(postsAbout(id)).toHaveLength(2);

    receiver.mode = 'accept';
    ahead += 60_000;
    await eventually(async () => (await rows(w.id))[0]?.status === 'delivered', [stack]);
    expect(await rows(w.id)).toEqual([expect.objectContaining({ status: 'delivered', attempts: 3 })]);
    // One notice, signed afresh for each attempt: receivers drop repeats by its jti.
    const payloads: JWTPayload[] = [];
    for (const post of postsAbout(id)) payloads.push((await jwtVerify(post.body, jwks(), { typ: 'change-notice+jwt', audience: 'CA_HN', currentDate: now() })).payload);
    expect(new Set(payloads.map((p) => p.jti)).size).toBe(1);
    expect(payloads.map((p) => p.registry)).toEqual(['RESIDENCE', 'RESIDENCE', 'RESIDENCE']);
    expect(payloads[2]?.iat).toBeGreaterThan(payloads[0]?.iat as number);
    expect(await metric('gateway_notices_failed_total{reason="status"}')).toBeGreaterThanOrEqual(2);
  });

  it('dead-letters a notice whose endpoint hangs past the deadline, after the last attempt, and shows it to supervisors with notices.read', async () => {
    receiver.mode = 'hang';
    const id = nextCitizen();
    const w = watchOf(await watch({ id, purpose: 'CT01_RESIDENCE', caseId: 'HS-DEAD-1', until: days(30) }));
    expect((await sendEvent('documents', [id])).status).toBe(202);
    await eventually(async () => (await rows(w.id))[0]?.attempts === 1, [stack]);
    ahead += 60_000;
    await eventually(async () => (await rows(w.id))[0]?.attempts === 2, [stack]);
    ahead += 120_000;
    await eventually(async () => (await rows(w.id))[0]?.status === 'dead', [stack]);
    expect(await rows(w.id)).toEqual([expect.objectContaining({ status: 'dead', attempts: 3, last_error: 'no answer within 1000 ms' })]);
    expect(await metric('gateway_notices_dead_total')).toBe(1);
    expect(await metric('gateway_notices_failed_total{reason="timeout"}')).toBe(3);

    // A dead letter is not tried again, whatever the endpoint does later.
    receiver.mode = 'accept';
    ahead += DAY;
    await stack.gateway.notices.deliverer.drain();
    expect(postsAbout(id)).toHaveLength(3);

    const supervisor = await stack.agencyToken('CA_HN', ['notices.read']);
    const dead = await stack.graphql(DEAD, { token: supervisor });
    expect(dead.body.data?.deadNotices).toEqual([
      {
        id: (await rows(w.id))[0]?.id,
        watchId: w.id,
        caseId: 'HS-DEAD-1',
        purpose: { code: 'CT01_RESIDENCE' },
        subjectId: id,
        registry: 'DOCUMENTS',
        changedAt: expect.any(String),
        attempts: 3,
        lastError: 'no answer within 1000 ms',
        deadAt: expect.any(String),
      },
    ]);
    // Only with the supervisors' scope, and only the agency's own.
    const officer = await stack.graphql(DEAD, { token: await police() });
    expect(codes(officer)).toEqual(['FORBIDDEN']);
    expect(officer.body.errors?.[0]?.extensions?.rule).toBe('SCOPE');
    const bank = await stack.graphql(DEAD, { token: await stack.agencyToken('VCB', ['notices.read']) });
    expect(bank.body.data?.deadNotices).toEqual([]);
  });

  it('does not follow a redirect from the endpoint: the attempt fails and is retried', async () => {
    receiver.mode = 'redirect';
    const id = nextCitizen();
    const w = watchOf(await watch({ id, purpose: 'CT01_RESIDENCE', caseId: 'HS-REDIRECT-1', until: days(30) }));
    expect((await sendEvent('population', [id])).status).toBe(202);
    await eventually(async () => (await rows(w.id))[0]?.attempts === 1, [stack]);
    expect(await rows(w.id)).toEqual([expect.objectContaining({ status: 'pending', last_error: 'HTTP 302: redirects are not followed' })]);
    expect(receiver.redirectedHits()).toBe(0);
    await stack.graphql(UNWATCH, { token: await police(), variables: { id: w.id } });
  });

  it('writes one notice per watch for an event handled twice: by a second instance on the same store, or by the listener again', async () => {
    receiver.mode = 'accept';
    const id = nextCitizen();
    const w = watchOf(await watch({ id, purpose: 'CT01_RESIDENCE', caseId: 'HS-TWICE-1', until: days(30) }));
    // A registry retrying an event lands on another instance, which has not seen its id.
    // Instances of one deployment share the store and the signing keys.
    const second = await startStack(
      { ...stack.env, DATA_DIR: mkdtempSync(path.join(tmpdir(), 'gw-notices-2-')), SIGNING_KEY_DIR: path.join(stack.env.DATA_DIR as string, 'keys') },
      { mocks: stack.mocks, now },
    );
    try {
      const body = JSON.stringify({ registry: 'population', ids: [id], changedAt: now().toISOString(), eventId: 'evt-twice-000001' });
      const post = (s: Stack) =>
        fetch(`${s.url}/internal/registry-events`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-registry-signature': signRegistryEvent(SECRET, body) }, body });
      expect([(await post(stack)).status, (await post(second)).status]).toEqual([202, 202]);
      await stack.gateway.notices.listener({ registry: 'POPULATION', ids: [id], changedAt: now(), eventId: 'evt-twice-000001' });
      expect(await rows(w.id)).toHaveLength(1);
      // Both instances drain the one outbox: the notice goes out once.
      await eventually(async () => (await rows(w.id))[0]?.status === 'delivered', [stack, second]);
      await Promise.all([stack.gateway.notices.deliverer.drain(), second.gateway.notices.deliverer.drain()]);
      expect(postsAbout(id)).toHaveLength(1);

      // Stopping an instance waits for its passes under way: the attempt is settled, within its deadline, before the store closes.
      receiver.mode = 'hang';
      expect((await sendEvent('residence', [id], undefined, second)).status).toBe(202);
      const pass = second.gateway.notices.deliverer.drain();
      await second.stop();
      expect(second.gateway.phase()).toBe('stopped');
      await pass;
      expect((await rows(w.id))[1]).toEqual(expect.objectContaining({ status: 'pending', attempts: 1, last_error: 'no answer within 1000 ms' }));
    } finally {
      await second.stop();
      await stack.graphql(UNWATCH, { token: await police(), variables: { id: w.id } });
    }
  });

  it('delivers nothing for a watch past its until, lists it no more, and clears it away', async () => {
    receiver.mode = 'fail';
    const [lapsing, pending] = [nextCitizen(), nextCitizen()];
    const a = watchOf(await watch({ id: lapsing, purpose: 'CT01_RESIDENCE', caseId: 'HS-LAPSE-1', until: days(1) }));
    const b = watchOf(await watch({ id: pending, purpose: 'CT01_RESIDENCE', caseId: 'HS-LAPSE-2', until: days(1) }));
    // A notice written while the watch was in force, still failing when the watch lapses...
    expect((await sendEvent('population', [pending])).status).toBe(202);
    await eventually(async () => (await rows(b.id))[0]?.attempts === 1, [stack]);
    ahead += 2 * DAY;
    receiver.mode = 'accept';
    // ...and a change after it: neither is sent.
    expect((await sendEvent('population', [lapsing, pending])).status).toBe(202);
    await stack.gateway.notices.deliverer.drain();
    expect(await rows(a.id)).toEqual([]);
    expect(postsAbout(lapsing)).toEqual([]);
    expect(postsAbout(pending)).toHaveLength(1);
    const listed = await stack.graphql(MY_WATCHES, { token: await police(), variables: { caseId: 'HS-LAPSE-1' } });
    expect(listed.body.data?.myWatches).toEqual([]);
    const left = await stack.gateway.store.query<{ n: string }>('SELECT count(*)::text AS n FROM watches WHERE id = ANY($1::uuid[])', [[a.id, b.id]]);
    expect(left[0]?.n).toBe('0');
    expect(await rows(b.id)).toEqual([]);
  });

  it('withholds the notices of a watch once the citizen withdraws the consent it rested on: each notice is judged again', async () => {
    receiver.mode = 'accept';
    const id = nextCitizen();
    const bank = await stack.agencyToken('VCB', ['identity.verify']);
    const refused = await watch({ id, purpose: 'KYC_VERIFICATION', caseId: 'KH-0001', until: days(30) }, bank);
    expect(codes(refused)).toEqual(['CONSENT_REQUIRED']);

    const citizen = await stack.citizenToken(id);
    const consent = await stack.graphql('mutation($e: DateTime!) { grantConsent(input: {agency: "VCB", purpose: "KYC_VERIFICATION", expiresAt: $e}) { id } }', { token: citizen, variables: { e: days(60) } });
    const consentId = (consent.body.data?.grantConsent as { id: string }).id;
    const set = await watch({ id, purpose: 'KYC_VERIFICATION', caseId: 'KH-0001', until: days(30) }, bank);
    expect(set.body.errors).toBeUndefined();
    const w = watchOf(set);

    await stack.graphql('mutation($id: ID!) { revokeConsent(id: $id) { status } }', { token: citizen, variables: { id: consentId } });
    const withheldBefore = await metric('gateway_notices_withheld_total');
    expect((await sendEvent('documents', [id])).status).toBe(202);
    await eventually(async () => (await rows(w.id)).length === 0, [stack]);
    expect(postsAbout(id)).toEqual([]);
    expect(await metric('gateway_notices_withheld_total')).toBe(withheldBefore + 1);
  });

  it('refuses a watch outside the grant, naming the rule, and records the refusal', async () => {
    const id = nextCitizen();
    const base = { id, purpose: 'CT01_RESIDENCE', caseId: 'HS-REFUSED-1', until: days(30) };
    const cases: [string, () => Promise<GraphQLResponse>, string, string | undefined][] = [
      ['a purpose the agency has no grant for', () => watch({ ...base, purpose: 'PASSPORT' }), 'FORBIDDEN', 'NO_GRANT'],
      ["a token without the grant's scope", async () => watch(base, await stack.agencyToken('CA_HN', ['criminal-record.issue'])), 'FORBIDDEN', 'SCOPE'],
      ['an agency without a notice endpoint', async () => watch({ ...base, purpose: 'PASSPORT' }, await stack.agencyToken('XNC', ['passport.issue'])), 'FORBIDDEN', 'NOTICE_ENDPOINT'],
      ['X-Purpose naming another purpose', () => watch(base, undefined, { 'x-purpose': 'CRIMINAL_RECORD' }), 'FORBIDDEN', 'WATCH_PURPOSE'],
      ['a citizen token', async () => watch(base, await stack.citizenToken(id)), 'FORBIDDEN', 'ROLE'],
      ['a citizen recorded as deceased', () => watch({ ...base, id: stack.persona('deceased') }), 'FORBIDDEN', 'DECEASED_SUBJECT'],
    ];
    for (const [what, ask, code, rule] of cases) {
      const res = await ask();
      expect({ what, codes: codes(res), rule: res.body.errors?.[0]?.extensions?.rule }).toEqual({ what, codes: [code], rule });
      expect(res.body.data ?? null).toBeNull();
    }
    const denied = await stack.gateway.store.query<{ reason: string; purpose: string | null; fields: string[] }>(
      `SELECT reason, purpose, fields FROM audit_log WHERE subject_id = $1 AND outcome = 'denied' ORDER BY seq`,
      [id],
    );
    expect(denied).toEqual(
      expect.arrayContaining([
        { reason: 'FORBIDDEN:NO_GRANT', purpose: 'PASSPORT', fields: ['watch'] },
        { reason: 'FORBIDDEN:NOTICE_ENDPOINT', purpose: 'PASSPORT', fields: ['watch'] },
      ]),
    );
    const kept = await stack.gateway.store.query<{ n: string }>('SELECT count(*)::text AS n FROM watches WHERE subject_id = $1', [id]);
    expect(kept[0]?.n).toBe('0');
  });

  it('lists the agency’s own watches, renews one set again, and ends one, after which its changes bring nothing', async () => {
    receiver.mode = 'accept';
    const id = nextCitizen();
    const first = watchOf(await watch({ id, purpose: 'CT01_RESIDENCE', caseId: 'HS-LIST-1', until: days(10) }));
    const again = watchOf(await watch({ id, purpose: 'CT01_RESIDENCE', caseId: 'HS-LIST-1', until: days(20) }));
    expect(again.id).toBe(first.id);
    expect(Date.parse(again.until)).toBeGreaterThan(Date.parse(first.until));
    const listed = await stack.graphql(MY_WATCHES, { token: await police(), variables: { caseId: 'HS-LIST-1' } });
    expect(listed.body.data?.myWatches).toEqual([{ id: first.id, subjectId: id, caseId: 'HS-LIST-1', status: 'ACTIVE' }]);
    const bank = await stack.graphql(MY_WATCHES, { token: await stack.agencyToken('VCB', ['identity.verify']), variables: { caseId: 'HS-LIST-1' } });
    expect(bank.body.data?.myWatches).toEqual([]);
    // Another agency cannot end it.
    const foreign = await stack.graphql(UNWATCH, { token: await stack.agencyToken('VCB', ['identity.verify']), variables: { id: first.id } });
    expect(codes(foreign)).toEqual(['NOT_FOUND']);

    const ended = await stack.graphql(UNWATCH, { token: await police(), variables: { id: first.id } });
    expect(ended.body.data?.unwatchCitizen).toEqual({ id: first.id, status: 'CANCELLED', cancelledAt: expect.any(String) });
    const twice = await stack.graphql(UNWATCH, { token: await police(), variables: { id: first.id } });
    expect(twice.body.data?.unwatchCitizen).toEqual(ended.body.data?.unwatchCitizen);
    expect((await stack.graphql(MY_WATCHES, { token: await police(), variables: { caseId: 'HS-LIST-1' } })).body.data?.myWatches).toEqual([]);
    expect((await sendEvent('population', [id])).status).toBe(202);
    await stack.gateway.notices.deliverer.drain();
    expect(await rows(first.id)).toEqual([]);
    expect(postsAbout(id)).toEqual([]);
  });

  describe('hostile input', () => {
    const good = () => ({ id: citizens[0] as string, purpose: 'CT01_RESIDENCE', caseId: 'HS-HOSTILE-1', until: days(30) });
    it.each([
      ['id', 'too short', '12345'],
      ['id', 'SQL', "001088000012' OR '1'='1"],
      ['id', 'full-width digits', '００１０８８００００１２'],
      ['id', 'far too long', '0'.repeat(10_000)],
      ['id', 'a number', 1088000012],
      ['purpose', 'lower case', 'ct01_residence'],
      ['purpose', 'SQL', "CT01_RESIDENCE'; DROP TABLE watches; --"],
      ['purpose', 'Vietnamese letters', 'CƯ_TRÚ'],
      ['purpose', 'too long', `A${'B'.repeat(80)}`],
      ['purpose', 'not in the catalogue', 'NO_SUCH_PURPOSE'],
      ['caseId', 'empty', ''],
      ['caseId', 'spaces', 'HS 2026 1'],
      ['caseId', 'SQL', "1'; DROP TABLE watches; --"],
      ['caseId', 'Vietnamese letters', 'Hồ-sơ-1'],
      ['caseId', 'too long', 'H'.repeat(101)],
      ['caseId', 'a control character', 'HS-1\u0000'],
      ['until', 'in the past', '2020-01-01T00:00:00Z'],
      ['until', 'too far ahead', 'far'],
      ['until', 'not a date-time', 'tomorrow'],
      ['until', 'a number', 1_900_000_000],
    ])('answers BAD_USER_INPUT naming %s for %s', async (field, _what, value) => {
      const res = await watch({ ...good(), [field]: value === 'far' ? days(4000) : value });
      expect(codes(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.body.errors?.[0]?.extensions?.field).toBe(field);
      expect(res.body.errors?.[0]?.message).not.toMatch(/DROP TABLE|at \w+ \(/);
      const stored = await stack.gateway.store.query<{ n: string }>(`SELECT count(*)::text AS n FROM watches WHERE case_id = 'HS-HOSTILE-1' OR case_id LIKE '%DROP%'`);
      expect(stored[0]?.n).toBe('0');
    });

    it('answers BAD_USER_INPUT when X-Case-Id names another case than caseId', async () => {
      const res = await watch(good(), undefined, { 'x-case-id': 'HS-OTHER-9' });
      expect(codes(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.body.errors?.[0]?.extensions?.field).toBe('caseId');
    });

    it('answers NOT_FOUND for a well-formed personal ID the registry does not hold, and records the attempt', async () => {
      const unknown = '001099123456';
      expect(stack.dataset.people.has(unknown)).toBe(false);
      const res = await watch({ ...good(), id: unknown });
      expect(codes(res)).toEqual(['NOT_FOUND']);
      const recorded = await stack.gateway.store.query<{ outcome: string; reason: string; case_id: string }>('SELECT outcome, reason, case_id FROM audit_log WHERE subject_id = $1', [unknown]);
      expect(recorded).toEqual([{ outcome: 'failed', reason: 'NOT_FOUND', case_id: 'HS-HOSTILE-1' }]);
    });

    it.each([
      ['not a UUID', 'watch-1'],
      ['SQL', "' OR 1=1 --"],
      ['far too long', 'f'.repeat(5000)],
    ])('answers BAD_USER_INPUT to unwatchCitizen with an id that is %s', async (_what, id) => {
      const res = await stack.graphql(UNWATCH, { token: await police(), variables: { id } });
      expect(codes(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.body.errors?.[0]?.extensions?.field).toBe('id');
    });

    it('answers NOT_FOUND to unwatchCitizen with a watch id that is no watch of the agency', async () => {
      const res = await stack.graphql(UNWATCH, { token: await police(), variables: { id: '00000000-0000-4000-8000-000000000000' } });
      expect(codes(res)).toEqual(['NOT_FOUND']);
    });

    it.each([0, -1, 101, 1_000_000])('answers BAD_USER_INPUT to myWatches and deadNotices asked for %s entries', async (first) => {
      const listed = await stack.graphql(MY_WATCHES, { token: await police(), variables: { first } });
      expect(codes(listed)).toEqual(['BAD_USER_INPUT']);
      expect(listed.body.errors?.[0]?.extensions?.field).toBe('first');
      const dead = await stack.graphql('query($first: Int) { deadNotices(first: $first) { id } }', { token: await stack.agencyToken('CA_HN', ['notices.read']), variables: { first } });
      expect(codes(dead)).toEqual(['BAD_USER_INPUT']);
    });
  });
});

describe('notice endpoints in the policy catalogue', () => {
  const { facts } = createSchema();
  const withEndpoint = (url: unknown) => {
    const raw = readCatalogueFile() as { agencies: Record<string, unknown>[] };
    (raw.agencies[0] as Record<string, unknown>).noticeEndpoint = url;
    return raw;
  };
  const problems = (raw: unknown, development: boolean): string[] => {
    try {
      loadCatalogue(raw, facts, { development });
      return [];
    } catch (err) {
      return (err as CatalogueError).problems;
    }
  };

  it('takes an https endpoint anywhere, and http only to this machine in development', () => {
    expect(loadCatalogue(withEndpoint('https://notices.ca-hn.example/registry-changes'), facts).agencies.get('CA_HN')?.noticeEndpoint).toBe('https://notices.ca-hn.example/registry-changes');
    expect(problems(withEndpoint('http://127.0.0.1:8080/notices'), true)).toEqual([]);
    expect(problems(withEndpoint('http://[::1]:8080/notices'), true)).toEqual([]);
  });

  it.each([
    ['plain http to another machine', 'http://notices.ca-hn.example/registry-changes', true, /must be an https:\/\/ URL/],
    ['this machine outside development', 'https://127.0.0.1:8443/notices', false, /this machine, allowed in development only/],
    ['localhost outside development', 'http://localhost:8080/notices', false, /this machine, allowed in development only/],
    ['credentials in the URL', 'https://user:secret@notices.ca-hn.example/', true, /no credentials/],
    ['not a URL', 'notices.ca-hn.example', true, /absolute URL/],
    ['another scheme', 'ftp://notices.ca-hn.example/', true, /https:\/\//],
    ['not a string', 42, true, /absolute URL/],
    ['far too long', `https://notices.example/${'a'.repeat(600)}`, true, /at most 500 characters/],
  ])('refuses to start with %s', (_what, url, development, message) => {
    expect(problems(withEndpoint(url), development)).toEqual([expect.stringMatching(message)]);
  });
});

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
    await outbox.failed(again as ClaimedNotice, 'no answer within 1000 ms', null);
    expect(await outbox.depth()).toBe(0);
    expect(await outbox.dead('CA_HN', 10)).toEqual([expect.objectContaining({ id: claimed?.id, attempts: 2, lastError: 'no answer within 1000 ms', registry: 'POPULATION' })]);
    expect(await outbox.dead('VCB', 10)).toEqual([]);

    at += 2 * DAY;
    expect(await outbox.cleanup()).toEqual({ watches: 1, notices: 0 });
    expect(await outbox.dead('CA_HN', 10)).toHaveLength(1);
    at += 31 * DAY;
    expect(await outbox.cleanup()).toEqual({ watches: 0, notices: 1 });
  });
});

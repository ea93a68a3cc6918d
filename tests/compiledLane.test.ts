import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { buildManifest } from '../src/persisted/manifest';
import { randomHex } from '../src/request/requestScope';
import { startStack, type Stack } from './helpers/stack';

/**
 * The compiled lane (src/lane/createCompiledLane.ts) answers persisted operations ahead of
 * Express and Apollo Server. Two gateways on the same registries and the same manifest,
 * one with the lane and one without (COMPILED_LANE=off), receive every request below in
 * turn; their status codes, headers, bodies, audit records and log lines must be the
 * same, and the lane's metric says which of them served it.
 */
const OPERATIONS = `
query Me { me { __typename id person { ...Name dateOfBirth gender dateOfDeath spouse { id person { fullName } } children { id person { fullName } } } documents { type number status } household { members { relationshipToHead citizen { id person { fullName } } } } } }
fragment Name on Person { fullName }
query Citizen($id: PersonalId!) { citizen(id: $id) { id person { ...Name dateOfBirth phoneNumber } residence { permanentAddress { full communeName } } household { id members { relationshipToHead citizen { person { fullName dateOfBirth } } } } } }
query Documents($id: PersonalId!) { citizen(id: $id) { documents { type number } } }
query Optional($id: PersonalId!, $withBirth: Boolean!) { citizen(id: $id) { person { fullName dateOfBirth @include(if: $withBirth) } } }
query Prefill($f: ID!, $s: PersonalId) { prefill(formId: $f, subjectId: $s) { formId subjectId missing fields { key value status editable note options rows { included cells { key value status editable } } } } }
query Verify($i: VerifyCitizenInput!) { verifyCitizen(input: $i) { verdict fields { field result } } }
mutation Consent($i: GrantConsentInput!) { grantConsent(input: $i) { id } }
query Misspelt { me { person { fullNam } } }
`;

const HEADERS = [
  'content-type',
  'cache-control',
  'content-security-policy',
  'x-content-type-options',
  'x-frame-options',
  'referrer-policy',
  'cross-origin-resource-policy',
  'permissions-policy',
  'access-control-allow-origin',
  'access-control-allow-credentials',
  'access-control-expose-headers',
  'vary',
  'retry-after',
  'www-authenticate',
  'x-request-id',
];

interface Answer {
  status: number;
  headers: Record<string, string | null>;
  body: unknown;
}

describe('the compiled lane answers persisted operations as Apollo Server does', () => {
  const manifest = buildManifest([{ file: 'portal.graphql', text: OPERATIONS }]);
  const hash = (name: string) => manifest.operations.find((o) => o.name === name)?.id as string;
  let lane: Stack;
  let apollo: Stack;
  let n = 0;

  beforeAll(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'gw-lane-'));
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
    const env = { PERSISTED_OPERATIONS: path.join(dir, 'manifest.json'), CORS_ORIGINS: 'https://dichvucong.example.gov.vn', RATE_LIMIT_OFFICIAL_LOOKUPS: '60', RATE_LIMIT_WINDOW_S: '3600' };
    lane = await startStack({ ...env, COMPILED_LANE: 'on' });
    apollo = await startStack({ ...env, COMPILED_LANE: 'off' }, { mocks: lane.mocks });
  });
  afterAll(async () => {
    await apollo?.stop();
    await lane?.stop();
  });

  const served = async (stack: Stack) => Number(/^gateway_compiled_lane_requests_total (\d+)$/m.exec(await (await fetch(`${stack.url}/metrics`)).text())?.[1] ?? 'NaN');

  /** Sends the same request to both gateways (each with its own token for the same caller) and returns both answers. */
  async function both(body: unknown, who: (s: Stack) => Promise<string | null>, headers: Record<string, string> = {}, raw?: string): Promise<{ lane: Answer; apollo: Answer; viaLane: boolean }> {
    const requestId = `lane-parity-${++n}`;
    const answers: Answer[] = [];
    const before = await served(lane);
    for (const stack of [lane, apollo]) {
      const token = await who(stack);
      const res = await fetch(`${stack.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': requestId, ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
        body: raw ?? JSON.stringify(body),
      });
      const parsed = (await res.json()) as { errors?: { path?: unknown }[] };
      // Errors of fields resolved concurrently come in the order they happen to fail, in graphql-js as in graphql-jit.
      parsed.errors?.sort((a, b) => JSON.stringify(a.path ?? null).localeCompare(JSON.stringify(b.path ?? null)));
      answers.push({ status: res.status, headers: Object.fromEntries(HEADERS.map((h) => [h, res.headers.get(h)])), body: parsed });
    }
    // A Retry-After counts down on the wall clock: the gateway asked a moment later may say a second less.
    const [first, second] = answers as [Answer, Answer];
    const wait = [first, second].map((a) => Number(a.headers['retry-after']));
    if (first.status === 429 && second.status === 429 && Math.abs((wait[0] as number) - (wait[1] as number)) <= 1) {
      second.headers['retry-after'] = first.headers['retry-after'] as string;
      second.body = JSON.parse(JSON.stringify(second.body).replaceAll(String(wait[1]), String(wait[0])));
    }
    const viaLane = (await served(lane)) === before + 1;
    expect(await served(apollo)).toBe(0);
    // The audit records of both, but for their order in the chain.
    const rows = await Promise.all(
      [lane, apollo].map((s) =>
        s.gateway.store.query('SELECT caller_kind, caller_id, agency, purpose, case_id, subject_id, fields, registries, outcome, reason FROM audit_log WHERE request_id = $1 ORDER BY subject_id, outcome', [requestId]),
      ),
    );
    expect(rows[0]).toEqual(rows[1]);
    const lines = [lane, apollo].map((s) => {
      const line = s
        .logs()
        .split('\n')
        .filter((l) => l.includes('"graphql request"') && l.includes(`"${requestId}"`))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      return line.map(({ time: _t, durationMs: _d, traceId, registries, ...rest }) => ({
        ...rest,
        traceId: typeof traceId,
        registries: Object.fromEntries(Object.entries(registries as Record<string, { calls: number }>).map(([k, v]) => [k, v.calls])),
      }));
    });
    expect(lines[0]).toEqual(lines[1]);
    return { lane: answers[0] as Answer, apollo: answers[1] as Answer, viaLane };
  }

  const citizen = (key: string) => (s: Stack) => s.citizenToken(s.persona(key));
  const police = (s: Stack) => s.agencyToken();
  const byHash = (name: string, variables?: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    extensions: { persistedQuery: { version: 1, sha256Hash: hash(name) } },
    ...(variables ? { variables } : {}),
    ...extra,
  });

  it.each([
    ['a citizen reading their own household and family', () => byHash('Me'), citizen('household-of-five'), {}],
    ['a citizen with no documents (an empty list is a disclosure)', () => byHash('Me'), citizen('no-documents'), {}],
    ['a deceased citizen’s record', () => byHash('Me'), citizen('widowed-with-child'), {}],
    ['an agency reading a household of eight', () => byHash('Citizen', { id: lane.persona('household-of-eight') }), police, { 'x-purpose': 'CT01_RESIDENCE', 'x-case-id': 'HS-2026/7' }],
    ['documentId instead of the extension', () => ({ documentId: `sha256:${hash('Documents')}`, variables: { id: lane.persona('passport-holder') } }), citizen('passport-holder'), {}],
    ['the exact text of the operation', () => ({ query: manifest.operations.find((o) => o.name === 'Documents')?.body, variables: { id: lane.persona('no-documents') } }), citizen('no-documents'), {}],
    ['@include false', () => byHash('Optional', { id: lane.persona('minor'), withBirth: false }), citizen('minor'), {}],
    ['@include true', () => byHash('Optional', { id: lane.persona('minor'), withBirth: true }), citizen('minor'), {}],
    ['a form prefilled for its applicant', () => byHash('Prefill', { f: 'CT01' }), citizen('household-of-four'), {}],
    ['a form prefilled by an agency', () => byHash('Prefill', { f: 'CT01', s: lane.persona('household-of-four') }), police, { 'x-purpose': 'CT01_RESIDENCE' }],
    ['an agency without a purpose (PURPOSE_REQUIRED)', () => byHash('Citizen', { id: lane.persona('married-couple') }), police, {}],
    ['another citizen’s record (FORBIDDEN)', () => byHash('Documents', { id: lane.persona('married-couple') }), citizen('minor'), {}],
    ['FORBIDDEN in Vietnamese', () => byHash('Documents', { id: lane.persona('married-couple') }), citizen('minor'), { 'accept-language': 'vi-VN,vi;q=0.9,en;q=0.5' }],
    ['a malformed personal ID (BAD_USER_INPUT)', () => byHash('Citizen', { id: '12345' }), police, { 'x-purpose': 'CT01_RESIDENCE' }],
    ['a missing variable', () => byHash('Citizen'), police, { 'x-purpose': 'CT01_RESIDENCE' }],
    ['an allowed origin', () => byHash('Me'), citizen('minor'), { origin: 'https://dichvucong.example.gov.vn' }],
    ['a citizen not in the registry (NOT_FOUND)', () => byHash('Citizen', { id: '001099000001' }), police, { 'x-purpose': 'CT01_RESIDENCE' }],
    ['verifyCitizen without consent', () => byHash('Verify', { i: { personalId: lane.persona('passport-holder'), fullName: 'Nguyễn Văn A' } }), (s: Stack) => s.agencyToken('VCB', ['identity.verify']), { 'x-purpose': 'KYC_VERIFICATION' }],
    ['a mutation', () => byHash('Consent', { i: { agency: 'VCB', purpose: 'KYC_VERIFICATION', expiresAt: '2099-01-01T00:00:00Z' } }), citizen('passport-holder'), {}],
    ['verifyCitizen with consent', () => byHash('Verify', { i: { personalId: lane.persona('passport-holder'), fullName: 'Nguyễn Văn A' } }), (s: Stack) => s.agencyToken('VCB', ['identity.verify']), { 'x-purpose': 'KYC_VERIFICATION' }],
  ])('%s: the same answer, served by the lane', async (_name, body, who, headers) => {
    const answer = await both(body(), who, headers);
    expect(answer.lane).toEqual(answer.apollo);
    expect(answer.viaLane).toBe(true);
  });

  it('answers a registry failure alike (UPSTREAM_UNAVAILABLE for the failed fields, the rest disclosed)', async () => {
    await lane.fault('DOCUMENTS', 'error');
    try {
      const answer = await both(byHash('Me'), citizen('passport-holder'));
      expect(JSON.stringify(answer.lane.body)).toContain('UPSTREAM_');
      expect(answer.lane).toEqual(answer.apollo);
      expect(answer.viaLane).toBe(true);
    } finally {
      await lane.fault('DOCUMENTS', 'ok');
    }
  });

  it('refuses over the lookup limit with the same 429 and Retry-After', async () => {
    let answer;
    for (let i = 0; i < 20; i++) {
      answer = await both(byHash('Citizen', { id: lane.persona('household-of-eight') }), police, { 'x-purpose': 'CT01_RESIDENCE' });
      expect(answer.lane).toEqual(answer.apollo);
      if (answer.lane.status === 429) break;
    }
    expect(answer?.lane.status).toBe(429);
    expect(answer?.lane.headers['retry-after']).toMatch(/^\d+$/);
    expect(answer?.viaLane).toBe(true);
  });

  it.each([
    ['a bad token', () => byHash('Me'), async () => 'not.a.token', {}],
    ['a malformed X-Purpose', () => byHash('Me'), citizen('minor'), { 'x-purpose': 'lower case' }],
    ['an unknown hash', () => ({ extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } }), citizen('minor'), {}],
    ['a document not in the manifest', () => ({ query: '{ me { id } }' }), citizen('minor'), {}],
    ['an operation the manifest lists but that does not validate', () => byHash('Misspelt'), citizen('minor'), {}],
    ['a wrong operationName', () => byHash('Me', undefined, { operationName: 'Other' }), citizen('minor'), {}],
    ['variables that are not an object', () => byHash('Me', undefined, { variables: [1] }), citizen('minor'), {}],
    ['an origin not on the allowlist', () => byHash('Me'), citizen('minor'), { origin: 'https://evil.example' }],
    ['no token', () => byHash('Me'), async () => null, {}],
    ['Accept: application/graphql-response+json', () => byHash('Me'), citizen('minor'), { accept: 'application/graphql-response+json' }],
  ])('%s: left to Express and Apollo Server, the same answer', async (_name, body, who, headers) => {
    const answer = await both(body(), who, headers);
    expect(answer.lane).toEqual(answer.apollo);
    expect(answer.viaLane).toBe(false);
  });

  it('leaves a body that is not JSON to Express, which answers it as before', async () => {
    const answer = await both(null, citizen('minor'), {}, '{"extensions":');
    expect(answer.lane).toEqual(answer.apollo);
    expect(answer.lane.status).toBe(400);
    expect(answer.viaLane).toBe(false);
  });

  it('says at start-up how many operations it compiled; the one that does not validate is left out', () => {
    expect(lane.logs()).toMatch(/compiled lane: 7 of 8 persisted operation\(s\) compiled/);
    expect(apollo.logs()).not.toMatch(/compiled lane:/);
  });

  it('found no disagreement between disclosure plans and walks of the answers', async () => {
    for (const s of [lane, apollo]) expect(await (await fetch(`${s.url}/metrics`)).text()).toMatch(/^gateway_audit_plan_mismatches_total 0$/m);
  });
});

/** The SDK's in-memory exporter, keeping its spans past shutdown (the gateway shuts its exporter down when it stops). */
class KeptSpanExporter extends InMemorySpanExporter {
  override shutdown(): Promise<void> {
    return this.forceFlush();
  }
}

describe('the compiled lane with tracing on', () => {
  it('records the same spans as Apollo Server: the request, the operation, each registry call', async () => {
    const text = 'query Household($id: PersonalId!) { citizen(id: $id) { person { fullName } household { members { relationshipToHead } } } }';
    const manifest = buildManifest([{ file: 'portal.graphql', text }]);
    const dir = mkdtempSync(path.join(tmpdir(), 'gw-lane-trace-'));
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
    const runs: { stack: Stack; exporter: KeptSpanExporter; traceId: string }[] = [];
    try {
      for (const mode of ['on', 'off']) {
        const exporter = new KeptSpanExporter();
        const stack = await startStack({ PERSISTED_OPERATIONS: path.join(dir, 'manifest.json'), COMPILED_LANE: mode }, { traceExporter: exporter, ...(runs[0] ? { mocks: runs[0].stack.mocks } : {}) });
        const traceId = randomHex(16);
        runs.push({ stack, exporter, traceId });
        const res = await fetch(`${stack.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${await stack.agencyToken()}`, 'x-purpose': 'CT01_RESIDENCE', traceparent: `00-${traceId}-${randomHex(8)}-01` },
          body: JSON.stringify({ documentId: manifest.operations[0]?.id, variables: { id: stack.persona('household-of-five') } }),
        });
        expect(res.status).toBe(200);
        const served = /^gateway_compiled_lane_requests_total (\d+)$/m.exec(await (await fetch(`${stack.url}/metrics`)).text())?.[1];
        expect(served).toBe(mode === 'on' ? '1' : '0');
      }
    } finally {
      // The second gateway first: the first one's registries are shared.
      for (const run of [...runs].reverse()) await run.stack.stop();
    }
    const trees = runs.map(({ exporter, traceId }) => {
      const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
      const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
      return spans
        .map((s) => ({ name: s.name, kind: s.kind, parent: byId.get(s.parentSpanContext?.spanId ?? '')?.name ?? null, attributes: s.attributes, status: s.status.code }))
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    });
    expect(trees[0]).toEqual(trees[1]);
    expect(JSON.stringify(trees[0])).toContain('query Household');
  });
});

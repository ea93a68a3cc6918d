import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { RegistryName } from '../connectors/types';
import { CorrectionStore } from '../src/corrections/CorrectionStore';
import { ageOn } from '../src/domain/dates';
import { createStore, type Store } from '../src/store/createStore';
import { startStack, type GraphQLResponse, type Stack } from './helpers/stack';

const REPORT = `mutation($i: ReportIncorrectDataInput!) {
  reportIncorrectData(input: $i) { id subjectId field registry documentId proposedValue note evidenceDocument status statusLabel reason history { status label at reason } }
}`;
const MINE = `query($s: PersonalId, $n: Int) {
  myCorrectionRequests(subjectId: $s, first: $n) { id field status statusLabel reason proposedValue history { status label at reason } }
}`;
const AS_AGENCY = `query($id: PersonalId!) { citizen(id: $id) {
  person { fullName provenance { disputedFields } }
  residence { permanentAddress { full } provenance { disputedFields } }
  documents(types: [IDENTITY_CARD, BIRTH_CERTIFICATE]) { id validUntil provenance { disputedFields } }
} }`;
const CT01 = { 'x-purpose': 'CT01_RESIDENCE' };

interface Request {
  id: string;
  status: string;
  statusLabel: string;
  reason: string | null;
  proposedValue: string;
  history: { status: string; label: string; at: string; reason: string | null }[];
}
interface AgencyView {
  person: { fullName: string; provenance: { disputedFields: string[] | null } } | null;
  residence: { permanentAddress: { full: string } | null; provenance: { disputedFields: string[] | null } } | null;
  documents: { id: string; validUntil: string | null; provenance: { disputedFields: string[] | null } }[] | null;
}

/** Polls observable state until `done` says so (no fixed waits); fails with the last value otherwise. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  let value = await read();
  for (let i = 0; i < 1000 && !done(value); i++) {
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 20));
    value = await read();
  }
  if (!done(value)) throw new Error(`${what}: still ${JSON.stringify(value).slice(0, 300)}`);
  return value;
}

describe('the correction route', () => {
  let stack: Stack;
  /** The gateway's clock runs this far ahead of the machine's: tests move it. */
  let ahead = 0;
  let agency: string;
  let keys = 0;
  const key = () => `key-${process.pid}-${++keys}`;

  beforeAll(async () => {
    stack = await startStack(
      {
        CACHE_MODE: 'memory',
        REGISTRY_WEBHOOK_SECRET: 'corrections-webhook-secret-1',
        // Forwarding and look-ups run when the tests say (sync()) or when the clock is moved.
        CORRECTION_SYNC_MS: '600000',
        CORRECTION_STORE_TIMEOUT_MS: '1000',
        CORRECTION_RATE_LIMIT: '60',
      },
      { now: () => new Date(Date.now() + ahead) },
    );
    agency = await stack.agencyToken();
  });
  afterAll(() => stack.stop());

  const report = async (token: string, input: Record<string, unknown>, headers: Record<string, string> = {}) => stack.graphql(REPORT, { token, variables: { i: { idempotencyKey: key(), ...input } }, headers });
  const mine = async (token: string, subjectId?: string, headers: Record<string, string> = {}) => {
    const res = await stack.graphql(MINE, { token, variables: { s: subjectId }, headers });
    expect(res.body.errors).toBeUndefined();
    return res.body.data?.myCorrectionRequests as Request[];
  };
  const asAgency = async (id: string) => {
    const res = await stack.graphql(AS_AGENCY, { token: agency, variables: { id }, headers: CT01 });
    expect(res.body.errors).toBeUndefined();
    return res.body.data?.citizen as AgencyView;
  };
  const officer = async (registry: RegistryName, id: string, action: 'review' | 'decide', body: unknown = {}) => {
    const res = await fetch(`${stack.mocks.urls[registry]}/__admin/corrections/${id}/${action}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(200);
  };
  const stored = async (id: string) => (await stack.gateway.store.query<{ status: string }>('SELECT status FROM correction_requests WHERE id = $1', [id]))[0]?.status;
  const audited = async (id: string) =>
    stack.gateway.store.query<{ reason: string; outcome: string; caller_id: string; subject_id: string; purpose: string | null; fields: string[]; registries: string[] }>(
      'SELECT reason, outcome, caller_id, subject_id, purpose, fields, registries FROM audit_log WHERE case_id = $1 ORDER BY seq',
      [id],
    );
  const received = (res: GraphQLResponse) => {
    expect(res.body.errors).toBeUndefined();
    return res.body.data?.reportIncorrectData as Request & { subjectId: string };
  };
  const documentOf = (holder: string, type: string) => stack.dataset.documents.get(holder)?.find((d) => d.kind === type && d.status === 'VALID')?.documentId as string;
  const desk = async (registry: RegistryName) =>
    ((await (await fetch(`${stack.mocks.urls[registry]}/__admin/corrections`)).json()) as { corrections: { requestId: string; status: string }[] }).corrections;
  const creates = async (registry: RegistryName) => ((await (await fetch(`${stack.mocks.urls[registry]}/__stats`)).json()) as { byRoute: Record<string, number> }).byRoute['corrections.create'] ?? 0;

  describe('a request through its whole lifecycle', () => {
    let subject: string;
    let token: string;
    let request: Request;
    const name = 'Trần Thị Bích Ngọc';

    beforeAll(async () => {
      subject = stack.persona('household-of-four');
      token = await stack.citizenToken(subject);
    });

    it('shows an agency no disputed field before any report', async () => {
      const view = await asAgency(subject);
      expect(view.person?.provenance.disputedFields).toEqual([]);
      expect(view.residence?.provenance.disputedFields).toEqual([]);
    });

    it('stores and forwards a report to the registry that owns the field: RECEIVED, with its history', async () => {
      const before = await creates('POPULATION');
      // Written decomposed (NFD), as some keyboards send it: stored composed (NFC).
      const res = await report(token, { field: 'Person.fullName', registry: 'POPULATION', proposedValue: name.normalize('NFD'), note: 'Tên trên giấy khai sinh\nghi đúng', evidenceDocument: documentOf(subject, 'CAN_CUOC') }, {});
      request = received(res);
      expect(request).toMatchObject({ field: 'Person.fullName', registry: 'POPULATION', proposedValue: name, status: 'RECEIVED', statusLabel: 'Đã tiếp nhận', reason: null });
      expect(request.history.map((h) => [h.status, h.label])).toEqual([
        ['SUBMITTED', 'Đã gửi'],
        ['RECEIVED', 'Đã tiếp nhận'],
      ]);
      expect(await creates('POPULATION')).toBe(before + 1);
      expect((await desk('POPULATION')).find((c) => c.requestId === request.id)).toMatchObject({ status: 'RECEIVED' });
    });

    it('returns the same request, and forwards nothing, when the mutation is sent again with the same key; refuses the key with another report', async () => {
      // Another citizen's report, sent twice, as a portal retries after a lost answer.
      const retrier = stack.persona('divorced');
      const retrierToken = await stack.citizenToken(retrier);
      const before = await creates('POPULATION');
      const input = { idempotencyKey: `same-${process.pid}`, field: 'Person.hometown', registry: 'POPULATION', proposedValue: 'Xã Nghĩa Hưng, Tỉnh Ninh Bình' };
      const first = received(await stack.graphql(REPORT, { token: retrierToken, variables: { i: input } }));
      const again = received(await stack.graphql(REPORT, { token: retrierToken, variables: { i: input } }));
      expect(again.id).toBe(first.id);
      expect(again.history).toEqual(first.history);
      expect(await creates('POPULATION')).toBe(before + 1);
      const rows = await stack.gateway.store.query('SELECT id FROM correction_requests WHERE reporter_id = $1 AND idempotency_key = $2', [retrier, input.idempotencyKey]);
      expect(rows).toHaveLength(1);
      // The same key with another report is bad input, and changes nothing.
      const other = await stack.graphql(REPORT, { token: retrierToken, variables: { i: { ...input, proposedValue: 'Xã Hải Hậu, Tỉnh Ninh Bình' } } });
      expect(other.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.idempotencyKey', messageVi: expect.stringContaining('khóa') });
      const kept = await stack.gateway.store.query('SELECT proposed_value FROM correction_requests WHERE reporter_id = $1 AND idempotency_key = $2', [retrier, input.idempotencyKey]);
      expect(kept).toEqual([{ proposed_value: input.proposedValue }]);
      // Keys are the reporter's own: another citizen may use the same one.
      const someoneElse = await stack.citizenToken(stack.persona('widowed-with-child'));
      expect(received(await stack.graphql(REPORT, { token: someoneElse, variables: { i: { ...input, proposedValue: 'Xã Hải Hậu, Tỉnh Ninh Bình' } } })).id).not.toBe(first.id);
    });

    it("shows an agency the disputed field in the record's provenance, also when the record comes from its cache", async () => {
      await asAgency(subject);
      await stack.resetRegistryCalls();
      const view = await asAgency(subject);
      // Served from the cache: no registry was asked, yet the marker is today's.
      expect(await stack.registryCalls()).toEqual({ POPULATION: 0, RESIDENCE: 0, DOCUMENTS: 0 });
      expect(view.person?.provenance.disputedFields).toEqual(['Person.fullName']);
      expect(view.residence?.provenance.disputedFields).toEqual([]);
      for (const d of view.documents ?? []) expect(d.provenance.disputedFields).toEqual([]);
    });

    it('keeps the marker out of the cache: the cached record is the registry\'s alone', async () => {
      const cached = await stack.gateway.caches.population?.load([subject], () => Promise.reject(new Error('the record should come from the cache')));
      expect(cached?.[0]).toMatchObject({ id: subject });
      expect(JSON.stringify(cached)).not.toMatch(/disputed|about/);
    });

    it('looks disputed fields up once per request, however many records carry them', async () => {
      const metric = async () => {
        const text = await (await fetch(`${stack.url}/metrics`)).text();
        return Number(/^gateway_correction_dispute_lookups_total (\d+)/m.exec(text)?.[1] ?? NaN);
      };
      const before = await metric();
      await asAgency(subject);
      expect(await metric()).toBe(before + 1);
      const members = `query($id: PersonalId!) { citizen(id: $id) { person { provenance { disputedFields } } household { provenance { disputedFields } members { citizen { person { fullName provenance { disputedFields } } } } } } }`;
      const res = await stack.graphql(members, { token: agency, variables: { id: subject }, headers: CT01 });
      expect(res.body.errors).toBeUndefined();
      // One query for the citizen's records, one for the members reached through the household: not one per record or member.
      expect((await metric()) - (before + 1)).toBeLessThanOrEqual(2);
    });

    it('shows the citizen IN_REVIEW once an officer takes it up (the registry is asked on read)', async () => {
      await officer('POPULATION', request.id, 'review');
      const list = await mine(token);
      const now = list.find((r) => r.id === request.id);
      expect(now).toMatchObject({ status: 'IN_REVIEW', statusLabel: 'Đang xem xét' });
      expect(now?.history.map((h) => h.status)).toEqual(['SUBMITTED', 'RECEIVED', 'IN_REVIEW']);
    });

    it("closes the request by the registry's change event when the officer corrects the record", async () => {
      await officer('POPULATION', request.id, 'decide', { outcome: 'CORRECTED' });
      expect(await until(() => stored(request.id), (s) => s === 'CORRECTED', 'the request after the change event')).toBe('CORRECTED');
      const reasons = (await audited(request.id)).map((a) => a.reason);
      expect(reasons).toContain('CORRECTION_CORRECTED:CHANGE_EVENT');
    });

    it('shows the agency the corrected value, and the marker gone', async () => {
      const view = await asAgency(subject);
      expect(view.person).toEqual({ fullName: name, provenance: { disputedFields: [] } });
    });

    it('has put every step on the audit trail, each before it was recorded', async () => {
      const trail = await audited(request.id);
      expect(trail.map((a) => [a.reason, a.outcome])).toEqual([
        ['CORRECTION_REPORTED', 'disclosed'],
        ['CORRECTION_FORWARD', 'disclosed'],
        ['CORRECTION_RECEIVED:FORWARD', 'disclosed'],
        ['CORRECTION_IN_REVIEW:READ', 'disclosed'],
        ['CORRECTION_CORRECTED:CHANGE_EVENT', 'disclosed'],
      ]);
      for (const a of trail) expect(a).toMatchObject({ caller_id: subject, subject_id: subject, purpose: null, fields: ['person.fullName'] });
      expect(trail.slice(1).every((a) => a.registries.join() === 'POPULATION')).toBe(true);
      // The agency's reads of the marker are on the record as fields it was shown.
      const reads = await stack.gateway.store.query<{ fields: string[] }>("SELECT fields FROM audit_log WHERE subject_id = $1 AND caller_kind = 'agency' ORDER BY seq DESC LIMIT 1", [subject]);
      expect(reads[0]?.fields).toContain('person.provenance.disputedFields');
      // The citizen's own reads of their requests are recorded too.
      const own = await stack.gateway.store.query("SELECT 1 FROM audit_log WHERE subject_id = $1 AND caller_id = $1 AND 'correctionRequests' = ANY(fields)", [subject]);
      expect(own.length).toBeGreaterThan(0);
    });
  });

  describe('who sees which dispute', () => {
    it('lists a dispute only to those who may read the field: the citizen sees it, an agency not granted the field does not', async () => {
      // The citizen of the idempotent report above has an open request about their hometown.
      const subject = stack.persona('divorced');
      const own = await stack.graphql('{ me { person { provenance { disputedFields } } } }', { token: await stack.citizenToken(subject) });
      expect(own.body.data?.me).toEqual({ person: { provenance: { disputedFields: ['Person.hometown'] } } });
      // CT01_RESIDENCE grants Person.fullName but not Person.hometown.
      expect((await asAgency(subject)).person?.provenance.disputedFields).toEqual([]);
    });
  });

  describe('a rejected request', () => {
    it('reads REJECTED with the registry\'s reason in Vietnamese, learnt by the periodic look-up, and the marker is gone', async () => {
      const subject = stack.persona('household-of-five');
      const token = await stack.citizenToken(subject);
      const request = received(await report(token, { field: 'Residence.permanentAddress', registry: 'RESIDENCE', proposedValue: 'Số 12, ngõ 34 phố Huế' }));
      expect(request.status).toBe('RECEIVED');
      expect((await asAgency(subject)).residence?.provenance.disputedFields).toEqual(['Residence.permanentAddress']);
      await officer('RESIDENCE', request.id, 'review');
      const why = 'Địa chỉ đề nghị không khớp với hồ sơ đăng ký thường trú; đề nghị công dân liên hệ Công an xã.';
      await officer('RESIDENCE', request.id, 'decide', { outcome: 'REJECTED', reason: why });
      // Nothing changed in the record, so no change event: the periodic look-up finds the decision.
      ahead = 11 * 60_000;
      try {
        await stack.gateway.corrections.sync();
      } finally {
        ahead = 0;
      }
      expect(await stored(request.id)).toBe('REJECTED');
      const list = await mine(token);
      const rejected = list.find((r) => r.id === request.id);
      expect(rejected).toMatchObject({ status: 'REJECTED', statusLabel: 'Từ chối', reason: why });
      expect(rejected?.history.map((h) => [h.status, h.reason])).toEqual([
        ['SUBMITTED', null],
        ['RECEIVED', null],
        ['IN_REVIEW', null],
        ['REJECTED', why],
      ]);
      expect((await asAgency(subject)).residence?.provenance.disputedFields).toEqual([]);
      expect((await audited(request.id)).map((a) => a.reason)).toEqual(['CORRECTION_REPORTED', 'CORRECTION_FORWARD', 'CORRECTION_RECEIVED:FORWARD', 'CORRECTION_IN_REVIEW:SYNC', 'CORRECTION_REJECTED:SYNC']);
    });
  });

  describe("a document's field", () => {
    it('marks the one document reported, and no other', async () => {
      const subject = stack.persona('passport-holder');
      const token = await stack.citizenToken(subject);
      const card = documentOf(subject, 'CAN_CUOC');
      const res = await report(token, { field: 'IssuedDocument.validUntil', registry: 'DOCUMENTS', documentId: card, proposedValue: '2040-05-01' });
      expect(received(res)).toMatchObject({ documentId: card, status: 'RECEIVED' });
      const view = await asAgency(subject);
      const marked = (view.documents ?? []).map((d) => [d.id === card, d.provenance.disputedFields]);
      expect(marked).toContainEqual([true, ['IssuedDocument.validUntil']]);
      expect(marked.filter(([isCard]) => !isCard).every(([, fields]) => Array.isArray(fields) && fields.length === 0)).toBe(true);
    });
  });

  describe('a registry that cannot be reached', () => {
    it('keeps the report as SUBMITTED, disputed meanwhile, and forwards it once the backoff has passed', async () => {
      const subject = stack.persona('household-of-eight');
      const token = await stack.citizenToken(subject);
      await stack.fault('RESIDENCE', 'down');
      let request: Request;
      try {
        request = received(await report(token, { field: 'Residence.permanentSince', registry: 'RESIDENCE', proposedValue: '2001-05-14' }));
      } finally {
        await stack.fault('RESIDENCE', 'ok');
      }
      expect(request).toMatchObject({ status: 'SUBMITTED', statusLabel: 'Đã gửi' });
      expect((await asAgency(subject)).residence?.provenance.disputedFields).toEqual(['Residence.permanentSince']);
      expect((await audited(request.id)).map((a) => [a.reason, a.outcome])).toEqual([
        ['CORRECTION_REPORTED', 'disclosed'],
        ['CORRECTION_FORWARD', 'disclosed'],
        ['CORRECTION_FORWARD_FAILED:UPSTREAM_UNAVAILABLE', 'failed'],
      ]);
      // Before its backoff has passed, a run leaves it be.
      await stack.gateway.corrections.sync();
      expect(await stored(request.id)).toBe('SUBMITTED');
      ahead = 11 * 60_000;
      try {
        await stack.gateway.corrections.sync();
      } finally {
        ahead = 0;
      }
      expect(await stored(request.id)).toBe('RECEIVED');
      expect((await desk('RESIDENCE')).filter((c) => c.requestId === request.id)).toHaveLength(1);
    });

    it("forwards a report not yet forwarded on the citizen's next read", async () => {
      const subject = stack.persona('three-generations');
      const token = await stack.citizenToken(subject);
      // The decision asks the population registry whether the caller is alive: their record is in the cache first.
      expect((await stack.graphql('{ me { person { fullName } } }', { token })).body.errors).toBeUndefined();
      await stack.fault('POPULATION', 'down');
      let request: Request;
      try {
        request = received(await report(token, { field: 'Person.hometown', registry: 'POPULATION', proposedValue: 'Xã Hải Hậu, Tỉnh Ninh Bình' }));
      } finally {
        await stack.fault('POPULATION', 'ok');
      }
      expect(request.status).toBe('SUBMITTED');
      const list = await mine(token);
      expect(list.find((r) => r.id === request.id)?.status).toBe('RECEIVED');
    });
  });

  describe('hostile input', () => {
    let subject: string;
    let token: string;
    beforeAll(async () => {
      subject = stack.persona('married-couple');
      token = await stack.citizenToken(subject);
    });
    const other = () => stack.persona('household-of-one');
    const name = (proposedValue: string) => ({ field: 'Person.fullName', registry: 'POPULATION', proposedValue });

    it.each<[string, () => Record<string, unknown>, string]>([
      ['an overlong name', () => name('A'.repeat(101)), 'input.proposedValue'],
      ['a name with a control character', () => name('Nguyễn\u0000Văn An'), 'input.proposedValue'],
      ['a name with an invisible character', () => name('Nguyễn\u200bVăn An'), 'input.proposedValue'],
      ['SQL in a name', () => name("An'; DROP TABLE correction_requests;--"), 'input.proposedValue'],
      ['digits in a name', () => name('Nguyễn Văn 2'), 'input.proposedValue'],
      ['a name in another script', () => name('Иван Петров'), 'input.proposedValue'],
      ['an empty value', () => name('   '), 'input.proposedValue'],
      ['a megabyte of text', () => name('x'.repeat(60_000)), 'input.proposedValue'],
      ['a date that does not exist', () => ({ field: 'Person.dateOfBirth', registry: 'POPULATION', proposedValue: '2001-02-30' }), 'input.proposedValue'],
      ['a date in another format', () => ({ field: 'Person.dateOfBirth', registry: 'POPULATION', proposedValue: '30/01/2001' }), 'input.proposedValue'],
      ['a value outside the enum', () => ({ field: 'Person.gender', registry: 'POPULATION', proposedValue: 'OTHER' }), 'input.proposedValue'],
      ['markup in an address', () => ({ field: 'Residence.permanentAddress', registry: 'RESIDENCE', proposedValue: '<script>alert(1)</script>' }), 'input.proposedValue'],
      ['a relationship', () => ({ field: 'Person.father', registry: 'POPULATION', proposedValue: '001088000012' }), 'input.field'],
      ['an identifier', () => ({ field: 'Household.id', registry: 'RESIDENCE', proposedValue: 'HK0000000001' }), 'input.field'],
      ['a list', () => ({ field: 'Person.otherNames', registry: 'POPULATION', proposedValue: 'Tí' }), 'input.field'],
      ['provenance', () => ({ field: 'Provenance.asOf', registry: 'POPULATION', proposedValue: '2020-01-01' }), 'input.field'],
      ['an overlong field name', () => ({ field: `Person.${'x'.repeat(5000)}`, registry: 'POPULATION', proposedValue: 'x' }), 'input.field'],
      ['a registry that does not own the field', () => ({ ...name('Nguyễn Văn An'), registry: 'RESIDENCE' }), 'input.registry'],
      ["someone else's document as evidence", () => ({ ...name('Nguyễn Văn An'), evidenceDocument: documentOf(other(), 'GIAY_KHAI_SINH') }), 'input.evidenceDocument'],
      ['a forged document id as evidence', () => ({ ...name('Nguyễn Văn An'), evidenceDocument: "GT1' OR '1'='1" }), 'input.evidenceDocument'],
      ["a document's field without the document", () => ({ field: 'IssuedDocument.number', registry: 'DOCUMENTS', proposedValue: '001088000099' }), 'input.documentId'],
      ["a document's field on someone else's document", () => ({ field: 'IssuedDocument.number', registry: 'DOCUMENTS', documentId: documentOf(other(), 'GIAY_KHAI_SINH'), proposedValue: '123' }), 'input.documentId'],
      ['a document named for a field that is no document\'s', () => ({ ...name('Nguyễn Văn An'), documentId: 'GT000000001' }), 'input.documentId'],
      ['an overlong note', () => ({ ...name('Nguyễn Văn An'), note: 'ghi chú '.repeat(200) }), 'input.note'],
      ['a note with a control character', () => ({ ...name('Nguyễn Văn An'), note: 'chuông\u0007' }), 'input.note'],
      ['a short idempotency key', () => ({ ...name('Nguyễn Văn An'), idempotencyKey: 'short' }), 'input.idempotencyKey'],
      ['an idempotency key with spaces', () => ({ ...name('Nguyễn Văn An'), idempotencyKey: 'a b c d e f g h' }), 'input.idempotencyKey'],
    ])('answers BAD_USER_INPUT naming the input, in both languages, and stores nothing, for %s', async (_what, input, field) => {
      const before = await stack.gateway.store.query('SELECT count(*)::int AS n FROM correction_requests WHERE reporter_id = $1', [subject]);
      const res = await report(token, input());
      expect(res.status).toBeLessThan(500);
      expect(res.body.data?.reportIncorrectData ?? null).toBeNull();
      const error = res.body.errors?.[0];
      expect(error?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field, messageVi: expect.stringMatching(/^Dữ liệu nhập vào không hợp lệ: /) });
      expect(error?.message).toMatch(/^Invalid input: /);
      expect(JSON.stringify(res.body)).not.toMatch(/DROP TABLE|script|stack/);
      expect(await stack.gateway.store.query('SELECT count(*)::int AS n FROM correction_requests WHERE reporter_id = $1', [subject])).toEqual(before);
    });

    it('answers BAD_USER_INPUT for a value of the wrong type', async () => {
      const res = await stack.graphql(REPORT, { token, variables: { i: { idempotencyKey: key(), field: 'Person.fullName', registry: 'POPULATION', proposedValue: 42 } } });
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', messageVi: expect.any(String) });
      const registry = await stack.graphql(REPORT, { token, variables: { i: { idempotencyKey: key(), field: 'Person.fullName', registry: 'TAX', proposedValue: 'An' } } });
      expect(registry.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    });

    it("refuses a report about someone else's data by the access decision (OWN_RECORD_ONLY), on the record", async () => {
      const victim = other();
      const res = await report(token, { ...name('Nguyễn Văn An'), subjectId: victim });
      expect(res.status).toBe(403);
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', rule: 'OWN_RECORD_ONLY', messageVi: expect.any(String) });
      expect(await stack.gateway.store.query('SELECT 1 FROM correction_requests WHERE subject_id = $1', [victim])).toEqual([]);
      const denied = await stack.gateway.store.query<{ outcome: string; reason: string }>("SELECT outcome, reason FROM audit_log WHERE subject_id = $1 AND caller_id = $2", [victim, subject]);
      expect(denied).toContainEqual({ outcome: 'denied', reason: 'FORBIDDEN:OWN_RECORD_ONLY' });
      const read = await stack.graphql(MINE, { token, variables: { s: victim } });
      expect(read.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', rule: 'OWN_RECORD_ONLY' });
    });

    it('refuses agencies: reporting is for citizens', async () => {
      const res = await stack.graphql(REPORT, { token: agency, variables: { i: { idempotencyKey: key(), ...name('Nguyễn Văn An') } }, headers: CT01 });
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', rule: 'ROLE' });
    });

    it('refuses a deceased citizen (DECEASED_CALLER)', async () => {
      const res = await report(await stack.citizenToken(stack.persona('deceased')), name('Nguyễn Văn An'));
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', rule: 'DECEASED_CALLER' });
    });
  });

  describe('a parent for their child under 14 (GUARDIAN)', () => {
    it('reports and reads the child\'s requests under GUARDIAN, refused without it; the audit names the parent and the purpose', async () => {
      const today = new Date().toISOString().slice(0, 10);
      const householdOf = (id: string) => stack.dataset.residences.get(id)?.householdId;
      let pair: [string, string] | undefined;
      for (const child of stack.dataset.people.values()) {
        const age = ageOn(child.dateOfBirth, today);
        if (child.dateOfDeath || age >= 14 || age < 2 || !documentOf(child.id, 'GIAY_KHAI_SINH')) continue;
        const parent = [child.fatherId, child.motherId].find((p) => p && !stack.dataset.people.get(p)?.dateOfDeath && householdOf(p) === householdOf(child.id));
        if (parent) {
          pair = [parent, child.id];
          break;
        }
      }
      const [parent, child] = pair as [string, string];
      const token = await stack.citizenToken(parent);
      const input = { field: 'Person.placeOfBirth', registry: 'POPULATION', proposedValue: 'Bệnh viện Phụ sản Hà Nội', subjectId: child, evidenceDocument: documentOf(child, 'GIAY_KHAI_SINH') };
      const refused = await report(token, input);
      expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', rule: 'OWN_RECORD_ONLY' });
      const request = received(await report(token, input, { 'x-purpose': 'GUARDIAN' }));
      expect(request).toMatchObject({ subjectId: child, status: 'RECEIVED' });
      expect((await mine(token, child, { 'x-purpose': 'GUARDIAN' })).map((r) => r.id)).toContain(request.id);
      // The child's own requests are theirs to read too, made by whichever parent.
      expect((await mine(await stack.citizenToken(child))).map((r) => r.id)).toContain(request.id);
      const trail = await audited(request.id);
      expect(trail.length).toBeGreaterThanOrEqual(3);
      for (const a of trail) expect(a).toMatchObject({ caller_id: parent, subject_id: child, purpose: 'GUARDIAN' });
    });
  });

  describe('closure when the gateway cannot take the change event', () => {
    it('answers the registry 503 while its store is frozen, and closes the request on the registry\'s retry', async () => {
      const subject = stack.persona('widowed');
      const token = await stack.citizenToken(subject);
      const request = received(await report(token, { field: 'Person.religion', registry: 'POPULATION', proposedValue: 'Phật giáo' }));
      await officer('POPULATION', request.id, 'review');
      const webhookFailures = async () => ((await (await fetch(`${stack.mocks.urls.POPULATION}/__stats`)).json()) as { webhookFailures: number }).webhookFailures;
      const failuresBefore = await webhookFailures();
      // Another session holds the table: every statement on it waits, past the store's deadline.
      const lock = new pg.Client({ connectionString: stack.env.DATABASE_URL });
      await lock.connect();
      try {
        await lock.query('BEGIN');
        await lock.query('LOCK TABLE correction_requests IN ACCESS EXCLUSIVE MODE');
        // Meanwhile the marker cannot be looked up: null, with STORE_UNAVAILABLE, the rest of the record intact.
        const frozen = await stack.graphql(AS_AGENCY, { token: agency, variables: { id: subject }, headers: CT01 });
        expect(frozen.body.data?.citizen).toMatchObject({ person: { fullName: expect.any(String), provenance: { disputedFields: null } } });
        expect(frozen.body.errors?.map((e) => e.extensions?.code)).toContain('STORE_UNAVAILABLE');
        await officer('POPULATION', request.id, 'decide', { outcome: 'CORRECTED' });
        await until(webhookFailures, (n) => n > failuresBefore, 'a refused change event');
        expect(await (await fetch(`${stack.mocks.urls.POPULATION}/__admin/corrections`)).json()).toMatchObject({ corrections: expect.arrayContaining([expect.objectContaining({ requestId: request.id, status: 'CORRECTED' })]) });
      } finally {
        await lock.query('ROLLBACK');
        await lock.end();
      }
      expect(await until(() => stored(request.id), (s) => s === 'CORRECTED', 'the request after the retried change event')).toBe('CORRECTED');
      expect((await audited(request.id)).map((a) => a.reason)).toContain('CORRECTION_CORRECTED:CHANGE_EVENT');
    });
  });

  describe('what a portal may ask first', () => {
    it('lists the correctable fields, derived from the schema, each with its registry and how to write it', async () => {
      const res = await stack.graphql('{ correctableFields { field registry kind values maxLength perDocument } }', { token: await stack.citizenToken(stack.persona('divorced')) });
      expect(res.body.errors).toBeUndefined();
      const fields = res.body.data?.correctableFields as { field: string; registry: string; kind: string; values: string[] | null; perDocument: boolean }[];
      const by = new Map(fields.map((f) => [f.field, f]));
      expect(by.get('Person.fullName')).toMatchObject({ registry: 'POPULATION', kind: 'NAME', perDocument: false });
      expect(by.get('Person.gender')).toMatchObject({ registry: 'POPULATION', kind: 'ENUM', values: ['MALE', 'FEMALE'] });
      expect(by.get('Residence.permanentAddress')).toMatchObject({ registry: 'RESIDENCE', kind: 'TEXT' });
      expect(by.get('Household.address')).toMatchObject({ registry: 'RESIDENCE', kind: 'TEXT' });
      expect(by.get('IssuedDocument.validUntil')).toMatchObject({ registry: 'DOCUMENTS', kind: 'DATE', perDocument: true });
      for (const notAValue of ['Citizen.id', 'Person.father', 'Person.children', 'Person.otherNames', 'Person.provenance', 'Household.id', 'Household.members', 'IssuedDocument.id', 'IssuedDocument.provenance', 'IssuedDocument.status', 'Residence.history']) {
        expect(by.has(notAValue)).toBe(false);
      }
    });

    it('limits reports per citizen (RATE_LIMITED with Retry-After)', async () => {
      const token = await stack.citizenToken(stack.persona('temporary-residence'));
      let res: GraphQLResponse | undefined;
      // Refused reports count as well: probing costs the same.
      for (let i = 0; i <= 60 && res?.status !== 429; i++) res = await report(token, { field: 'Person.nickname', registry: 'POPULATION', proposedValue: 'x' });
      expect(res?.status).toBe(429);
      expect(res?.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(res?.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', messageVi: expect.stringContaining('đề nghị điều chỉnh') });
    });
  });
});

describe('correction requests in the embedded store (PGlite)', () => {
  let dir: string;
  let store: Store;
  let corrections: CorrectionStore;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'gw-corrections-'));
    store = await createStore({ databaseUrl: null, dataDir: dir });
    corrections = new CorrectionStore(store, 5000);
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 8, 0, s));
  const draft = (id: string, key: string) => ({
    id,
    subjectId: '001088000012',
    reporterId: '001088000012',
    idempotencyKey: key,
    bodyHash: 'h',
    field: 'Person.fullName',
    registry: 'POPULATION' as const,
    documentId: null,
    proposedValue: 'Nguyễn Văn An',
    note: null,
    evidenceDocumentId: null,
    createdAt: at(0),
  });

  it('runs the same SQL as PostgreSQL: one request per key, claimed by one forwarder, backed off, then followed to its decision', async () => {
    const id = '6f1c0a52-3d4e-4f5a-9b6c-7d8e9fa0b1c2';
    expect(await corrections.create(draft(id, 'embedded-0001'))).toMatchObject({ id, status: 'SUBMITTED', history: [{ status: 'SUBMITTED' }] });
    expect(await corrections.create(draft('0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', 'embedded-0001'))).toBeNull();
    expect((await corrections.openFor(['001088000012'])).map((o) => o.field)).toEqual(['Person.fullName']);

    const claimed = await corrections.claimForForwarding({ now: at(1), leaseUntil: at(61), limit: 10 });
    expect(claimed.map((c) => c.id)).toEqual([id]);
    // Leased: no second forwarder, even when forced.
    expect(await corrections.claimForForwarding({ ids: [id], force: true, now: at(2), leaseUntil: at(62), limit: 1 })).toEqual([]);
    await corrections.forwardFailed(id, at(30));
    expect(await corrections.claimForForwarding({ now: at(3), leaseUntil: at(63), limit: 10 })).toEqual([]);
    expect((await corrections.claimForForwarding({ now: at(31), leaseUntil: at(91), limit: 10 })).map((c) => c.forwardAttempts)).toEqual([1]);

    const received = await corrections.recordRegistryState(id, { status: 'RECEIVED', reason: null, history: [{ status: 'RECEIVED', at: at(32), reason: null }] }, at(32), true);
    expect(received).toEqual(['RECEIVED']);
    expect(await corrections.awaitingRegistry({ registry: 'POPULATION', subjectIds: ['001088000012'], limit: 10 })).toHaveLength(1);
    const rejected = await corrections.recordRegistryState(
      id,
      { status: 'REJECTED', reason: 'Không đủ căn cứ.', history: [{ status: 'RECEIVED', at: at(32), reason: null }, { status: 'REJECTED', at: at(40), reason: 'Không đủ căn cứ.' }] },
      at(41),
      false,
    );
    expect(rejected).toEqual(['REJECTED']);
    // A decision stands, whatever a late answer says.
    await corrections.recordRegistryState(id, { status: 'IN_REVIEW', reason: null, history: [] }, at(42), false);
    const [kept] = await corrections.forSubject('001088000012', 5);
    expect(kept).toMatchObject({ status: 'REJECTED', reason: 'Không đủ căn cứ.', forwardedAt: at(32) });
    expect(kept?.history.map((h) => h.status)).toEqual(['SUBMITTED', 'RECEIVED', 'REJECTED']);
    expect(await corrections.openFor(['001088000012'])).toEqual([]);
  });
});

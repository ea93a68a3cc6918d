import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { AuditLog } from '../src/audit/AuditLog';
import { verifyChain } from '../src/audit/verifyChain';
import { startStack, type Stack } from './helpers/stack';
import { TSX_NODE_FLAGS } from './helpers/tsxNode';

const run = promisify(execFile);

interface AuditRow {
  seq: string;
  request_id: string;
  caller_kind: string;
  caller_id: string;
  agency: string | null;
  purpose: string | null;
  case_id: string | null;
  subject_id: string;
  fields: string[];
  registries: string[];
  outcome: string;
  reason: string | null;
}

/** Leaf paths of a citizen object in a response, field names only, list indices dropped, nested citizens excluded. */
function leafPaths(value: unknown, prefix = '', stopAt: (key: string) => boolean = () => false): Set<string> {
  const out = new Set<string>();
  const visit = (v: unknown, p: string) => {
    if (Array.isArray(v)) return v.forEach((x) => visit(x, p));
    if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) if (!stopAt(k)) visit(x, p ? `${p}.${k}` : k);
      return;
    }
    out.add(p);
  };
  visit(value, prefix);
  return out;
}

describe('the audit trail', () => {
  let stack: Stack;
  let agency: string;
  const rows = async (requestId: string) =>
    stack.gateway.store.query<AuditRow>('SELECT seq::text AS seq, * FROM audit_log WHERE request_id = $1 ORDER BY audit_log.seq', [requestId]);
  beforeAll(async () => {
    stack = await startStack({ AUDIT_CHECKPOINT_EVERY: '5' });
    agency = await stack.agencyToken();
  });
  afterAll(() => stack.stop());

  it("records one row per citizen whose fields are exactly the ones returned", async () => {
    const id = stack.persona('household-of-four');
    const res = await stack.graphql(
      `query($id: PersonalId!) { citizen(id: $id) {
          id person { fullName dateOfBirth phoneNumber }
          residence { permanentAddress { full communeName } }
          household { id members { relationshipToHead citizen { person { fullName dateOfBirth } } } } } }`,
      { token: agency, variables: { id }, headers: { 'x-purpose': 'CT01_RESIDENCE', 'x-case-id': 'HS-2026/42', 'x-request-id': 'audit-exact-1' } },
    );
    expect(res.body.errors).toBeUndefined();
    const records = await rows('audit-exact-1');
    const citizen = res.body.data?.citizen as { household: { members: { citizen: unknown }[] } };
    const members = stack.dataset.households.get(stack.dataset.residences.get(id)?.householdId as string)?.members ?? [];
    expect(records.map((r) => r.subject_id).sort()).toEqual(members.map((m) => m.personalId).sort());

    const subjectRow = records.find((r) => r.subject_id === id) as AuditRow;
    expect(subjectRow).toMatchObject({ caller_kind: 'agency', caller_id: 'canbo.01', agency: 'CA_HN', purpose: 'CT01_RESIDENCE', case_id: 'HS-2026/42', outcome: 'disclosed' });
    expect(subjectRow.registries.sort()).toEqual(['POPULATION', 'RESIDENCE']);
    // The subject's own fields, and that the household's members were listed; each
    // member's relationship to the head is the member's.
    const own = leafPaths(citizen, '', (k) => k === 'members');
    own.add('household.members');
    // The subject is also a member of its own household: its member fields join its record.
    const member = citizen.household.members.map((m) => m.citizen).find((_, i) => members[i]?.personalId === id);
    for (const f of leafPaths(member)) own.add(f);
    own.add('relationshipToHead');
    expect(new Set(subjectRow.fields)).toEqual(own);

    for (const [i, m] of members.entries()) {
      if (m.personalId === id) continue;
      const row = records.find((r) => r.subject_id === m.personalId) as AuditRow;
      expect(new Set(row.fields)).toEqual(new Set(['relationshipToHead', ...leafPaths(citizen.household.members[i]?.citizen)]));
      expect(row.registries.sort()).toEqual(['POPULATION', 'RESIDENCE']);
    }
  });

  it('records a null value as disclosed, since it says something', async () => {
    const id = stack.persona('minor');
    // A child under 14 has no email of their own.
    const res = await stack.graphql('query($id: PersonalId!) { citizen(id: $id) { person { email } } }', {
      token: agency,
      variables: { id },
      headers: { 'x-purpose': 'CT01_RESIDENCE', 'x-request-id': 'audit-null-1' },
    });
    expect(res.body.data?.citizen).toEqual({ person: { email: null } });
    expect((await rows('audit-null-1'))[0]).toMatchObject({ outcome: 'disclosed', fields: ['person.email'] });
  });

  it('records an empty list, a count and an existence as disclosed, since each says something', async () => {
    const id = stack.persona('no-documents');
    const res = await stack.graphql('query($id: PersonalId!) { citizen(id: $id) { documents(types: [IDENTITY_CARD]) { number } household { members { __typename } } } }', {
      token: agency,
      variables: { id },
      headers: { 'x-purpose': 'CT01_RESIDENCE', 'x-request-id': 'audit-empty-1' },
    });
    expect((res.body.data?.citizen as { documents: unknown[] }).documents).toEqual([]);
    const records = await rows('audit-empty-1');
    const subject = records.find((r) => r.subject_id === id);
    expect(subject).toMatchObject({ outcome: 'disclosed', fields: ['__typename', 'documents', 'household.members'] });
    expect(records.every((r) => r.outcome === 'disclosed')).toBe(true);
  });

  it('records a refusal as denied, with the fields asked for and the rule', async () => {
    const id = stack.persona('married-couple');
    const res = await stack.graphql('query($id: PersonalId!) { citizen(id: $id) { person { fullName religion } } }', {
      token: agency,
      variables: { id },
      headers: { 'x-purpose': 'CT01_RESIDENCE', 'x-request-id': 'audit-denied-1' },
    });
    expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await rows('audit-denied-1')).toEqual([
      expect.objectContaining({ subject_id: id, outcome: 'denied', reason: 'FORBIDDEN:PURPOSE_GRANT', fields: ['person.fullName', 'person.religion'], registries: [] }),
    ]);
  });

  it('records a registry failure as failed when nothing was returned', async () => {
    const id = stack.persona('married-couple');
    await stack.fault('POPULATION', 'error');
    try {
      await stack.graphql('query($id: PersonalId!) { citizen(id: $id) { person { fullName } } }', {
        token: agency,
        variables: { id },
        headers: { 'x-purpose': 'CT01_RESIDENCE', 'x-request-id': 'audit-failed-1' },
      });
    } finally {
      await stack.fault('POPULATION', 'ok');
    }
    expect(await rows('audit-failed-1')).toEqual([
      expect.objectContaining({ subject_id: id, outcome: 'failed', reason: 'UPSTREAM_UNAVAILABLE', fields: [], registries: ['POPULATION'] }),
    ]);
  });

  it("records a citizen's own reads", async () => {
    const id = stack.persona('minor');
    const token = await stack.citizenToken(id);
    await stack.graphql('{ me { person { fullName } } }', { token, headers: { 'x-request-id': 'audit-own-1' } });
    expect(await rows('audit-own-1')).toEqual([expect.objectContaining({ caller_kind: 'citizen', caller_id: id, subject_id: id, purpose: null })]);
  });

  it('writes nothing for an operation that reads no citizen data', async () => {
    await stack.graphql('{ purposes { code } }', { token: agency, headers: { 'x-request-id': 'audit-none-1' } });
    expect(await rows('audit-none-1')).toEqual([]);
  });

  it('does not leave a write waiting when it is made just as the previous one completes', async () => {
    const entry = { requestId: 'back-to-back', callerKind: 'agency' as const, callerId: 'canbo.01', agency: 'CA_HN', purpose: 'CT01_RESIDENCE', caseId: null, subjectId: stack.persona('minor'), fields: ['person.fullName'], registries: ['POPULATION'], outcome: 'disclosed' as const, reason: null, retentionDays: 30 };
    // Each append is made by the continuation of the one before: the moment the writer's loop ends.
    const chain = (async () => {
      for (let i = 0; i < 5; i++) await stack.gateway.audit.append([entry]);
      return 'done';
    })();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise((r) => (timer = setTimeout(() => r('stuck'), 5000)));
    try {
      expect(await Promise.race([chain, timeout])).toBe('done');
    } finally {
      clearTimeout(timer);
    }
  });

  it('keeps one valid chain under concurrent requests', async () => {
    const ids = [...stack.dataset.people.keys()].slice(100, 180);
    const results = await Promise.all(
      ids.map((id) =>
        stack.graphql('query($id: PersonalId!) { citizen(id: $id) { person { fullName } } }', { token: agency, variables: { id }, headers: { 'x-purpose': 'CT01_RESIDENCE' } }),
      ),
    );
    expect(results.every((r) => r.status === 200)).toBe(true);
    const report = await verifyChain(stack.gateway.store, stack.gateway.keys);
    expect(report).toMatchObject({ ok: true });
    expect(report.checkpoints).toBeGreaterThan(0);
    const [count] = await stack.gateway.store.query<{ n: string }>('SELECT count(*)::text AS n, max(seq)::text AS top FROM audit_log');
    expect(Number(count?.n)).toBe(report.records);
  });

  it('keeps one chain when two writers keep moving the head under each other', async () => {
    // Two logs on one database stand for two gateway processes: each time one writes,
    // the head the other last wrote is stale and its next statement must be refused and relinked.
    const first = new AuditLog(stack.gateway.store, stack.gateway.keys);
    const second = new AuditLog(stack.gateway.store, stack.gateway.keys);
    const entry = (requestId: string) => ({ requestId, callerKind: 'agency' as const, callerId: 'canbo.03', agency: 'CA_HN', purpose: 'CT01_RESIDENCE', caseId: null, subjectId: stack.persona('minor'), fields: ['person.fullName'], registries: ['POPULATION'], outcome: 'disclosed' as const, reason: null, retentionDays: 30 });
    for (let i = 0; i < 6; i++) {
      await first.append([entry(`turns-a-${i}`), entry(`turns-a-${i}-2`)]);
      await second.append([entry(`turns-b-${i}`)]);
    }
    // And at once, several batches each.
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? first : second).append([entry(`turns-c-${i}`)])));
    const written = await stack.gateway.store.query<{ request_id: string }>("SELECT request_id FROM audit_log WHERE request_id LIKE 'turns-%'");
    expect(written).toHaveLength(6 * 3 + 20);
    expect(await verifyChain(stack.gateway.store, stack.gateway.keys)).toMatchObject({ ok: true });
  });

  it('does not link to a batch whose commit failed', async () => {
    // A deferred constraint trigger makes the COMMIT itself fail for one marked record.
    await stack.gateway.store.exec(`
      CREATE FUNCTION refuse_marked() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.request_id = 'fails-at-commit' THEN RAISE EXCEPTION 'refused at commit'; END IF;
        RETURN NULL;
      END $$;
      CREATE CONSTRAINT TRIGGER refuse_marked AFTER INSERT ON audit_log DEFERRABLE INITIALLY DEFERRED
        FOR EACH ROW EXECUTE FUNCTION refuse_marked();`);
    try {
      const log = new AuditLog(stack.gateway.store, stack.gateway.keys);
      const entry = (requestId: string) => ({ requestId, callerKind: 'agency' as const, callerId: 'canbo.04', agency: 'CA_HN', purpose: 'CT01_RESIDENCE', caseId: null, subjectId: stack.persona('minor'), fields: ['person.fullName'], registries: ['POPULATION'], outcome: 'disclosed' as const, reason: null, retentionDays: 30 });
      // The first write of a new log goes through the locked transaction; its COMMIT fails.
      await expect(log.append([entry('fails-at-commit')])).rejects.toThrow(/refused at commit/);
      await log.append([entry('after-failed-commit')]);
      const written = await stack.gateway.store.query<{ request_id: string }>("SELECT request_id FROM audit_log WHERE request_id IN ('fails-at-commit', 'after-failed-commit')");
      expect(written).toEqual([{ request_id: 'after-failed-commit' }]);
      expect(await verifyChain(stack.gateway.store, stack.gateway.keys)).toMatchObject({ ok: true });
    } finally {
      await stack.gateway.store.exec('DROP TRIGGER refuse_marked ON audit_log; DROP FUNCTION refuse_marked();');
    }
  });

  describe('the citizen\'s access log', () => {
    it('shows who read their data, newest first, in Vietnamese, without their own reads', async () => {
      const id = stack.persona('household-of-four');
      const token = await stack.citizenToken(id);
      const res = await stack.graphql(
        '{ myAccessLog(first: 5) { edges { cursor node { at callerKind agency { name } official purpose { title } caseId subjectId fields registries outcome } } pageInfo { hasNextPage endCursor } } }',
        { token },
      );
      expect(res.body.errors).toBeUndefined();
      const log = res.body.data?.myAccessLog as { edges: { node: Record<string, unknown> }[] };
      expect(log.edges.length).toBeGreaterThan(0);
      expect(log.edges[0]?.node).toMatchObject({
        callerKind: 'AGENCY',
        agency: { name: 'Công an Thành phố Hà Nội' },
        official: null,
        subjectId: null,
        purpose: { title: 'Giải quyết thủ tục đăng ký, thay đổi thông tin cư trú' },
        caseId: 'HS-2026/42',
        outcome: 'DISCLOSED',
      });
      expect(log.edges.every((e) => e.node.callerKind === 'AGENCY')).toBe(true);
    });

    it('pages with cursors and never shows another citizen\'s entries', async () => {
      const id = stack.persona('household-of-four');
      const token = await stack.citizenToken(id);
      const seen: string[] = [];
      let after: string | null = null;
      for (let i = 0; i < 10; i++) {
        const res: Awaited<ReturnType<Stack['graphql']>> = await stack.graphql(
          'query($after: String) { myAccessLog(first: 1, after: $after) { edges { cursor node { at } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }',
          { token, variables: { after } },
        );
        type PageInfo = { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
        const page = res.body.data?.myAccessLog as { edges: { cursor: string }[]; pageInfo: PageInfo };
        expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
        expect(page.pageInfo.startCursor).toBe(page.edges[0]?.cursor ?? null);
        seen.push(...page.edges.map((e) => e.cursor));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      const expected = await stack.gateway.store.query<{ n: string }>(
        "SELECT count(*)::text AS n FROM audit_log WHERE subject_id = $1 AND NOT (caller_kind = 'citizen' AND caller_id = $1)",
        [id],
      );
      expect(seen.length).toBe(Number(expected[0]?.n));
      expect(new Set(seen).size).toBe(seen.length);
      // The cursors are opaque: none carries the trail's sequence numbers.
      const seqs = await stack.gateway.store.query<{ seq: string }>('SELECT seq::text AS seq FROM audit_log WHERE subject_id = $1', [id]);
      for (const c of seen) for (const { seq } of seqs) expect(Buffer.from(c.split('.')[1] ?? '', 'base64url').toString('latin1')).not.toContain(`:${seq}`);
    });

    it.each([
      ['first: 0', '{ myAccessLog(first: 0) { edges { cursor } } }', 'first'],
      ['first: 1000', '{ myAccessLog(first: 1000) { edges { cursor } } }', 'first'],
      ['a forged cursor', '{ myAccessLog(after: "YXVkaXQ6LTE") { edges { cursor } } }', 'after'],
      ['a cursor with SQL', `{ myAccessLog(after: "1 OR 1=1") { edges { cursor } } }`, 'after'],
    ])('answers BAD_USER_INPUT for %s', async (_name, query, field) => {
      const token = await stack.citizenToken(stack.persona('minor'));
      const res = await stack.graphql(query, { token });
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    });
  });

  describe("an agency supervisor's log", () => {
    it('shows the agency\'s own officials\' reads, with who and about whom', async () => {
      const token = await stack.agencyToken('CA_HN', ['audit.read']);
      const res = await stack.graphql('{ accessLog(first: 3, official: "canbo.01") { edges { node { official subjectId agency { code } outcome } } } }', { token });
      expect(res.body.errors).toBeUndefined();
      const edges = (res.body.data?.accessLog as { edges: { node: { official: string; subjectId: string; agency: { code: string } } }[] }).edges;
      expect(edges.length).toBe(3);
      for (const e of edges) expect(e.node).toMatchObject({ official: 'canbo.01', subjectId: expect.stringMatching(/^\d{12}$/), agency: { code: 'CA_HN' } });
    });

    it("shows nothing of another agency's reads", async () => {
      const token = await stack.agencyToken('XNC', ['audit.read']);
      const res = await stack.graphql('{ accessLog { edges { node { agency { code } } } } }', { token });
      expect((res.body.data?.accessLog as { edges: unknown[] }).edges).toEqual([]);
    });

    it('needs the audit.read scope', async () => {
      const res = await stack.graphql('{ accessLog { edges { cursor } } }', { token: agency });
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', rule: 'SCOPE' });
    });
  });

  describe('tamper evidence', () => {
    const cli = async () => {
      try {
        const { stdout } = await run(process.execPath, [...TSX_NODE_FLAGS, path.join(__dirname, '..', 'src', 'audit', 'cli.ts'), 'verify'], {
          env: { ...process.env, ...stack.env, NODE_ENV: 'development' },
        });
        return { code: 0, stdout };
      } catch (err) {
        const e = err as { code: number; stdout: string; stderr: string };
        return { code: e.code, stdout: e.stdout + e.stderr };
      }
    };

    it('verifies with the command-line tool', async () => {
      const result = await cli();
      expect(result.stdout).toMatch(/audit chain OK: \d+ record\(s\)/);
      expect(result.code).toBe(0);
    });

    it('names the row changed by an UPDATE', async () => {
      const [victim] = await stack.gateway.store.query<{ seq: string }>("SELECT seq::text AS seq FROM audit_log WHERE request_id = 'audit-denied-1'");
      await stack.gateway.store.query("UPDATE audit_log SET fields = ARRAY['person.fullName'] WHERE seq = $1", [Number(victim?.seq)]);
      const result = await cli();
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(`BROKEN at record ${victim?.seq}: its content was changed after it was written`);
    });
  });
});

describe('retention', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack.stop());

  it('blanks the personal columns of records past their retention, and the chain still verifies', async () => {
    // Two records written three years ago for a purpose kept one year, then a read today.
    const threeYearsAgo = new Date(Date.now() - 3 * 365 * 86_400_000);
    const past = new AuditLog(stack.gateway.store, stack.gateway.keys, { now: () => threeYearsAgo });
    const subject = stack.persona('minor');
    const old = { requestId: 'old', callerKind: 'agency' as const, callerId: 'canbo.02', agency: 'CA_HN', purpose: 'CT01_RESIDENCE', caseId: 'HS-2023/1', subjectId: subject, fields: ['person.fullName'], registries: ['POPULATION'], outcome: 'disclosed' as const, reason: null, retentionDays: 365 };
    await past.append([old, { ...old, requestId: 'old-2' }]);
    const token = await stack.agencyToken();
    await stack.graphql('query($id: PersonalId!) { citizen(id: $id) { person { fullName } } }', { token, variables: { id: subject }, headers: { 'x-purpose': 'CT01_RESIDENCE' } });

    expect(await stack.gateway.audit.prune()).toBe(2);
    const rows = await stack.gateway.store.query<{ subject_id: string | null; caller_id: string | null; fields: string[] | null; pruned_at: Date | null }>(
      'SELECT subject_id, caller_id, fields, pruned_at FROM audit_log ORDER BY audit_log.seq',
    );
    expect(rows.slice(0, 2)).toEqual([
      { subject_id: null, caller_id: null, fields: null, pruned_at: expect.any(Date) },
      { subject_id: null, caller_id: null, fields: null, pruned_at: expect.any(Date) },
    ]);
    expect(rows[2]?.subject_id).toBe(subject);
    expect(await verifyChain(stack.gateway.store, stack.gateway.keys)).toMatchObject({ ok: true, records: 3, pruned: 2 });

    const citizen = await stack.citizenToken(subject);
    const log = await stack.graphql('{ myAccessLog { edges { node { caseId } } } }', { token: citizen });
    expect((log.body.data?.myAccessLog as { edges: unknown[] }).edges).toHaveLength(1);
  });

  it('prunes a backlog larger than one statement in several, missing none', async () => {
    const fiveYearsAgo = new Date(Date.now() - 5 * 365 * 86_400_000);
    const past = new AuditLog(stack.gateway.store, stack.gateway.keys, { now: () => fiveYearsAgo });
    const entry = { requestId: 'backlog', callerKind: 'agency' as const, callerId: 'canbo.03', agency: 'CA_HN', purpose: 'CT01_RESIDENCE', caseId: 'HS-2021/9', subjectId: stack.persona('minor'), fields: ['person.fullName'], registries: ['POPULATION'], outcome: 'disclosed' as const, reason: null, retentionDays: 365 };
    await past.append(Array.from({ length: 7 }, (_v, i) => ({ ...entry, requestId: `backlog-${i}` })));
    const pruner = new AuditLog(stack.gateway.store, stack.gateway.keys, { pruneBatch: 3 });
    expect(await pruner.prune()).toBe(7);
    const [left] = await stack.gateway.store.query<{ n: string }>("SELECT count(*)::text AS n FROM audit_log WHERE request_id LIKE 'backlog-%'");
    expect(left?.n).toBe('0');
    expect(await verifyChain(stack.gateway.store, stack.gateway.keys)).toMatchObject({ ok: true });
  });

  it('still detects a deleted record among pruned ones', async () => {
    await stack.gateway.store.query('DELETE FROM audit_log WHERE seq = 2');
    expect((await verifyChain(stack.gateway.store, stack.gateway.keys)).firstBroken).toEqual({ seq: 2, problem: 'records 2..2 are missing' });
  });
});

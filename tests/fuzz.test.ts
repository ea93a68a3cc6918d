import fc from 'fast-check';
import { parsePersonalId } from '../src/domain/personalId';
import { json, startStack, type Stack } from './helpers/stack';

/** The reference rule, written independently: 12 ASCII digits, "0" + a known province, no future birth year. */
const PROVINCES = new Set(['01', '02', '04', '06', '08', '10', '11', '12', '14', '15', '17', '19', '20', '22', '24', '25', '26', '27', '30', '31', '33', '34', '35', '36', '37', '38', '40', '42', '44', '45', '46', '48', '49', '51', '52', '54', '56', '58', '60', '62', '64', '66', '67', '68', '70', '72', '74', '75', '77', '79', '80', '82', '83', '84', '86', '87', '89', '91', '92', '93', '94', '95', '96']);
function reference(value: string, now: Date): boolean {
  if (!/^[0-9]{12}$/.test(value) || value[0] !== '0' || !PROVINCES.has(value.slice(1, 3))) return false;
  return 1900 + Math.floor(Number(value[3]) / 2) * 100 + Number(value.slice(4, 6)) <= now.getUTCFullYear();
}

describe('fuzzing personal IDs', () => {
  const now = new Date('2026-11-24T00:00:00Z');
  it('never throws, and agrees with the reference rule, on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.stringMatching(/^[0-9]{10,14}$/), fc.stringMatching(/^0[0-9]{11}$/)), (s) => {
        const result = parsePersonalId(s, now);
        expect(result.ok).toBe(reference(s, now));
        if (!result.ok) expect(result.reason).not.toContain(s.length > 3 ? s : '\u0000');
      }),
      { numRuns: 3000 },
    );
  });

  it('never throws on values that are not strings', () => {
    fc.assert(fc.property(fc.anything(), (v) => expect(parsePersonalId(v, now).ok).toBe(typeof v === 'string' && reference(v, now))), { numRuns: 500 });
  });
});

describe('fuzzing the GraphQL endpoint', () => {
  let stack: Stack;
  let token: string;
  beforeAll(async () => {
    stack = await startStack({ RATE_LIMIT_OFFICIAL_LOOKUPS: '1000000', RATE_LIMIT_AGENCY_LOOKUPS: '1000000' });
    token = await stack.agencyToken();
  });
  afterAll(() => stack.stop());

  const post = async (body: string) => {
    const res = await fetch(`${stack.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': 'CT01_RESIDENCE' },
      body,
    });
    const text = await res.text();
    return { status: res.status, text };
  };
  const sane = ({ status, text }: { status: number; text: string }) => {
    expect(status).toBeLessThan(500);
    // No stack frames, no source paths, no internals.
    expect(text).not.toMatch(/\bat \S+ \(|\.(ts|js):\d+:\d+|node_modules|Internal server error/);
    expect(() => JSON.parse(text)).not.toThrow();
  };

  it('answers arbitrary variables with no 5xx and no stack trace', async () => {
    const queries = [
      'query($id: PersonalId!) { citizen(id: $id) { person { fullName } } }',
      'query($id: PersonalId!, $t: [DocumentType!]) { citizen(id: $id) { documents(types: $t) { number } } }',
      'query($f: ID!, $s: PersonalId) { prefill(formId: $f, subjectId: $s) { missing } }',
      'query($a: String!, $s: [SubmittedField!]!, $f: ID!, $id: PersonalId!) { verifyPrefill(attestation: $a, submitted: $s, formId: $f, subjectId: $id) { valid } }',
      'query($first: Int, $after: String) { accessLog(first: $first, after: $after) { edges { cursor } } }',
      'query($f: String!, $p: PurposeCode, $h: Int) { whyNot(field: $f, purpose: $p, hop: $h) { allowed code remedies { kind grantConsent { fields } } } }',
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...queries), fc.dictionary(fc.constantFrom('id', 't', 'f', 's', 'a', 'first', 'after', 'p', 'h', 'x'), fc.jsonValue()), async (query, variables) => {
        sane(await post(JSON.stringify({ query, variables })));
      }),
      { numRuns: 150 },
    );
  });

  it('answers arbitrary documents and bodies with no 5xx and no stack trace', async () => {
    const fragments = ['{', '}', 'citizen(id: "001088000012")', 'person', 'fullName', '...F', 'fragment F on Citizen', '@skip(if: true)', 'query', 'mutation', '$x', ':', 'alias:', '(', ')', '"', '__schema', 'revokeConsent(id: "x")', '#', '\\u0000'];
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...fragments), { maxLength: 40 }), async (parts) => {
        sane(await post(JSON.stringify({ query: parts.join(' ') })));
      }),
      { numRuns: 150 },
    );
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.jsonValue().map((v) => JSON.stringify(v))), async (body) => {
        sane(await post(body));
      }),
      { numRuns: 150 },
    );
  });

  it('keeps answering after the fuzzing', async () => {
    const res = await json(await fetch(`${stack.url}/healthz`));
    expect(res).toEqual({ status: 'ok' });
  });
});

import { contradictionWithRecord, maskPersonalId, parsePersonalId } from '../src/domain/personalId';
import { startStack, type Stack } from './helpers/stack';

/** Values a caller might send instead of a personal ID, with what the reason must say. */
const HOSTILE: [string, unknown, RegExp][] = [
  ['too short', '00108800001', /exactly 12 digits/],
  ['too long', '0010880000123', /exactly 12 digits/],
  ['empty', '', /exactly 12 digits, this one has 0/],
  ['letters', '00108800000A', /ASCII digits/],
  ['unknown province 000', '000088000012', /not a province code/],
  ['unknown province 099', '099088000012', /not a province code/],
  ['prefix without leading zero', '101088000012', /not a province code/],
  ['full-width digits', '００１０８８０００００１', /ASCII digits/],
  ['Arabic-Indic digits', '٠٠١٠٨٨٠٠٠٠٠١', /ASCII digits/],
  ['surrounding spaces', ' 001088000012 ', /whitespace/],
  ['a trailing newline', '001088000012\n', /whitespace/],
  ['century digit giving a future year', '001288000012', /future \(2088\)/],
  ['century digit of the 2100s', '001488000012', /future/],
  ['a number', 1088000012, /string/],
  ['SQL', "001' OR '1'='1", /ASCII digits|whitespace/],
];

describe('personal ID validation', () => {
  it.each(HOSTILE)('refuses %s', (_name, value, reason) => {
    const result = parsePersonalId(value, new Date('2026-11-24T00:00:00Z'));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it('accepts a structurally valid ID and reads its parts', () => {
    expect(parsePersonalId('079301012345', new Date('2026-11-24'))).toEqual({
      ok: true,
      parts: { value: '079301012345', birthProvinceCode: '79', birthYear: 2001, gender: 'FEMALE' },
    });
  });

  it('names a contradiction between the ID and the record it belongs to', () => {
    const parsed = parsePersonalId('001088000012');
    if (!parsed.ok) throw new Error('fixture should parse');
    expect(contradictionWithRecord(parsed.parts, { dateOfBirth: '1988-05-01', gender: 'MALE' })).toBeNull();
    expect(contradictionWithRecord(parsed.parts, { dateOfBirth: '1988-05-01', gender: 'FEMALE' })?.en).toMatch(/gender/);
    expect(contradictionWithRecord(parsed.parts, { dateOfBirth: '1987-05-01', gender: 'MALE' })?.en).toMatch(/birth year/);
  });

  it('masks IDs for logs', () => {
    expect(maskPersonalId('079301012345')).toBe('079*******45');
  });
});

describe('hostile personal IDs over HTTP', () => {
  let stack: Stack;
  let agency: string;
  beforeAll(async () => {
    stack = await startStack();
    agency = await stack.agencyToken();
  });
  afterAll(() => stack.stop());
  const headers = { 'x-purpose': 'CT01_RESIDENCE' };

  it.each(HOSTILE)('gets BAD_USER_INPUT and makes no registry call for %s, as a variable', async (_name, value, reason) => {
    await stack.resetRegistryCalls();
    const res = await stack.graphql('query($id: PersonalId!) { citizen(id: $id) { person { fullName } } }', {
      variables: { id: value },
      token: agency,
      headers,
    });
    expect(res.status).toBe(400);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors?.[0]?.extensions).toEqual({ messageVi: expect.any(String), code: 'BAD_USER_INPUT', field: 'id', reason: expect.stringMatching(reason) });
    expect(await stack.registryCalls()).toEqual({ POPULATION: 0, RESIDENCE: 0, DOCUMENTS: 0 });
  });

  it.each(HOSTILE.filter(([, v]) => typeof v === 'string'))(
    'gets BAD_USER_INPUT and makes no registry call for %s, as a literal',
    async (_name, value, reason) => {
      await stack.resetRegistryCalls();
      const res = await stack.graphql(`{ citizen(id: ${JSON.stringify(value)}) { person { fullName } } }`, { token: agency, headers });
      expect(res.status).toBe(400);
      expect(res.body.errors?.[0]?.extensions).toEqual({ messageVi: expect.any(String), code: 'BAD_USER_INPUT', field: 'id', reason: expect.stringMatching(reason) });
      expect(await stack.registryCalls()).toEqual({ POPULATION: 0, RESIDENCE: 0, DOCUMENTS: 0 });
    },
  );

  it('refuses an unquoted number literal without a registry call', async () => {
    await stack.resetRegistryCalls();
    const res = await stack.graphql('{ citizen(id: 1088000012) { id } }', { token: agency, headers });
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
    expect(await stack.registryCalls()).toEqual({ POPULATION: 0, RESIDENCE: 0, DOCUMENTS: 0 });
  });

  it('answers NOT_FOUND per registry for a well-formed ID nobody has', async () => {
    const res = await stack.graphql('{ citizen(id: "001088999999") { id person { fullName } documents { type } } }', { token: agency, headers });
    expect(res.status).toBe(200);
    expect(res.body.errors?.map((e) => e.extensions)).toEqual(
      expect.arrayContaining([
        { code: 'NOT_FOUND', registry: 'POPULATION', messageVi: expect.stringContaining('không có hồ sơ') },
        { code: 'NOT_FOUND', registry: 'DOCUMENTS', messageVi: expect.stringContaining('không có hồ sơ') },
      ]),
    );
  });
});

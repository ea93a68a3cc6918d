import { startStack, type Stack } from './helpers/stack';

/**
 * The same denied field reached every way GraphQL allows must be refused the same way,
 * before any registry call. The agency here (Hà Nội police, residence procedures) may
 * not read religion at all, nor a related citizen's address.
 */
describe('bypass attempts', () => {
  let stack: Stack;
  let token: string;
  let id: string;
  beforeAll(async () => {
    stack = await startStack();
    token = await stack.agencyToken();
    id = stack.persona('household-of-five');
  });
  afterAll(() => stack.stop());

  const attempts: [string, string, Record<string, unknown>][] = [
    ['directly', 'query($id: PersonalId!) { citizen(id: $id) { person { religion } } }', {}],
    ['through an alias', 'query($id: PersonalId!) { c: citizen(id: $id) { p: person { faith: religion } } }', {}],
    ['through a named fragment', 'query($id: PersonalId!) { citizen(id: $id) { ...F } } fragment F on Citizen { person { religion } }', {}],
    ['through nested named fragments', 'query($id: PersonalId!) { citizen(id: $id) { ...A } } fragment A on Citizen { person { ...B } } fragment B on Person { religion }', {}],
    ['through an inline fragment', 'query($id: PersonalId!) { citizen(id: $id) { ... on Citizen { person { ... on Person { religion } } } } }', {}],
    ['through a fragment without a type condition', 'query($id: PersonalId!) { citizen(id: $id) { person { ... { religion } } } }', {}],
    ['next to an allowed field of the same name', 'query($id: PersonalId!) { citizen(id: $id) { person { fullName religion } } }', {}],
    ['through the father', 'query($id: PersonalId!) { citizen(id: $id) { person { father { person { religion } } } } }', {}],
    ['through household members', 'query($id: PersonalId!) { citizen(id: $id) { household { members { citizen { person { religion } } } } } }', {}],
    ["through the head of household", 'query($id: PersonalId!) { citizen(id: $id) { household { head { person { religion } } } } }', {}],
    ['through an @include(if: $yes) variable', 'query($id: PersonalId!, $yes: Boolean!) { citizen(id: $id) { person { religion @include(if: $yes) } } }', { yes: true }],
    ['through an @skip(if: $no) variable', 'query($id: PersonalId!, $no: Boolean!) { citizen(id: $id) { person { religion @skip(if: $no) } } }', { no: false }],
    ['in a second root field', 'query($id: PersonalId!) { a: citizen(id: $id) { id } b: citizen(id: $id) { person { religion } } }', {}],
    ["as a related citizen's address", 'query($id: PersonalId!) { citizen(id: $id) { household { members { citizen { residence { permanentAddress { full } } } } } } }', {}],
    ['three steps away', 'query($id: PersonalId!) { citizen(id: $id) { person { father { person { father { person { father { id } } } } } } } }', {}],
  ];

  it.each(attempts)('refuses religion %s, with no registry call', async (_name, query, variables) => {
    await stack.resetRegistryCalls();
    const res = await stack.graphql(query, { token, variables: { id, ...variables }, headers: { 'x-purpose': 'CT01_RESIDENCE' } });
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(res.body.errors?.[0]?.extensions?.denied).toEqual(expect.arrayContaining([expect.objectContaining({ field: expect.any(String) })]));
    expect(await stack.registryCalls()).toEqual({ POPULATION: 0, RESIDENCE: 0, DOCUMENTS: 0 });
  });

  it('names the denied path with its aliases', async () => {
    const res = await stack.graphql('query($id: PersonalId!) { c: citizen(id: $id) { p: person { faith: religion } } }', {
      token,
      variables: { id },
      headers: { 'x-purpose': 'CT01_RESIDENCE' },
    });
    expect(res.body.errors?.[0]?.extensions?.denied).toEqual([{ path: 'c.p.faith', field: 'Person.religion' }]);
  });

  it('lets the field through when @include(if: false) removes it', async () => {
    const res = await stack.graphql('query($id: PersonalId!, $yes: Boolean!) { citizen(id: $id) { person { fullName religion @include(if: $yes) } } }', {
      token,
      variables: { id, yes: false },
      headers: { 'x-purpose': 'CT01_RESIDENCE' },
    });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.citizen).toEqual({ person: { fullName: expect.any(String) } });
  });
});

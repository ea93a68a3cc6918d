import { parse, type OperationDefinitionNode } from 'graphql';
import { analyzeOperation, OperationTooLargeError, type OperationAnalysis } from '../../src/access/analyzeOperation';
import { createSchema } from '../../src/graphql/createSchema';

/**
 * The operation analysis without HTTP: what an operation would read, about whom, and how
 * much, known from the document before any resolver runs. Reaching a citizen — even for
 * `__typename` — is a read the decision judges; fragments, aliases, variables and
 * `@skip`/`@include` change nothing of that.
 */
const { schema, facts } = createSchema();
const ID = '001088000012';

function analyze(source: string, variables: Record<string, unknown> = {}, maxSelections?: number): OperationAnalysis {
  const document = parse(source);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition') as OperationDefinitionNode;
  return analyzeOperation({ schema, facts, document, operation, variables, ...(maxSelections ? { maxSelections } : {}) });
}

const summary = (a: OperationAnalysis) =>
  a.citizens.map((c) => ({ via: c.via, hop: c.hop, path: c.path, reads: c.reads.map((r) => `${r.kind} ${r.coordinate}${r.record ? ` (${r.record})` : ''}`).sort() }));

describe('operation analysis, without HTTP', () => {
  it('finds the spouse reached only for __typename, one step from the subject', () => {
    const a = analyze(`{ citizen(id: "${ID}") { person { spouse { __typename } } } }`);
    expect(summary(a)).toEqual([
      { via: 'Query.citizen', hop: 0, path: 'citizen', reads: ['reach Query.citizen'] },
      { via: 'Person.spouse', hop: 1, path: 'citizen.person.spouse', reads: ['reach Person.spouse', 'record Citizen.__typename (Citizen)'].sort() },
    ]);
    expect(a.citizens[0]?.id).toBe(ID);
  });

  it('counts each household member and each child as a citizen of their own, lists at their largest', () => {
    const a = analyze(`{ citizen(id: "${ID}") { household { members { relationshipToHead } } person { children { person { fullName } } } } }`);
    expect(a.citizens.map((c) => [c.via, c.hop])).toEqual([['Query.citizen', 0], ['Household.members', 1], ['Person.children', 1]]);
    expect(a.citizenBound).toBe(1 + (facts.listSize('Household.members') as number) + (facts.listSize('Person.children') as number));
  });

  it('records a disclosing field once with every path it appears at, aliases and fragments included', () => {
    const a = analyze(`
      query ($id: PersonalId!) { a: citizen(id: $id) { ...Names } b: citizen(id: $id) { person { n: fullName } } }
      fragment Names on Citizen { person { fullName ... on Person { fullName } } }`, { id: ID });
    expect(a.aliasCount).toBe(3);
    const reads = a.citizens.map((c) => c.reads.find((r) => r.coordinate === 'Person.fullName'));
    expect(reads.map((r) => r?.paths)).toEqual([['a.person.fullName', 'a.person.fullName'], ['b.person.n']]);
    expect(a.citizens.map((c) => c.id)).toEqual([ID, ID]);
  });

  it('applies @skip and @include from the variables: a skipped field reads nothing', () => {
    const source = `query ($skip: Boolean!) { citizen(id: "${ID}") { person { fullName religion @skip(if: $skip) } } }`;
    const coordinates = (skip: boolean) => analyze(source, { skip }).citizens[0]?.reads.map((r) => r.coordinate).sort();
    expect(coordinates(true)).toEqual(['Person.fullName', 'Query.citizen']);
    expect(coordinates(false)).toEqual(['Person.fullName', 'Person.religion', 'Query.citizen']);
  });

  it('keeps the document types an agency asks for, and nothing when it asks for none', () => {
    const typed = analyze(`{ citizen(id: "${ID}") { documents(types: [PASSPORT, IDENTITY_CARD]) { number } } }`);
    expect(typed.citizens[0]?.reads.find((r) => r.coordinate === 'Citizen.documents')?.documentTypes).toEqual(['PASSPORT', 'IDENTITY_CARD']);
    const untyped = analyze(`{ citizen(id: "${ID}") { documents { number } } }`);
    expect(untyped.citizens[0]?.reads.find((r) => r.coordinate === 'Citizen.documents')?.documentTypes).toBeUndefined();
  });

  it('stops a fragment bomb at the selection bound, before it expands', () => {
    const levels = Array.from({ length: 12 }, (_, i) => `fragment F${i} on Person { ...F${i + 1} ...F${i + 1} }`).join('\n');
    const bomb = `{ citizen(id: "${ID}") { person { ...F0 } } }\n${levels}\nfragment F12 on Person { fullName }`;
    expect(() => analyze(bomb, {}, 1000)).toThrow(OperationTooLargeError);
  });

  it('treats each _entities representation as a citizen named at its own index, and refuses a forged one', () => {
    const source = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Citizen { person { fullName } } } }`;
    const a = analyze(source, { r: [{ __typename: 'Citizen', id: ID }, { __typename: 'Citizen', id: '079190000034' }] });
    expect(a.citizens.map((c) => [c.path, c.id, c.hop])).toEqual([['_entities.0', ID, 0], ['_entities.1', '079190000034', 0]]);
    expect(() => analyze(source, { r: [{ __typename: 'Citizen', id: 'junk' }] })).toThrow(/representation 0/);
    expect(() => analyze(source, { r: [{ __typename: 'Household', id: 'HK0100000001' }] })).toThrow(/only Citizen/);
    expect(() => analyze(source, { r: [{ __typename: 'Citizen', id: ID, admin: true }] })).toThrow(/by its id alone/);
  });

  it('sees introspection, and weighs registry reads above fields of a record already read', () => {
    expect(analyze('{ __schema { queryType { name } } }').introspection).toBe(true);
    const one = analyze(`{ citizen(id: "${ID}") { person { fullName } } }`).cost;
    const two = analyze(`{ citizen(id: "${ID}") { person { fullName } residence { permanentAddress { full } } } }`).cost;
    expect(two - one).toBeGreaterThanOrEqual(10);
  });
});

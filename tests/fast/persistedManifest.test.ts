import { createSchema } from '../../src/graphql/createSchema';
import { buildManifest, validationProblems } from '../../src/persisted/manifest';

const { schema } = createSchema();

const PORTAL = `
query MyName { me { person { ...Name } } }
fragment Name on Person { fullName }
query Household($id: PersonalId!) { citizen(id: $id) { household { members { relationshipToHead } } } }
`;

/** A manifest made with the gateway's schema holds only operations that schema can run. */
describe('persisted-operation manifests checked against the schema', () => {
  it('lists valid operations exactly as without the check', () => {
    const sources = [{ file: 'portal.graphql', text: PORTAL }];
    expect(buildManifest(sources, schema)).toEqual(buildManifest(sources));
    expect(buildManifest(sources, schema).operations.map((o) => o.name)).toEqual(['Household', 'MyName']);
  });

  it.each([
    ['a misspelt field', 'query Misspelt { me { person { fullNam } } }', 'Misspelt', /Cannot query field "fullNam" on type "Person"/],
    ['a variable of the wrong type', 'query Typed($id: String!) { citizen(id: $id) { id } }', 'Typed', /Variable "\$id" of type "String!" used in position expecting type "PersonalId!"/],
    ['a missing argument', 'query NoId { citizen { id } }', 'NoId', /argument "id" of type "PersonalId!" is required/],
    ['an unknown fragment type', 'query F { me { ...X } } fragment X on Nobody { id }', 'F', /Unknown type "Nobody"/],
    ['a subscription, which the schema has no type for', 'subscription S { anything(at: "all") { goes } }', 'S', /The schema has no subscription type/],
    ['introspection, which production does not answer', 'query I { __schema { types { name } } }', 'I', /asks for the schema \(__schema or __type\)/],
    ['a type lookup', 'query T { __type(name: "Person") { name } }', 'T', /asks for the schema/],
  ])('refuses %s, naming the file, the operation and the problem', (_name, text, operation, problem) => {
    const build = () => buildManifest([{ file: 'portal.graphql', text: `${PORTAL}\n${text}` }], schema);
    expect(build).toThrow(`portal.graphql: operation ${operation} is not valid against the gateway's schema`);
    expect(build).toThrow(problem);
  });

  it('names the file, line and column of a syntax error', () => {
    expect(() => buildManifest([{ file: 'ops/broken.graphql', text: 'query A { me { id } }\nquery B { me {' }], schema)).toThrow(/^ops\/broken\.graphql:2:15: Syntax Error: Expected Name, found <EOF>\.$/);
    expect(() => buildManifest([{ file: 'empty.graphql', text: '' }])).toThrow(/^empty\.graphql:1:1: Syntax Error/);
  });

  it('names a syntax error as the problem of a text that does not parse', () => {
    expect(validationProblems('query { me {', schema)).toEqual([expect.stringMatching(/^Syntax Error/)]);
    expect(validationProblems('query { me { id } }', schema)).toEqual([]);
  });
});

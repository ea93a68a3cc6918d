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
  ])('refuses %s, naming the file, the operation and the problem', (_name, text, operation, problem) => {
    const build = () => buildManifest([{ file: 'portal.graphql', text: `${PORTAL}\n${text}` }], schema);
    expect(build).toThrow(`portal.graphql: operation ${operation} is not valid against the gateway's schema`);
    expect(build).toThrow(problem);
  });

  it('names a syntax error as the problem of a text that does not parse', () => {
    expect(validationProblems('query { me {', schema)).toEqual([expect.stringMatching(/^Syntax Error/)]);
    expect(validationProblems('query { me { id } }', schema)).toEqual([]);
  });
});

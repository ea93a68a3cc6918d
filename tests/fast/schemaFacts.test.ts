import { createSchema, readTypeDefs } from '../../src/graphql/createSchema';
import { SchemaFactsError } from '../../src/schemaFacts/readSchemaFacts';

const edited = (from: string, to: string) =>
  readTypeDefs().map((sdl) => {
    if (!sdl.includes(from)) return sdl;
    return sdl.replace(from, to);
  });

/** Deny by default: a field without its facts stops start-up, naming the field. */
describe('schema facts at start-up', () => {
  it('builds the schema when every field has its facts', () => {
    expect(() => createSchema()).not.toThrow();
  });

  it('refuses to start, naming the field, when a registry-backed field has no @access', () => {
    const typeDefs = edited('religion: String @access(rule: SENSITIVE)', 'religion: String');
    expect(() => createSchema(typeDefs)).toThrow(SchemaFactsError);
    expect(() => createSchema(typeDefs)).toThrow(/Person\.religion \(needs @access\)/);
  });

  it('refuses to start when a new field is added without a rule', () => {
    const typeDefs = [...readTypeDefs(), 'extend type Person { nickname: String }'];
    expect(() => createSchema(typeDefs)).toThrow(/Person\.nickname/);
  });

  it('refuses to start when a root field has no @roles', () => {
    const typeDefs = edited('me: Citizen @roles(allow: [CITIZEN])', 'me: Citizen');
    expect(() => createSchema(typeDefs)).toThrow(/Query\.me \(root field: needs @roles\)/);
  });

  it('refuses to start when a field of Citizen reads a registry without saying which', () => {
    const typeDefs = edited('person: Person @access(rule: INHERIT) @registry(name: POPULATION)', 'person: Person @access(rule: INHERIT)');
    expect(() => createSchema(typeDefs)).toThrow(/Citizen\.person \(registry-backed: needs @registry\)/);
  });

  it('refuses to start when a list field has no @listSize', () => {
    const typeDefs = edited('children: [Citizen!] @access(rule: INHERIT) @listSize(max: 12)', 'children: [Citizen!] @access(rule: INHERIT)');
    expect(() => createSchema(typeDefs)).toThrow(/Person\.children \(list: needs @listSize\)/);
  });

  it('lists every problem at once', () => {
    const typeDefs = [...readTypeDefs(), 'extend type Citizen { taxes: [String!] @access(rule: PERSONAL) }', 'extend type Query { spy: Citizen }'];
    try {
      createSchema(typeDefs);
      throw new Error('expected a SchemaFactsError');
    } catch (err) {
      expect((err as SchemaFactsError).problems).toEqual(
        expect.arrayContaining(['Citizen.taxes (registry-backed: needs @registry)', 'Citizen.taxes (list: needs @listSize)', 'Query.spy (root field: needs @roles)']),
      );
    }
  });

  it('derives registries, list sizes, scopes and document types from the SDL', () => {
    const { facts } = createSchema();
    expect(facts.registry('Citizen.household')).toBe('RESIDENCE');
    expect(facts.registry('Citizen.documents')).toBe('DOCUMENTS');
    expect(facts.listSize('Household.members')).toBe(8);
    expect(facts.requiredScopes('Query.accessLog')).toEqual(['audit.read']);
    expect(facts.requiredScopes('Query.me')).toEqual([]);
    expect(facts.documentTypes).toEqual(expect.arrayContaining(['IDENTITY_CARD', 'CRIMINAL_RECORD_CERTIFICATE']));
    expect(facts.documentParts).toEqual(expect.arrayContaining(['number', 'issuedOn', 'issuer', 'validUntil']));
    expect(facts.rule('Provenance.fromCache')).toBe('OWN');
  });
});

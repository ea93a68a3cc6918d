import { MissingAccessRuleError } from '../src/access/accessRules';
import { createSchema, readTypeDefs } from '../src/graphql/createSchema';

/** Deny by default: a field without a rule stops start-up, naming the field. */
describe('access rules at start-up', () => {
  it('builds the schema when every field has a rule', () => {
    expect(() => createSchema()).not.toThrow();
  });

  it('refuses to start, naming the field, when a registry-backed field has no @access', () => {
    const typeDefs = readTypeDefs().map((sdl) => sdl.replace('religion: String @access(rule: SENSITIVE)', 'religion: String'));
    expect(() => createSchema(typeDefs)).toThrow(MissingAccessRuleError);
    expect(() => createSchema(typeDefs)).toThrow(/Person\.religion \(needs @access\)/);
  });

  it('refuses to start when a new field is added without a rule', () => {
    const typeDefs = [...readTypeDefs(), 'extend type Person { nickname: String }'];
    expect(() => createSchema(typeDefs)).toThrow(/Person\.nickname/);
  });

  it('refuses to start when a root field has no @roles', () => {
    const typeDefs = readTypeDefs().map((sdl) => sdl.replace('me: Citizen @roles(allow: [CITIZEN])', 'me: Citizen'));
    expect(() => createSchema(typeDefs)).toThrow(/Query\.me \(root field: needs @roles\)/);
  });
});

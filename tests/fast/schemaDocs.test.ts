import {
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isIntrospectionType,
  isObjectType,
  isSpecifiedDirective,
  isSpecifiedScalarType,
  type GraphQLSchema,
} from 'graphql';
import { createSchema, readTypeDefs } from '../../src/graphql/createSchema';

/** What federation's subgraph library adds to the schema; documented by federation itself. */
const FEDERATION_MACHINERY = /^(_Any|_Service|_Entity|link__|federation__|Query\._entities|Query\._service|@link|@federation__|@key|@shareable|@inaccessible|@tag|@override|@external|@provides|@requires|@extends|@composeDirective|@interfaceObject|@authenticated|@policy|@cost|@context|@fromContext)/;

/** Every coordinate of the schema that has no description. */
function undocumented(schema: GraphQLSchema): string[] {
  const missing: string[] = [];
  for (const t of Object.values(schema.getTypeMap())) {
    if (isIntrospectionType(t) || isSpecifiedScalarType(t)) continue;
    if (!t.description) missing.push(t.name);
    if (isObjectType(t) || isInterfaceType(t) || isInputObjectType(t)) {
      for (const f of Object.values(t.getFields())) {
        if (!f.description) missing.push(`${t.name}.${f.name}`);
        if ('args' in f) for (const a of f.args) if (!a.description) missing.push(`${t.name}.${f.name}(${a.name}:)`);
      }
    }
    if (isEnumType(t)) for (const v of t.getValues()) if (!v.description) missing.push(`${t.name}.${v.name}`);
  }
  for (const d of schema.getDirectives()) {
    if (isSpecifiedDirective(d)) continue;
    if (!d.description) missing.push(`@${d.name}`);
    for (const a of d.args) if (!a.description) missing.push(`@${d.name}(${a.name}:)`);
  }
  return missing.filter((c) => !FEDERATION_MACHINERY.test(c));
}

/** The playground's docs pane and generated clients show these to every developer. */
describe('schema documentation', () => {
  it('describes every type, field, argument, enum value and directive', () => {
    expect(undocumented(createSchema().schema)).toEqual([]);
  });

  it('notices a field added without a description', () => {
    const typeDefs = [...readTypeDefs(), 'extend type Person { nickname: String @access(rule: PERSONAL) }'];
    expect(undocumented(createSchema(typeDefs).schema)).toEqual(['Person.nickname']);
  });
});

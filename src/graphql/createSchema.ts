import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { addResolversToSchema } from '@graphql-tools/schema';
import { concatAST, parse, type GraphQLSchema } from 'graphql';
import { packageRoot } from '../paths';
import { readSchemaFacts, type SchemaFacts } from '../schemaFacts/readSchemaFacts';
import { resolvers } from './resolvers';

/** @apollo/subgraph's resolver map: the same resolvers, with a context it types as unknown. */
type SubgraphResolvers = Extract<Parameters<typeof buildSubgraphSchema>[0], { typeDefs: unknown }>['resolvers'];

/** The SDL files, in a stable order. */
export function readTypeDefs(dir = path.join(packageRoot(), 'schema')): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((f) => readFileSync(path.join(dir, f), 'utf8'));
}

/**
 * Builds the executable schema from `schema/*.graphql` as an Apollo Federation 2
 * subgraph (`_service`, `_entities`, `Citizen @key(fields: "id")`) and reads its facts
 * (access rules, registries, list sizes, scopes); throws, naming the fields, when any
 * field lacks what it needs or a resolver is orphaned.
 */
export function createSchema(typeDefs: string[] = readTypeDefs()): { schema: GraphQLSchema; facts: SchemaFacts } {
  const schema = buildSubgraphSchema({ typeDefs: concatAST(typeDefs.map((sdl) => parse(sdl))), resolvers: resolvers as unknown as SubgraphResolvers });
  // buildSubgraphSchema attaches resolvers without checking them: a resolver for a field or
  // type that no longer exists must still stop start-up, as it did before federation.
  addResolversToSchema({ schema, resolvers, resolverValidationOptions: { requireResolversToMatchSchema: 'error' } });
  return { schema, facts: readSchemaFacts(schema) };
}

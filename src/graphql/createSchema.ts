import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import { packageRoot } from '../paths';
import { readSchemaFacts, type SchemaFacts } from '../schemaFacts/readSchemaFacts';
import { resolvers } from './resolvers';

/** The SDL files, in a stable order. */
export function readTypeDefs(dir = path.join(packageRoot(), 'schema')): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((f) => readFileSync(path.join(dir, f), 'utf8'));
}

/**
 * Builds the executable schema from `schema/*.graphql` and reads its facts (access
 * rules, registries, list sizes, scopes); throws, naming the fields, when any field
 * lacks what it needs or a resolver is orphaned.
 */
export function createSchema(typeDefs: string[] = readTypeDefs()): { schema: GraphQLSchema; facts: SchemaFacts } {
  const schema = makeExecutableSchema({
    typeDefs,
    resolvers,
    resolverValidationOptions: { requireResolversToMatchSchema: 'error' },
  });
  return { schema, facts: readSchemaFacts(schema) };
}

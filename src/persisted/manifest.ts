import { hash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GraphQLError, Kind, parse, print, Source, specifiedRules, validate, visit, type ASTNode, type DocumentNode, type FragmentDefinitionNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';

/** One operation a portal ships, identified by the SHA-256 of its text. */
export interface PersistedOperation {
  id: string;
  name: string;
  type: OperationDefinitionNode['operation'];
  body: string;
}

export interface Manifest {
  format: 'vn-registry-gateway-persisted-operations';
  version: 1;
  operations: PersistedOperation[];
}

/** Fragments an operation uses, transitively. */
function usedFragments(node: OperationDefinitionNode, all: Map<string, FragmentDefinitionNode>): Set<string> {
  const seen = new Set<string>();
  const pending: ASTNode[] = [node];
  while (pending.length > 0) {
    visit(pending.pop() as ASTNode, {
      FragmentSpread(spread) {
        const name = spread.name.value;
        const fragment = all.get(name);
        if (!seen.has(name) && fragment) {
          seen.add(name);
          pending.push(fragment);
        }
      },
    });
  }
  return seen;
}

/** Whether a document asks for the schema itself (`__schema`, `__type`), which production does not answer. */
function introspects(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if (node.name.value === '__schema' || node.name.value === '__type') found = true;
    },
  });
  return found;
}

/**
 * Why a production gateway with `schema` would refuse an operation's text, one message per
 * problem; none when it would run it: the schema's validation, a root type the schema does
 * not have (graphql-js does not check it: a subscription would pass), introspection.
 */
export function validationProblems(body: string, schema: GraphQLSchema): string[] {
  let document: DocumentNode;
  try {
    document = parse(body);
  } catch (err) {
    return [(err as Error).message];
  }
  const problems = validate(schema, document, specifiedRules).map((e) => e.message);
  for (const d of document.definitions) {
    if (d.kind === Kind.OPERATION_DEFINITION && !schema.getRootType(d.operation)) problems.push(`The schema has no ${d.operation} type.`);
  }
  if (introspects(document)) problems.push('It asks for the schema (__schema or __type), which production does not answer.');
  return problems;
}

/** A document's text parsed, a syntax error named with its file, line and column. */
function parseFile(file: string, text: string): DocumentNode {
  try {
    return parse(new Source(text, file));
  } catch (err) {
    const at = err instanceof GraphQLError ? err.locations?.[0] : undefined;
    throw new Error(`${file}${at ? `:${at.line}:${at.column}` : ''}: ${(err as Error).message}`);
  }
}

/**
 * Builds a manifest from operation documents: each named operation becomes one entry,
 * printed with exactly the fragments it uses, and identified by the hash of that text.
 * With `schema`, an operation it refuses stops the build, named with its problems: a
 * mistake in what a portal ships is found when the manifest is made, not by its first caller.
 */
export function buildManifest(sources: { file: string; text: string }[], schema?: GraphQLSchema): Manifest {
  const operations = new Map<string, PersistedOperation>();
  for (const { file, text } of sources) {
    const doc = parseFile(file, text);
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    for (const d of doc.definitions) {
      if (d.kind !== Kind.OPERATION_DEFINITION) continue;
      if (!d.name) throw new Error(`${file}: every persisted operation needs a name`);
      const used = [...usedFragments(d, fragments)].sort().map((n) => fragments.get(n) as FragmentDefinitionNode);
      const body = [d, ...used].map((n) => print(n)).join('\n\n');
      const op: PersistedOperation = { id: hash('sha256', body), name: d.name.value, type: d.operation, body };
      if ([...operations.values()].some((o) => o.name === op.name && o.id !== op.id)) throw new Error(`${file}: two different operations are named ${op.name}`);
      const problems = schema ? validationProblems(body, schema) : [];
      if (problems.length > 0) throw new Error(`${file}: operation ${op.name} is not valid against the gateway's schema:\n${problems.map((p) => `  ${p}`).join('\n')}`);
      operations.set(op.id, op);
    }
  }
  return { format: 'vn-registry-gateway-persisted-operations', version: 1, operations: [...operations.values()].sort((a, b) => a.name.localeCompare(b.name)) };
}

/** Reads and checks a manifest file: every id must be the hash of its body. */
export function readManifest(file: string): Map<string, PersistedOperation> {
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
  if (manifest.format !== 'vn-registry-gateway-persisted-operations' || !Array.isArray(manifest.operations)) {
    throw new Error(`${file} is not a persisted-operation manifest (npm run persisted:manifest)`);
  }
  const byId = new Map<string, PersistedOperation>();
  for (const op of manifest.operations) {
    if (hash('sha256', op.body) !== op.id) throw new Error(`${file}: operation ${op.name} does not hash to its id`);
    byId.set(op.id, op);
  }
  return byId;
}

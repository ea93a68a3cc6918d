import { createGatewayRuntime, type GatewayPlugin } from '@graphql-hive/gateway-runtime';
import httpTransport from '@graphql-mesh/transport-http';
import {
  execute,
  getNamedType,
  getNullableType,
  isAbstractType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  parse,
  print,
  stripIgnoredCharacters,
  typeFromAST,
  Kind,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLOutputType,
  type GraphQLSchema,
  type GraphQLInputType,
} from 'graphql';
import { SUPERGRAPH_RUNTIME_SETTINGS } from './createSupergraphRuntime';

/** A named supergraph operation, as a client ships it. */
export interface ClientOperation {
  name: string;
  body: string;
}

/** An operation the runtime sends to one subgraph while it serves a client operation. */
export interface RouterOperation {
  /** The client operation it serves. */
  client: string;
  /** The exact text on the wire. */
  body: string;
}

/** The supergraph, the subgraph whose operations are wanted, and the client operations to plan. */
export interface CaptureOptions {
  supergraph: string;
  /** The subgraph whose operations are wanted, e.g. `registry-gateway`. */
  subgraph: string;
  operations: readonly ClientOperation[];
}

/**
 * Plans each client operation with the same runtime and settings as the supergraph
 * (createSupergraphRuntime.ts) and records the exact text of every operation it sends to
 * `subgraph`: what a registry gateway that accepts only persisted operations must list.
 * Nothing is called: every subgraph answers from its own schema with placeholder data
 * (one element per list, one entity per representation), which is enough for the
 * planner to go through every stage. Variables get placeholder values; an operation
 * whose plan depends on a variable (`@include(if: $x)` across subgraphs) must be listed
 * once per variant.
 */
export async function captureRouterOperations(options: CaptureOptions): Promise<RouterOperation[]> {
  const captured: RouterOperation[] = [];
  let client = '';
  const capture: GatewayPlugin = {
    onSubgraphExecute({ subgraphName, subgraph, setExecutor }) {
      setExecutor(((request: { document: DocumentNode; variables?: Record<string, unknown>; operationName?: string }) => {
        // As the HTTP transport prints it (@graphql-tools/executor-common's defaultPrintFn).
        if (subgraphName === options.subgraph) captured.push({ client, body: stripIgnoredCharacters(print(request.document)) });
        return placeholderResult(subgraph, request.document, request.variables ?? {}, request.operationName);
      }) as Parameters<typeof setExecutor>[0]);
    },
  };
  const runtime = createGatewayRuntime({
    ...SUPERGRAPH_RUNTIME_SETTINGS,
    supergraph: options.supergraph,
    transports: { http: httpTransport },
    logging: false,
    plugins: () => [capture],
  });
  try {
    for (const op of options.operations) {
      client = op.name;
      const schema = await runtime.getSchema();
      const response = await runtime.fetch('http://capture.invalid/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: op.body, operationName: op.name, variables: placeholderVariables(schema, op.body, op.name) }),
      });
      const result = (await response.json()) as ExecutionResult;
      const problem = result.errors?.find((e) => !e.path);
      if (problem) throw new Error(`${op.name} cannot be planned against this supergraph: ${problem.message}`);
    }
  } finally {
    await runtime.dispose();
  }
  return captured;
}

/** Values for an operation's variables: defaults where declared, otherwise a placeholder of the right type. */
function placeholderVariables(schema: GraphQLSchema, body: string, name: string): Record<string, unknown> {
  const document = parse(body);
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION && d.name?.value === name);
  const values: Record<string, unknown> = {};
  if (operation?.kind !== Kind.OPERATION_DEFINITION) return values;
  for (const v of operation.variableDefinitions ?? []) {
    const type = typeFromAST(schema, v.type) as GraphQLInputType | undefined;
    if (type && !v.defaultValue) values[v.variable.name.value] = placeholderInput(type);
  }
  return values;
}

function placeholderInput(type: GraphQLInputType): unknown {
  const nullable = getNullableType(type);
  if (isListType(nullable)) return [placeholderInput(nullable.ofType)];
  if (isEnumType(nullable)) return nullable.getValues()[0]?.name;
  if (isInputObjectType(nullable)) {
    return Object.fromEntries(Object.values(nullable.getFields()).filter((f) => isNonNullType(f.type)).map((f) => [f.name, placeholderInput(f.type)]));
  }
  return SCALARS[nullable.name] ?? 'x';
}

const SCALARS: Record<string, unknown> = { Int: 1, Float: 1, Boolean: true, String: 'x', ID: 'x' };

/** A subgraph's answer shaped by its schema: every field present, one element per list, one entity per representation. */
function placeholderResult(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown>, operationName?: string) {
  return execute({
    schema,
    document,
    variableValues: variables,
    operationName,
    fieldResolver: (_source, args, _ctx, info) => {
      const representations = info.fieldName === '_entities' ? (args.representations as { __typename: string }[]) : null;
      return representations ? representations.map((r) => ({ __typename: r.__typename })) : placeholderOutput(schema, info.returnType);
    },
    typeResolver: (value, _ctx, info, abstractType) => (value as { __typename?: string }).__typename ?? info.schema.getPossibleTypes(abstractType)[0]?.name,
  });
}

function placeholderOutput(schema: GraphQLSchema, type: GraphQLOutputType): unknown {
  const nullable = getNullableType(type);
  if (isListType(nullable)) return [placeholderOutput(schema, nullable.ofType)];
  if (isObjectType(nullable)) return {};
  if (isAbstractType(nullable)) return { __typename: schema.getPossibleTypes(nullable)[0]?.name };
  if (isEnumType(nullable)) return nullable.getValues()[0]?.value;
  return SCALARS[getNamedType(nullable).name] ?? 'x';
}

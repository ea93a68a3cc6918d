import { execute, parse, type GraphQLSchema } from 'graphql';

const SERVICE_SDL = parse('{ _service { sdl } }');

/**
 * The SDL a Federation subgraph serves at `_service { sdl }`, read from the schema itself
 * (no resolver of ours runs for it, and nothing is decided): exactly what composition
 * and supergraph tooling read from the running gateway.
 */
export function printSubgraphSdl(schema: GraphQLSchema): string {
  const result = execute({ schema, document: SERVICE_SDL });
  if ('then' in result || result.errors || typeof result.data?._service !== 'object') {
    throw new Error('the schema is not a Federation subgraph: _service { sdl } did not answer');
  }
  return (result.data._service as { sdl: string }).sdl;
}

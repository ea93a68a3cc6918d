import { composeServices } from '@theguild/federation-composition';
import { parse } from 'graphql';

/** One subgraph as composition reads it. */
export interface SubgraphDefinition {
  /** Its name in the supergraph (`join__Graph`), e.g. `registry-gateway`. */
  name: string;
  /** Where a supergraph runtime reaches its GraphQL endpoint by default. */
  url: string;
  sdl: string;
}

/** The subgraphs do not compose; `problems` lists composition's errors. */
export class CompositionError extends Error {
  override readonly name = 'CompositionError';
  constructor(readonly problems: string[]) {
    super(`The subgraphs do not compose into a supergraph:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * Composes Federation 2 subgraphs into a supergraph SDL, in JavaScript (The Guild's
 * composition, MIT, which the Hive Gateway runtime also uses): the same check an
 * agency's supergraph build runs. Throws a CompositionError listing every problem.
 */
export function composeSupergraph(subgraphs: readonly SubgraphDefinition[]): string {
  const result = composeServices(subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) })));
  if (result.errors) throw new CompositionError(result.errors.map((e) => e.message));
  return result.supergraphSdl;
}

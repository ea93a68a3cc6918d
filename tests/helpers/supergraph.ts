import { GATEWAY_SUBGRAPH } from '../../federation/federationFiles';
import { startSupergraphRuntime, type SupergraphRuntimeProcess } from '../../federation/startSupergraphRuntime';
import type { MockDataset } from '../../mocks/data/types';
import { createSocialInsuranceSubgraph, SOCIAL_INSURANCE_SUBGRAPH, type SocialInsuranceSubgraph } from '../../mocks/socialInsurance/createSocialInsuranceSubgraph';
import { assertNoPersonalData, type GraphQLResponse } from './stack';

export interface Supergraph {
  /** The runtime's GraphQL endpoint. */
  url: string;
  agency: SocialInsuranceSubgraph;
  runtime: SupergraphRuntimeProcess;
  graphql(query: string, options?: { variables?: unknown; token?: string; headers?: Record<string, string> }): Promise<GraphQLResponse>;
  /** Stops the runtime and the agency subgraph; checks the runtime's logs for personal data. */
  stop(): Promise<void>;
}

/**
 * The mock social insurance subgraph and the supergraph runtime (a process of its own),
 * over real HTTP on free ports, in front of a running registry gateway.
 */
export async function startSupergraph(options: { gatewayUrl: string; dataset: MockDataset }): Promise<Supergraph> {
  const agency = createSocialInsuranceSubgraph({ dataset: options.dataset });
  const agencyUrl = await agency.listen();
  let runtime: SupergraphRuntimeProcess;
  try {
    runtime = await startSupergraphRuntime({
      subgraphUrls: { [GATEWAY_SUBGRAPH]: `${options.gatewayUrl}/graphql`, [SOCIAL_INSURANCE_SUBGRAPH]: `${agencyUrl}/graphql` },
    });
  } catch (err) {
    await agency.close();
    throw err;
  }
  const url = `${runtime.url}/graphql`;
  return {
    url,
    agency,
    runtime,
    async graphql(query, { variables, token, headers } = {}) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, headers: res.headers, body: (await res.json()) as GraphQLResponse['body'] };
    },
    async stop() {
      await runtime.stop();
      await agency.close();
      assertNoPersonalData(runtime.logs(), options.dataset);
    },
  };
}

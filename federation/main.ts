import { startMockRegistries, type MockRegistries } from '../mocks/startMockRegistries';
import { generateDataset } from '../mocks/data/generateDataset';
import { createSocialInsuranceSubgraph, SOCIAL_INSURANCE_SUBGRAPH, type SocialInsuranceSubgraph } from '../mocks/socialInsurance/createSocialInsuranceSubgraph';
import { ConfigError, loadConfig, needsEmbeddedMocks } from '../src/config';
import { createGateway, type Gateway } from '../src/createGateway';
import { DEFAULT_PORTS, GATEWAY_SUBGRAPH } from './federationFiles';
import { startSupergraphRuntime, type SupergraphRuntimeProcess } from './startSupergraphRuntime';

/**
 * `npm run supergraph`: the registry gateway (development defaults, with its embedded
 * mock registries), the mock social insurance subgraph over the same citizens, and the
 * supergraph runtime composed of both (federation/supergraph.graphql), one port each.
 */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  let mocks: MockRegistries | undefined;
  let gateway: Gateway | undefined;
  let agency: SocialInsuranceSubgraph | undefined;
  let runtime: SupergraphRuntimeProcess | undefined;
  const stop = () => {
    const timer = setTimeout(() => process.exit(1), config.shutdownGraceMs + 5000);
    timer.unref();
    Promise.all([runtime?.stop(), agency?.close(), gateway?.stop(), mocks?.stop()]).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  const { seed, size, latency } = config.mocks;
  if (needsEmbeddedMocks(config)) mocks = await startMockRegistries({ seed, size, latency });
  gateway = await createGateway({ config, registryUrls: mocks?.urls });
  const gatewayUrl = await gateway.listen();
  // The agency holds records about the same citizens as the registries.
  agency = createSocialInsuranceSubgraph({ dataset: mocks?.dataset ?? generateDataset({ seed, size }) });
  const agencyUrl = await agency.listen(DEFAULT_PORTS.socialInsurance);
  runtime = await startSupergraphRuntime({
    port: DEFAULT_PORTS.supergraph,
    subgraphUrls: { [GATEWAY_SUBGRAPH]: `${gatewayUrl}/graphql`, [SOCIAL_INSURANCE_SUBGRAPH]: `${agencyUrl}/graphql` },
  });

  const facility = [...agency.records.byFacility.keys()].sort()[0] ?? '';
  process.stdout.write(
    [
      '',
      `Supergraph ready at ${runtime.url}/graphql`,
      `  ${GATEWAY_SUBGRAPH.padEnd(17)} ${gatewayUrl}/graphql  (tokens: POST ${gatewayUrl}/dev/token)`,
      `  ${SOCIAL_INSURANCE_SUBGRAPH.padEnd(17)} ${agencyUrl}/graphql`,
      '',
      `Primary-care facility codes look like ${facility}; README.md, "Federation", has a query spanning both subgraphs.`,
      '',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof ConfigError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

import type { RegistryName } from '../connectors/types';
import type { RegistryServer } from './createRegistryServer';
import { loadOrGenerateDataset } from './data/datasetCache';
import type { MockDataset } from './data/types';
import { createDocumentsRegistry, createPopulationRegistry, createResidenceRegistry } from './registries';

export interface MockRegistriesOptions {
  seed: string;
  size: number;
  latency?: { minMs: number; maxMs: number };
  host?: string;
  /** Port per registry; 0 (the default) picks a free one. */
  ports?: Partial<Record<RegistryName, number>>;
  /** Reuse an already generated dataset instead of generating one. */
  dataset?: MockDataset;
  /** Where generated datasets are kept between starts (generation costs seconds); none: always generate. */
  cacheDir?: string;
}

export interface MockRegistries {
  dataset: MockDataset;
  servers: Record<RegistryName, RegistryServer>;
  urls: Record<RegistryName, string>;
  stop(): Promise<void>;
}

/** Generates the data once and serves it from three independent registry services. */
export async function startMockRegistries(options: MockRegistriesOptions): Promise<MockRegistries> {
  const dataset = options.dataset ?? loadOrGenerateDataset({ seed: options.seed, size: options.size }, options.cacheDir ?? null);
  const servers: Record<RegistryName, RegistryServer> = {
    POPULATION: createPopulationRegistry(dataset, { latency: options.latency }),
    RESIDENCE: createResidenceRegistry(dataset, { latency: options.latency }),
    DOCUMENTS: createDocumentsRegistry(dataset, { latency: options.latency }),
  };
  const entries = Object.entries(servers) as [RegistryName, RegistryServer][];
  const urls = Object.fromEntries(
    await Promise.all(entries.map(async ([name, s]) => [name, await s.listen(options.ports?.[name] ?? 0, options.host)] as const)),
  ) as Record<RegistryName, string>;
  return {
    dataset,
    servers,
    urls,
    stop: async () => {
      await Promise.all(entries.map(([, s]) => s.close()));
    },
  };
}

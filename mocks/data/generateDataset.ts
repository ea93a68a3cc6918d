import { FamilyGenerator } from './FamilyGenerator';
import { HouseholdBuilder } from './HouseholdBuilder';
import { issueDocuments } from './issueDocuments';
import { pickPersonas } from './personas';
import { createRandom } from './random';
import type { MockDataset } from './types';

export interface DatasetOptions {
  /** Same seed, same data. */
  seed: string;
  /** Minimum number of citizens, living and dead; the last families generated may overshoot it. */
  size: number;
  /** The date the data describes (ages, validity, deaths). Fixed so data does not drift. */
  asOf?: string;
}

const DEFAULT_AS_OF = '2026-07-01';

/**
 * Generates the three registries' data from a seed: families over five generations with
 * births, marriages, divorces and deaths, the households they live in today, every citizen's
 * residence history, and the documents issued to them, all mutually consistent.
 */
export function generateDataset(options: DatasetOptions): MockDataset {
  if (!Number.isInteger(options.size) || options.size < 1) {
    throw new Error(`generateDataset() needs a positive integer size, but got: ${String(options.size)}`);
  }
  const asOf = options.asOf ?? DEFAULT_AS_OF;
  const rng = createRandom(options.seed);
  const gen = new FamilyGenerator(rng, asOf);
  while (gen.people.size < options.size) gen.batch();
  gen.settleMaritalStatuses();
  const { households, residences } = new HouseholdBuilder(rng, asOf, gen).build();
  const documents = issueDocuments(rng, asOf, gen, residences);
  const dataset: MockDataset = { seed: options.seed, asOf, people: gen.people, residences, households, documents, personas: [] };
  dataset.personas = pickPersonas(dataset);
  return dataset;
}

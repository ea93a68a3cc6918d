import path from 'node:path';
import { loadOrGenerateDataset } from '../../mocks/data/datasetCache';
import type { MockDataset } from '../../mocks/data/types';
import { localCacheDir } from '../../src/paths';

let cachedDataset: MockDataset | undefined;

/** The default dataset, opened once per test file (each file changes its own copy). */
export function testDataset(): MockDataset {
  // Stored between test files and runs (generating it costs seconds of CPU); records are read as they are asked for.
  cachedDataset ??= loadOrGenerateDataset({ seed: 'vn-registry-gateway', size: 20_000 }, path.join(localCacheDir(), 'mock-datasets'));
  return cachedDataset;
}

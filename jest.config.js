/**
 * Two tiers. `fast`: the decision table, operation analysis, prefill, the registry cache,
 * the audit hash chain, the schema and catalogue checks — no HTTP, no database server, no
 * Redis (`npm run test:fast`, a few seconds). `services`: everything over real HTTP, with a
 * private PostgreSQL server for the run and private Redis servers where a test needs one.
 * @type {import('jest').Config}
 */
const shared = {
  testEnvironment: 'node',
  transform: {
    // Type checking is `npm run typecheck`; here files are only transpiled, by esbuild.
    // jose is ESM-only and Jest on Node 20 cannot require(esm), so it is transpiled too.
    '^.+\\.[tj]s$': '<rootDir>/tests/helpers/transform.js',
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
};

const projects = [
  { ...shared, displayName: 'fast', roots: ['<rootDir>/tests/fast'], testMatch: ['**/*.test.ts'] },
  {
    ...shared,
    displayName: 'services',
    roots: ['<rootDir>/tests'],
    testMatch: ['<rootDir>/tests/*.test.ts'],
    // A private PostgreSQL server for the whole run (TEST_DATABASE_ADMIN_URL names another one instead).
    globalSetup: '<rootDir>/tests/helpers/globalSetup.ts',
    globalTeardown: '<rootDir>/tests/helpers/globalTeardown.ts',
  },
];
/** `TEST_TIER=fast` (what `npm run test:fast` sets) runs one tier; file paths after it narrow it further. */
const tier = process.env.TEST_TIER;
if (tier && !projects.some((p) => p.displayName === tier)) throw new Error(`TEST_TIER must be one of ${projects.map((p) => p.displayName).join(', ')}`);

module.exports = {
  projects: tier ? projects.filter((p) => p.displayName === tier) : projects,
  // A deadline for a hung test, not a measure: generous, so a busy machine slows the suite but never fails it.
  testTimeout: 120_000,
  // Most service tests wait on processes of their own (gateways, PostgreSQL, Chromium), so more
  // workers than cores; but each extra one costs CPU in contention. Measured on two cores with
  // every cache emptied (Jest's, node_modules/.cache, tsx's), in alternating runs: three workers
  // 282 s and 276 s (473 and 459 CPU-seconds), four 384 s and 307 s (587 and 517), two 328 s.
  maxWorkers: 3,
};

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createStore } from '../../src/store/createStore';
import { defaultTemplateDir } from '../../src/store/embeddedTemplate';
import { removeOnExit, startPostgresInstance, type PostgresInstance } from './postgresInstance';
import { testDataset } from './testDataset';

/** Shared with globalTeardown.ts, which Jest runs in this same process. */
export const SERVER = Symbol.for('vn-registry-gateway.test-postgres');

/**
 * Once per Jest run: a private PostgreSQL server on a free port, on which every test
 * file creates its own databases (database.ts). Its URL reaches the test
 * files through `TEST_DATABASE_ADMIN_URL`, which, when already set, names a server to
 * use instead.
 */
export default async function globalSetup(): Promise<void> {
  await prepareLocalCache();
  if (process.env.TEST_DATABASE_ADMIN_URL) return;
  const server = await startPostgresInstance();
  (globalThis as Record<symbol, PostgresInstance>)[SERVER] = server;
  // Interrupted runs skip the teardown; the server still goes with the process.
  removeOnExit(server);
  process.env.TEST_DATABASE_ADMIN_URL = server.url;
}

/**
 * On a fresh clone, the mock dataset (about 4 CPU-seconds) and the embedded store's template
 * (about 8) are made here, once, before the workers start: otherwise each of the first test
 * files, and the gateways they start, makes its own at the same time. Elsewhere this finds
 * both in node_modules/.cache and costs a few milliseconds.
 */
async function prepareLocalCache(): Promise<void> {
  testDataset();
  const template = defaultTemplateDir();
  if (!template || existsSync(path.join(template, 'PG_VERSION'))) return;
  const dir = mkdtempSync(path.join(tmpdir(), 'gw-template-'));
  try {
    await (await createStore({ databaseUrl: null, dataDir: dir })).close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

import { removeOnExit, startPostgresInstance, type PostgresInstance } from './postgresInstance';

/** Shared with globalTeardown.ts, which Jest runs in this same process. */
export const SERVER = Symbol.for('vn-registry-gateway.test-postgres');

/**
 * Once per Jest run: a private PostgreSQL server on a free port, on which every test
 * file creates its own databases (database.ts). Its URL reaches the test
 * files through `TEST_DATABASE_ADMIN_URL`, which, when already set, names a server to
 * use instead.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_DATABASE_ADMIN_URL) return;
  const server = await startPostgresInstance();
  (globalThis as Record<symbol, PostgresInstance>)[SERVER] = server;
  // Interrupted runs skip the teardown; the server still goes with the process.
  removeOnExit(server);
  process.env.TEST_DATABASE_ADMIN_URL = server.url;
}

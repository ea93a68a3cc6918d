import { SERVER } from './globalSetup';
import type { PostgresInstance } from './postgresInstance';

/** Stops and removes the private PostgreSQL server that globalSetup.ts started, if it did. */
export default async function globalTeardown(): Promise<void> {
  const holder = globalThis as Record<symbol, PostgresInstance | undefined>;
  const server = holder[SERVER];
  if (!server) return;
  holder[SERVER] = undefined;
  delete process.env.TEST_DATABASE_ADMIN_URL;
  server.destroy();
}

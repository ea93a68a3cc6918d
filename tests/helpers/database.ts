import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { removeOnExit, startPostgresInstance } from './postgresInstance';

let ownServer: Promise<string> | undefined;

/**
 * The PostgreSQL server test databases are created on: `TEST_DATABASE_ADMIN_URL`, which
 * the test run's global setup points at the private server it starts (globalSetup.ts)
 * unless it was set already; outside Jest (the bench), a private server of this
 * process's own, removed when the process exits. Nothing expects a server at 5432.
 */
export async function adminUrl(): Promise<string> {
  const configured = process.env.TEST_DATABASE_ADMIN_URL;
  if (configured) return configured;
  ownServer ??= startPostgresInstance().then((server) => {
    removeOnExit(server);
    return server.url;
  });
  return ownServer;
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A fresh, empty database for one test file; dropped afterwards. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const admin = await adminUrl();
  const name = `gw_test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

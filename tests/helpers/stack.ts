import type { FaultMode } from '../../mocks/createRegistryServer';
import type { MockDataset } from '../../mocks/data/types';
import { startMockRegistries, type MockRegistries } from '../../mocks/startMockRegistries';
import type { RegistryName } from '../../connectors/types';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { loadConfig } from '../../src/config';
import { createGateway, type Gateway } from '../../src/createGateway';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestDatabase } from './database';
import { testDataset } from './testDataset';
import { createLogger } from '../../src/logger';

export interface GraphQLResponse {
  status: number;
  headers: Headers;
  body: {
    data?: Record<string, unknown> | null;
    errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  };
}

export interface Stack {
  url: string;
  gateway: Gateway;
  mocks: MockRegistries;
  dataset: MockDataset;
  /** The environment the gateway was configured from (store, data directory, ...). */
  env: Record<string, string>;
  /** Everything the gateway logged so far (debug level), as JSON lines. */
  logs(): string;
  /** A persona's personal ID by key (see mocks/data/personas.ts). */
  persona(key: string): string;
  citizenToken(personalId: string): Promise<string>;
  /** An official's token; by default the Hà Nội police, scoped to process residence (CT01_RESIDENCE). */
  agencyToken(agency?: string, scopes?: string[]): Promise<string>;
  graphql(query: string, options?: { variables?: unknown; token?: string; headers?: Record<string, string> }): Promise<GraphQLResponse>;
  /** Data requests each registry has received, read over HTTP from the mocks. */
  registryCalls(): Promise<Record<RegistryName, number>>;
  resetRegistryCalls(): Promise<void>;
  fault(registry: RegistryName, mode: FaultMode, latencyMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export { testDataset };

const REGISTRIES: RegistryName[] = ['POPULATION', 'RESIDENCE', 'DOCUMENTS'];

/**
 * Starts the three mock registries and a gateway on free ports, over real HTTP, with
 * the embedded identity provider unless `env` says otherwise. The store is a fresh
 * database on the test run's own PostgreSQL server (tests/helpers/globalSetup.ts), or the embedded one when `store` says so.
 */
export async function startStack(
  env: Record<string, string> = {},
  options: { store?: 'postgres' | 'embedded'; mocks?: MockRegistries; now?: () => Date; traceExporter?: SpanExporter } = {},
): Promise<Stack> {
  const database = options.store === 'embedded' || env.DATABASE_URL ? null : await createTestDatabase();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'gw-test-'));
  const fullEnv: Record<string, string> = {
    NODE_ENV: 'development',
    PORT: '0',
    MOCK_LATENCY_MS: '1-3',
    DATA_DIR: dataDir,
    // Most tests count registry calls; the cache is switched on by the tests about it.
    CACHE_MODE: 'off',
    // Every audited answer is walked too and compared with its operation's disclosure plan; stop() fails on a disagreement.
    AUDIT_PLAN_CHECK: 'on',
    ...(database ? { DATABASE_URL: database.url } : {}),
    ...env,
  };
  const config = loadConfig(fullEnv);
  const dataset = testDataset();
  const ownMocks = !options.mocks;
  const mocks = options.mocks ?? (await startMockRegistries({ seed: dataset.seed, size: dataset.people.size, latency: config.mocks.latency, dataset }));
  // Logs are kept, at debug level, and checked for personal data when the stack stops.
  const logLines: string[] = [];
  const logger = createLogger('debug', { write: (line: string) => void logLines.push(line) });
  const gateway = await createGateway({ config, registryUrls: mocks.urls, logger, now: options.now, traceExporter: options.traceExporter });
  const url = await gateway.listen();
  if (config.cache.webhookSecret) {
    for (const server of Object.values(mocks.servers)) server.addWebhook({ url: `${url}/internal/registry-events`, secret: config.cache.webhookSecret });
  }

  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return (await res.json()) as { token: string };
  };

  return {
    url,
    gateway,
    mocks,
    dataset,
    env: fullEnv,
    logs: () => logLines.join(''),
    persona(key) {
      const p = dataset.personas.find((x) => x.key === key);
      if (!p) throw new Error(`no persona "${key}"; have: ${dataset.personas.map((x) => x.key).join(', ')}`);
      return p.personalId;
    },
    citizenToken: async (personalId) => (await post('/dev/token', { role: 'citizen', sub: personalId })).token,
    agencyToken: async (agency = 'CA_HN', scopes = ['residence.process']) =>
      (await post('/dev/token', { role: 'agency', sub: 'canbo.01', agency, scopes })).token,
    async graphql(query, options = {}) {
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...options.headers,
        },
        body: JSON.stringify({ query, variables: options.variables }),
      });
      const body = (await res.json()) as GraphQLResponse['body'];
      // Every error says what it means in Vietnamese, for the people who read it.
      for (const e of body.errors ?? []) {
        if (typeof e.extensions?.messageVi !== 'string' || !/[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹáàãéèíìóòõúùýđ]/i.test(e.extensions.messageVi)) {
          throw new Error(`an error without a Vietnamese message: ${JSON.stringify(e).slice(0, 300)}`);
        }
      }
      return { status: res.status, headers: res.headers, body };
    },
    async registryCalls() {
      const entries = await Promise.all(
        REGISTRIES.map(async (name) => {
          const stats = (await (await fetch(`${mocks.urls[name]}/__stats`)).json()) as { requests: number };
          return [name, stats.requests] as const;
        }),
      );
      return Object.fromEntries(entries) as Record<RegistryName, number>;
    },
    async resetRegistryCalls() {
      await Promise.all(REGISTRIES.map((name) => fetch(`${mocks.urls[name]}/__stats/reset`, { method: 'POST' })));
    },
    async fault(registry, mode, latencyMs) {
      const res = await fetch(`${mocks.urls[registry]}/__faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ mode, latencyMs }),
      });
      if (!res.ok) throw new Error(`setting fault ${mode} on ${registry} failed: ${res.status}`);
    },
    async stop() {
      await gateway.stop();
      assertNoPersonalData(logLines.join(''), dataset);
      const mismatch = logLines.find((l) => l.includes('disclosure plan and walk of the answer disagree'));
      if (mismatch) throw new Error(`an audit entry's disclosure plan and the walk of its answer disagree: ${mismatch.slice(0, 600)}`);
      if (ownMocks) await mocks.stop();
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The error codes of a response, in order. */
/**
 * The value of the sample of `name` whose labels include every one of `labels` (comma-separated,
 * e.g. `registry="POPULATION",result="hit"`), or of its unlabelled sample when `labels` is empty;
 * throws when /metrics has no such sample.
 */
export async function metric(stack: Stack, name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${stack.url}/metrics`)).text();
  const line = text
    .split('\n')
    .find((l) => (labels ? l.startsWith(`${name}{`) && labels.split(',').every((p) => l.includes(p)) : l.startsWith(`${name} `)));
  if (!line) throw new Error(`no metric ${name}{${labels}}`);
  return Number(line.split(' ').pop());
}

export function codes(res: GraphQLResponse): unknown[] {
  return (res.body.errors ?? []).map((e) => e.extensions?.code);
}

/** A response body as JSON, loosely typed for assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function json(res: Response): Promise<any> {
  return res.json();
}

/**
 * Logs must hold no personal ID, name or address. IDs are 12 digits (masked IDs have
 * asterisks); names and addresses are Vietnamese, so any non-ASCII letter is suspect.
 */
export function assertNoPersonalData(logs: string, dataset: MockDataset): void {
  const ids = (logs.match(/(?<!\d)\d{12}(?!\d)/g) ?? []).filter((id) => dataset.people.has(id));
  const line = logs.split('\n').find((l) => /[^\x00-\x7F]/.test(l));
  if (ids.length > 0 || line) {
    throw new Error(`the gateway logged personal data: ${ids.length} personal ID(s)${line ? `; a non-ASCII line: ${line.replace(/\d{6,}/g, '***').slice(0, 300)}` : ''}`);
  }
}

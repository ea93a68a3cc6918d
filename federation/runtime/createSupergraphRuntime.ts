import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';
import { Logger } from '@graphql-hive/logger';
import httpTransport from '@graphql-mesh/transport-http';

/**
 * Headers a client's request carries to every subgraph. The token goes through untouched:
 * the registry gateway authenticates it again and never takes the router's word for who
 * calls. The purpose and case id are the caller's declaration, `traceparent` continues
 * the caller's trace, and the request id (the router makes one when the client sends
 * none) ties the subgraphs' audit and logs to one supergraph operation.
 */
export const FORWARDED_HEADERS = ['authorization', 'x-purpose', 'x-case-id', 'traceparent'] as const;

/**
 * Settings the runtime serves with, and plans with when router operations are captured
 * for a persisted-operation manifest (captureRouterOperations.ts). Requests to one
 * subgraph are not merged: merging depends on which fetches happen to coincide, so the
 * text of what reaches a subgraph would depend on timing, not on the client operation
 * alone. (`_entities` still takes all the representations of one fetch in one call.)
 */
export const SUPERGRAPH_RUNTIME_SETTINGS = { __experimental__batchExecution: false } as const;

/** What the runtime serves and where it finds the subgraphs. */
export interface SupergraphRuntimeOptions {
  /** The supergraph SDL (federation/supergraph.graphql). */
  supergraph: string;
  /** Subgraph GraphQL endpoints by subgraph name, in place of the URLs composed into the supergraph. */
  subgraphUrls: Readonly<Record<string, string>>;
  /** Where the runtime's warnings and errors go, one JSON line each. */
  log?: (line: string) => void;
}

/** A supergraph runtime listening on its own port. */
export interface SupergraphRuntime {
  /** Starts listening; resolves with the base URL (GraphQL at `<url>/graphql`). */
  listen(port?: number, host?: string): Promise<string>;
  url(): string;
  close(): Promise<void>;
}

/**
 * A JavaScript supergraph runtime (the Hive Gateway runtime, MIT) serving a composed
 * supergraph over real HTTP: it plans each operation across the subgraphs, calls
 * `_entities` for what another subgraph holds, forwards FORWARDED_HEADERS and a request
 * id, and passes subgraph errors through at the client's paths. Stands in for an
 * agency's router in development and tests.
 */
export function createSupergraphRuntime(options: SupergraphRuntimeOptions): SupergraphRuntime {
  const write = options.log ?? (() => {});
  const runtime = createGatewayRuntime({
    ...SUPERGRAPH_RUNTIME_SETTINGS,
    supergraph: options.supergraph,
    transports: { http: httpTransport },
    transportEntries: Object.fromEntries(Object.entries(options.subgraphUrls).map(([name, location]) => [name, { location }])),
    propagateHeaders: {
      fromClientToSubgraphs: ({ request }) => Object.fromEntries(FORWARDED_HEADERS.map((name) => [name, request.headers.get(name)])),
    },
    requestId: { headerName: 'x-request-id', generateRequestId: () => traceableRequestId() },
    logging: new Logger({ level: 'warn', writers: [{ write: (level, attrs, msg) => write(`${JSON.stringify({ level, msg, ...attrs })}\n`) }] }),
    landingPage: false,
    graphiql: false,
  });
  const server = createServer(runtime);
  let baseUrl = '';
  return {
    url: () => baseUrl,
    listen: (port = 0, host = '127.0.0.1') =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          baseUrl = `http://${host}:${(server.address() as AddressInfo).port}`;
          resolve(baseUrl);
        });
      }),
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await runtime.dispose();
    },
  };
}

/**
 * A request id the registry gateway keeps rather than replaces: it refuses ids with nine
 * or more digits in a row, which could be a personal ID, and a random UUID has such a
 * run now and then.
 */
function traceableRequestId(): string {
  for (;;) {
    const id = randomUUID();
    if (!/\d{9,}/.test(id)) return id;
  }
}

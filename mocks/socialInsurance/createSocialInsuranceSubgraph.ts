import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { execute, GraphQLError, GraphQLScalarType, parse, validate, type DocumentNode, type ExecutionResult } from 'graphql';
import { packageRoot } from '../../src/paths';
import type { MockDataset } from '../data/types';
import { createSocialInsuranceRecords, type SocialInsuranceRecords } from './createSocialInsuranceRecords';

/** What the subgraph noted of one GraphQL request: the headers that trace it, never a token. */
export interface SubgraphRequest {
  requestId: string | null;
  traceparent: string | null;
  /** Whether a bearer token came along (the subgraph does not judge it: a mock). */
  authorization: boolean;
  query: string;
}

/** The citizens the agency holds records about: the mock registries' dataset. */
export interface SocialInsuranceSubgraphOptions {
  dataset: MockDataset;
}

/** A running (or ready to run) social insurance subgraph. */
export interface SocialInsuranceSubgraph {
  /** The subgraph's SDL, as composition reads it. */
  readonly sdl: string;
  readonly records: SocialInsuranceRecords;
  /** Starts listening; resolves with the base URL (GraphQL at `<url>/graphql`). */
  listen(port?: number, host?: string): Promise<string>;
  url(): string;
  /** GraphQL requests received so far, oldest first. */
  requests(): SubgraphRequest[];
  close(): Promise<void>;
}

/** The subgraph's name in a supergraph. */
export const SOCIAL_INSURANCE_SUBGRAPH = 'social-insurance';
const MAX_BODY_BYTES = 1_000_000;
const MAX_FIRST = 50;

/**
 * A mock agency subgraph — Vietnam Social Security — over real HTTP: `Citizen` extended
 * with `socialInsurance` from records derived from the mock registries' dataset, and
 * root fields that return citizens, whose registry data a supergraph asks of the
 * gateway's `_entities`. It trusts whoever calls it: a stand-in for an agency's own
 * service, not a model of one.
 */
export function createSocialInsuranceSubgraph(options: SocialInsuranceSubgraphOptions): SocialInsuranceSubgraph {
  const records = createSocialInsuranceRecords(options.dataset);
  const sdl = readSocialInsuranceSdl();
  const schema = buildSubgraphSchema({
    typeDefs: parse(sdl),
    resolvers: {
      PersonalId: new GraphQLScalarType({ name: 'PersonalId' }),
      Query: {
        insuredByFacility: (_source: unknown, args: { code: string; first: number }) => {
          if (!Number.isInteger(args.first) || args.first < 1 || args.first > MAX_FIRST) {
            throw new GraphQLError(`first is 1 to ${MAX_FIRST}`, { extensions: { code: 'BAD_USER_INPUT' } });
          }
          return (records.byFacility.get(args.code) ?? []).slice(0, args.first).map((id) => ({ id }));
        },
        socialInsuranceCase: (_source: unknown, args: { number: string }) => {
          const id = records.byNumber.get(args.number);
          return id ? { id } : null;
        },
      },
      Citizen: {
        __resolveReference: (reference: { id?: unknown }) => (typeof reference.id === 'string' ? { id: reference.id } : null),
        socialInsurance: (citizen: { id: string }) => {
          return records.byCitizen.get(citizen.id) ?? null;
        },
      },
    },
  });
  const received: SubgraphRequest[] = [];
  let baseUrl = '';

  const send = (res: ServerResponse, status: number, body: unknown): void => {
    const json = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
    res.end(json);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST' || new URL(req.url ?? '/', 'http://subgraph.invalid').pathname !== '/graphql') {
      return send(res, 404, { errors: [{ message: 'POST /graphql only' }] });
    }
    const body = (await readJson(req)) as { query?: unknown; variables?: unknown; operationName?: unknown } | null;
    if (!body || typeof body.query !== 'string') return send(res, 400, { errors: [{ message: 'a JSON body with a query is required' }] });
    received.push({
      requestId: header(req, 'x-request-id'),
      traceparent: header(req, 'traceparent'),
      authorization: header(req, 'authorization') !== null,
      query: body.query,
    });
    let document: DocumentNode;
    try {
      document = parse(body.query, { maxTokens: 5000 });
    } catch (err) {
      return send(res, 400, { errors: [{ message: (err as Error).message }] });
    }
    const errors = validate(schema, document);
    if (errors.length > 0) return send(res, 400, { errors: errors.map((e) => ({ message: e.message })) });
    const result = (await execute({
      schema,
      document,
      variableValues: (body.variables ?? undefined) as Record<string, unknown> | undefined,
      operationName: typeof body.operationName === 'string' ? body.operationName : undefined,
    })) as ExecutionResult;
    send(res, 200, { data: result.data, ...(result.errors ? { errors: result.errors.map((e) => ({ message: e.message, path: e.path, extensions: { code: e.extensions.code } })) } : {}) });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => send(res, 500, { errors: [{ message: 'internal error' }] }));
  });

  return {
    sdl,
    records,
    url: () => baseUrl,
    requests: () => [...received],
    listen: (port = 0, host = '127.0.0.1') =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          baseUrl = `http://${host}:${(server.address() as AddressInfo).port}`;
          resolve(baseUrl);
        });
      }),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The subgraph's SDL file, as composition reads it. */
export function readSocialInsuranceSdl(): string {
  return readFileSync(path.join(packageRoot(), 'mocks', 'socialInsurance', 'schema.graphql'), 'utf8');
}

function header(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  return typeof value === 'string' ? value : null;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return null;
  }
}

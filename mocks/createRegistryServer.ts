import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signRegistryEvent } from '../src/http/registryEvents';

/** How a mock registry misbehaves, set through `POST /__faults`. */
export type FaultMode = 'ok' | 'down' | 'slow' | 'error' | 'hang';
export const FAULT_MODES: readonly FaultMode[] = ['ok', 'down', 'slow', 'error', 'hang'];

export interface Fault {
  mode: FaultMode;
  /** For `slow`: the delay before answering. */
  latencyMs: number;
}

export interface Reply {
  status: number;
  body: unknown;
}

export interface RegistryRequest {
  /** Capture groups of the route pattern, URI-decoded. */
  params: string[];
  query: URLSearchParams;
  body: unknown;
  /** Tells subscribers (webhooks) that these records changed. */
  notify(ids: string[]): void;
}

export interface Route {
  method: 'GET' | 'POST' | 'PATCH';
  /** Route name for the request counters, e.g. `citizens.batchGet`. */
  name: string;
  pattern: RegExp;
  handle(request: RegistryRequest): Reply;
}

export interface RegistryStats {
  /** Data requests received (everything but `/__*`), including failed ones. */
  requests: number;
  byRoute: Record<string, number>;
  /** Requests whose client went away before an answer (timeouts, aborts). */
  aborted: number;
  /** Change events delivered to webhooks, and delivery attempts that failed (5xx and network failures are tried again, up to 8 times). */
  webhooksSent: number;
  webhookFailures: number;
  /** The W3C traceparent headers of the last data requests (at most 20). */
  traceparents: string[];
}

export interface Webhook {
  url: string;
  secret: string;
}

export interface RegistryServerOptions {
  name: string;
  routes: Route[];
  /** Base latency added to every data request, uniformly in [minMs, maxMs]. */
  latency?: { minMs: number; maxMs: number };
  /** Extra development routes under `/__`, e.g. personas. */
  adminRoutes?: Route[];
}

export interface RegistryServer {
  readonly name: string;
  readonly server: Server;
  /** Base URL once listening, e.g. `http://127.0.0.1:41234`. */
  url(): string;
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
  stats(): RegistryStats;
  resetStats(): void;
  setFault(fault: Partial<Fault> & { mode: FaultMode }): void;
  /** Change events go to this URL, signed with the secret (X-Registry-Signature). */
  addWebhook(webhook: Webhook): void;
}

const MAX_BODY_BYTES = 1_000_000;
/** Deliveries of one change event to a subscriber that keeps failing, the first included. */
const WEBHOOK_ATTEMPTS = 8;
/** Wait before the second delivery; it doubles for each one after (0.1 s to 6.4 s, 12.7 s in all). */
const WEBHOOK_RETRY_BASE_MS = 100;

/** A registry error body in the style of resource-oriented APIs. */
export function errorReply(status: number, reason: string, message: string): Reply {
  return { status, body: { error: { code: status, status: reason, message } } };
}

/**
 * An HTTP service that behaves like a remote registry: real sockets, latency,
 * request counters, and switchable faults for watching the gateway under failure.
 */
export function createRegistryServer(options: RegistryServerOptions): RegistryServer {
  const latency = options.latency ?? { minMs: 5, maxMs: 20 };
  if (!(latency.minMs >= 0 && latency.maxMs >= latency.minMs)) {
    throw new Error(`latency must satisfy 0 <= minMs <= maxMs, but got: ${JSON.stringify(latency)}`);
  }
  let fault: Fault = { mode: 'ok', latencyMs: 0 };
  const emptyStats = (): RegistryStats => ({ requests: 0, byRoute: {}, aborted: 0, webhooksSent: 0, webhookFailures: 0, traceparents: [] });
  let stats: RegistryStats = emptyStats();
  const webhooks: Webhook[] = [];
  const retries = new Set<NodeJS.Timeout>();
  /** One delivery attempt; a subscriber that is down or answers 5xx gets the same event again, later. */
  const deliver = (hook: Webhook, body: string, attempt: number): void => {
    const again = () => {
      if (attempt + 1 >= WEBHOOK_ATTEMPTS) return;
      const timer = setTimeout(() => {
        retries.delete(timer);
        deliver(hook, body, attempt + 1);
      }, WEBHOOK_RETRY_BASE_MS * 2 ** attempt);
      timer.unref();
      retries.add(timer);
    };
    fetch(hook.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-registry-signature': signRegistryEvent(hook.secret, body) },
      body,
      signal: AbortSignal.timeout(2000),
    }).then(
      (res) => {
        if (res.ok) {
          stats.webhooksSent++;
          return;
        }
        stats.webhookFailures++;
        // A refusal (bad signature, replay, stale date) will not change; a failure may.
        if (res.status >= 500 || res.status === 429) again();
      },
      () => {
        stats.webhookFailures++;
        again();
      },
    );
  };
  const notify = (ids: string[]): void => {
    // Each event is unique and dated, so that a receiver can refuse a replayed or stale one.
    const body = JSON.stringify({ registry: options.name, ids, changedAt: new Date().toISOString(), eventId: randomUUID() });
    for (const hook of webhooks) deliver(hook, body, 0);
  };
  const hanging = new Set<ServerResponse>();
  let baseUrl = '';

  const send = (res: ServerResponse, reply: Reply): void => {
    if (res.destroyed) return;
    const json = JSON.stringify(reply.body);
    res.writeHead(reply.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
    res.end(json);
  };

  const adminRoutes: Route[] = [
    {
      method: 'GET',
      name: '__stats',
      pattern: /^\/__stats$/,
      handle: () => ({ status: 200, body: stats }),
    },
    {
      method: 'POST',
      name: '__stats.reset',
      pattern: /^\/__stats\/reset$/,
      handle: () => {
        stats = emptyStats();
        return { status: 200, body: stats };
      },
    },
    {
      method: 'GET',
      name: '__faults',
      pattern: /^\/__faults$/,
      handle: () => ({ status: 200, body: fault }),
    },
    {
      method: 'POST',
      name: '__faults.set',
      pattern: /^\/__faults$/,
      handle: ({ body }) => {
        const parsed = parseFault(body);
        if (typeof parsed === 'string') return errorReply(400, 'INVALID_ARGUMENT', parsed);
        fault = parsed;
        return { status: 200, body: fault };
      },
    },
    {
      method: 'POST',
      name: '__webhooks.add',
      pattern: /^\/__webhooks$/,
      handle: ({ body }) => {
        const { url, secret } = (body ?? {}) as Record<string, unknown>;
        if (typeof url !== 'string' || !/^https?:\/\/\S+$/.test(url) || typeof secret !== 'string' || secret.length < 16) {
          return errorReply(400, 'INVALID_ARGUMENT', 'body must be {"url": "http(s)://...", "secret": "<at least 16 characters>"}');
        }
        webhooks.push({ url, secret });
        return { status: 201, body: { url } };
      },
    },
    ...(options.adminRoutes ?? []),
  ];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://registry.invalid');
    const isAdmin = url.pathname.startsWith('/__');
    const routes = isAdmin ? adminRoutes : options.routes;
    const byPath = routes.filter((r) => r.pattern.test(url.pathname));
    const route = byPath.find((r) => r.method === req.method);

    let body: unknown;
    try {
      body = req.method === 'POST' || req.method === 'PATCH' ? await readJson(req) : undefined;
    } catch (err) {
      send(res, errorReply(400, 'INVALID_ARGUMENT', (err as Error).message));
      return;
    }
    if (isAdmin) {
      if (!route) return send(res, errorReply(404, 'NOT_FOUND', 'no such admin route'));
      return send(res, route.handle(requestFor(route, url, body, notify)));
    }

    stats.requests++;
    const traceparent = req.headers.traceparent;
    if (typeof traceparent === 'string') stats.traceparents = [...stats.traceparents.slice(-19), traceparent];
    const routeName = route?.name ?? 'unmatched';
    stats.byRoute[routeName] = (stats.byRoute[routeName] ?? 0) + 1;
    res.on('close', () => {
      if (!res.writableFinished) stats.aborted++;
    });

    switch (fault.mode) {
      case 'down':
        // Like a crashed service behind a load balancer: the connection is cut.
        req.socket.destroy();
        return;
      case 'hang':
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      case 'error':
        await sleep(randomLatency(latency));
        // Deliberately leaky, like a real misconfigured service: must never reach a client.
        return send(res, {
          status: 500,
          body: {
            error: {
              code: 500,
              status: 'INTERNAL',
              message: 'java.sql.SQLRecoverableException: IO Error: Connection reset; db=dancu-prod-01 user=svc_gateway',
            },
          },
        });
      case 'slow':
        await sleep(fault.latencyMs);
        break;
      case 'ok':
        await sleep(randomLatency(latency));
        break;
    }
    if (!route) {
      return send(res, byPath.length > 0 ? errorReply(405, 'METHOD_NOT_ALLOWED', 'method not allowed') : errorReply(404, 'NOT_FOUND', 'no such resource'));
    }
    send(res, route.handle(requestFor(route, url, body, notify)));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => send(res, errorReply(500, 'INTERNAL', 'internal error')));
  });
  // Longer than clients' idle timeout, so a client never reuses a socket we are closing.
  server.keepAliveTimeout = 30_000;

  return {
    name: options.name,
    server,
    url: () => baseUrl,
    listen: (port = 0, host = '127.0.0.1') =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
          resolve(baseUrl);
        });
      }),
    close: () =>
      new Promise((resolve) => {
        for (const res of hanging) res.destroy();
        for (const timer of retries) clearTimeout(timer);
        retries.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
    stats: () => structuredClone(stats),
    resetStats: () => {
      stats = emptyStats();
    },
    addWebhook: (hook) => {
      webhooks.push(hook);
    },
    setFault: (f) => {
      fault = { mode: f.mode, latencyMs: f.latencyMs ?? 0 };
    },
  };
}

function requestFor(route: Route, url: URL, body: unknown, notify: (ids: string[]) => void): RegistryRequest {
  const match = route.pattern.exec(url.pathname) ?? [];
  const params = match.slice(1).map((p) => {
    try {
      return decodeURIComponent(p ?? '');
    } catch {
      return p ?? '';
    }
  });
  return { params, query: url.searchParams, body, notify };
}

function parseFault(body: unknown): Fault | string {
  if (typeof body !== 'object' || body === null) return 'body must be an object {"mode": ..., "latencyMs": ...}';
  const { mode, latencyMs } = body as Record<string, unknown>;
  if (typeof mode !== 'string' || !FAULT_MODES.includes(mode as FaultMode)) {
    return `mode must be one of ${FAULT_MODES.join(', ')}`;
  }
  if (latencyMs !== undefined && !(Number.isInteger(latencyMs) && (latencyMs as number) >= 0 && (latencyMs as number) <= 600_000)) {
    return 'latencyMs must be an integer between 0 and 600000';
  }
  return { mode: mode as FaultMode, latencyMs: (latencyMs as number | undefined) ?? (mode === 'slow' ? 3000 : 0) };
}

function randomLatency({ minMs, maxMs }: { minMs: number; maxMs: number }): number {
  return minMs + Math.random() * (maxMs - minMs);
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new Error('request body is not valid JSON');
  }
}

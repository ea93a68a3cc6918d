import { CircuitBreaker } from './CircuitBreaker';
import { BodyTooLargeError, createHttpTransport, TransportTimeoutError, type Transport } from './httpTransport';
import { UpstreamError } from './UpstreamError';
import type { RegistryName } from './types';

/** Outcome label of one HTTP call to a registry. */
export type UpstreamOutcome = 'ok' | 'not_found' | 'client_error' | 'server_error' | 'rate_limited' | 'timeout' | 'network_error' | 'malformed';

/** Where the client reports what it did; metrics implement it, tests may record it. */
export interface UpstreamObserver {
  /** One HTTP call made (every attempt, retries included). */
  request(registry: RegistryName, outcome: UpstreamOutcome, seconds: number): void;
  /** A call refused by the open circuit, without any I/O. */
  shortCircuit(registry: RegistryName): void;
}

export interface RegistryClientOptions {
  registry: RegistryName;
  baseUrl: string;
  /** Budget for one logical call, retries included. */
  timeoutMs: number;
  /** Extra attempts for idempotent calls after a network error, 5xx or 429. */
  retries: number;
  /** First backoff step; later steps double, with full jitter. */
  retryBaseDelayMs?: number;
  breaker: CircuitBreaker;
  observer?: UpstreamObserver;
  /** Extra headers on every call (e.g. an API key for the registry). */
  headers?: Record<string, string>;
  /** How calls travel; by default HTTP/1.1 with kept-alive connections. */
  transport?: Transport;
  /** Most connections open to the registry at once (default 64). */
  maxSockets?: number;
  random?: () => number;
  /** Largest response body accepted; a registry cannot make the gateway buffer more. */
  maxBodyBytes?: number;
}

/** The span of one HTTP attempt to a registry, while tracing is on. */
export interface AttemptSpan {
  /** The W3C traceparent sent with the attempt: this span's own context. */
  readonly traceparent: string;
  /** `status` is 0 when no answer came (timeout, network error). */
  end(outcome: UpstreamOutcome, status: number): void;
}

/**
 * What a call carries from the request it serves: headers to add (W3C traceparent)
 * and a place to add up that request's registry time.
 */
export interface CallContext {
  headers: Record<string, string>;
  record(registry: RegistryName, ms: number): void;
  /**
   * Starts the span of one attempt (`resend`: how many went before it); present only
   * while tracing is on. Its traceparent then replaces the one in `headers`.
   */
  attempt?(registry: RegistryName, method: string, route: string, resend: number): AttemptSpan;
}

export interface RegistryRequest {
  method: 'GET' | 'POST';
  /** Path and query, appended to the base URL. */
  path: string;
  /** The path's template, without IDs (`/v1/citizens:batchGet`): names the call in traces. */
  route?: string;
  body?: unknown;
  /** Safe to repeat: GETs and batch reads. Only idempotent calls are retried. */
  idempotent: boolean;
  headers?: Record<string, string>;
  call?: CallContext;
}

export type RegistryResponse<T> = { status: 200; body: T } | { status: 404 };

const noopObserver: UpstreamObserver = { request: () => {}, shortCircuit: () => {} };

/**
 * One HTTP client implementation for every registry: a time budget per call
 * (connecting to the last byte), bounded jittered retries for idempotent reads on network errors,
 * 5xx and 429 only, and a circuit breaker. Upstream bodies are parsed for data or
 * dropped; they are never copied into errors.
 */
export class RegistryClient {
  readonly registry: RegistryName;
  readonly breaker: CircuitBreaker;
  private readonly baseUrl: string;
  private readonly observer: UpstreamObserver;
  private readonly transport: Transport;
  private readonly random: () => number;
  private readonly retryBaseDelayMs: number;
  private readonly maxBodyBytes: number;

  constructor(private readonly options: RegistryClientOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new Error(`RegistryClient needs an absolute http(s) baseUrl for ${options.registry}, but got: ${options.baseUrl}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new Error(`RegistryClient needs an http(s) baseUrl for ${options.registry}, but got: ${options.baseUrl}`);
    }
    if (!(options.timeoutMs > 0)) throw new Error(`timeoutMs must be positive, but got: ${options.timeoutMs}`);
    if (!Number.isInteger(options.retries) || options.retries < 0) {
      throw new Error(`retries must be a non-negative integer, but got: ${options.retries}`);
    }
    this.registry = options.registry;
    this.breaker = options.breaker;
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.observer = options.observer ?? noopObserver;
    this.transport = options.transport ?? createHttpTransport({ maxSockets: options.maxSockets ?? 64 });
    this.random = options.random ?? Math.random;
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 25;
    this.maxBodyBytes = options.maxBodyBytes ?? 16 * 1024 * 1024;
  }

  /** Closes the idle connections to the registry. */
  close(): void {
    this.transport.close();
  }

  /**
   * Makes one logical call. Resolves with the parsed body (200) or `{status: 404}`;
   * rejects with an {@link UpstreamError} for everything else.
   */
  async request<T>(req: RegistryRequest): Promise<RegistryResponse<T>> {
    if (!this.breaker.tryAcquire()) {
      this.observer.shortCircuit(this.registry);
      throw new UpstreamError(this.registry, 'unavailable', 'circuit open', true);
    }
    const deadline = Date.now() + this.options.timeoutMs;
    for (let attempt = 0; ; attempt++) {
      const result = await this.attempt<T>(req, deadline, attempt);
      if (result.kind === 'done') {
        this.breaker.succeeded();
        return result.response;
      }
      if (result.kind === 'rejected') {
        // The registry is healthy; it refused this request. Not a breaker failure.
        this.breaker.succeeded();
        throw new UpstreamError(this.registry, 'unavailable', result.detail);
      }
      const retryable = result.kind === 'retryable' && req.idempotent && attempt < this.options.retries;
      const delay = retryable ? this.backoff(attempt, result.retryAfterMs) : 0;
      if (!retryable || Date.now() + delay >= deadline) {
        this.breaker.failed();
        throw new UpstreamError(this.registry, result.kind === 'timeout' ? 'timeout' : 'unavailable', result.detail);
      }
      await new Promise((r) => setTimeout(r, delay));
    }
  }

  private backoff(attempt: number, retryAfterMs: number | undefined): number {
    const cap = this.retryBaseDelayMs * 2 ** attempt;
    const jittered = this.random() * cap;
    return retryAfterMs !== undefined ? Math.max(retryAfterMs, jittered) : jittered;
  }

  private async attempt<T>(
    req: RegistryRequest,
    deadline: number,
    resend: number,
  ): Promise<
    | { kind: 'done'; response: RegistryResponse<T> }
    | { kind: 'rejected'; detail: string }
    | { kind: 'retryable'; detail: string; retryAfterMs?: number }
    | { kind: 'fatal'; detail: string }
    | { kind: 'timeout'; detail: string }
  > {
    const started = performance.now();
    const remaining = Math.max(1, deadline - Date.now());
    const call = req.call;
    // Without a route the span is named by the method alone: a raw path could hold an ID.
    const span = call?.attempt?.(this.registry, req.method, req.route ?? req.method, resend);
    let status = 0;
    const report = (outcome: UpstreamOutcome) => {
      const elapsed = performance.now() - started;
      call?.record(this.registry, elapsed);
      this.observer.request(this.registry, outcome, elapsed / 1000);
      span?.end(outcome, status);
    };
    try {
      const res = await this.transport.send(`${this.baseUrl}${req.path}`, {
        method: req.method,
        headers: {
          accept: 'application/json',
          'user-agent': 'vn-registry-gateway',
          ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...this.options.headers,
          ...(span ? { traceparent: span.traceparent } : call?.headers),
          ...req.headers,
        },
        body: req.body !== undefined ? JSON.stringify(req.body) : undefined,
        timeoutMs: remaining,
        maxBodyBytes: this.maxBodyBytes,
      });
      status = res.status;
      const text = res.text;
      if (status === 200) {
        let body: T;
        try {
          body = JSON.parse(text) as T;
        } catch {
          report('malformed');
          return { kind: 'fatal', detail: 'HTTP 200 with a body that is not JSON' };
        }
        report('ok');
        return { kind: 'done', response: { status: 200, body } };
      }
      if (status === 404) {
        report('not_found');
        return { kind: 'done', response: { status: 404 } };
      }
      if (status === 429) {
        report('rate_limited');
        return { kind: 'retryable', detail: 'HTTP 429', retryAfterMs: retryAfter(res.header('retry-after')) };
      }
      if (status >= 500) {
        report('server_error');
        return { kind: 'retryable', detail: `HTTP ${status}` };
      }
      report('client_error');
      return { kind: 'rejected', detail: `HTTP ${status}` };
    } catch (err) {
      if (err instanceof TransportTimeoutError) {
        report('timeout');
        return { kind: 'timeout', detail: `no answer within ${this.options.timeoutMs} ms` };
      }
      if (err instanceof BodyTooLargeError) {
        report('malformed');
        return { kind: 'fatal', detail: err.message };
      }
      report('network_error');
      const cause = (err as { code?: string }).code ?? (err as Error).name;
      return { kind: 'retryable', detail: `network error (${cause})` };
    }
  }
}

/** Retry-After in seconds (the date form is ignored); undefined when absent or unusable. */
function retryAfter(value: string | undefined): number | undefined {
  if (!value || !/^[0-9]{1,4}$/.test(value)) return undefined;
  return Number(value) * 1000;
}


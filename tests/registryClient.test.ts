import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CircuitBreaker, type BreakerState } from '../connectors/CircuitBreaker';
import { RegistryClient, type UpstreamOutcome } from '../connectors/RegistryClient';
import { UpstreamError } from '../connectors/UpstreamError';

/** A scripted HTTP server: each request takes the next behaviour; records what it received. */
async function scriptedServer(script: ((req: IncomingMessage, res: ServerResponse) => void)[]) {
  const received: { method: string; url: string }[] = [];
  const server: Server = createServer((req, res) => {
    received.push({ method: req.method ?? '', url: req.url ?? '' });
    const step = script[Math.min(received.length - 1, script.length - 1)];
    step?.(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) => (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
};
const hangUp = (req: IncomingMessage) => req.socket.destroy();
const never = () => {};

function client(url: string, options: { retries?: number; timeoutMs?: number; threshold?: number } = {}) {
  const outcomes: UpstreamOutcome[] = [];
  const breaker = new CircuitBreaker({ failureThreshold: options.threshold ?? 5, resetTimeoutMs: 60_000 });
  const c = new RegistryClient({
    registry: 'POPULATION',
    baseUrl: url,
    timeoutMs: options.timeoutMs ?? 500,
    retries: options.retries ?? 2,
    retryBaseDelayMs: 1,
    breaker,
    observer: { request: (_r, outcome) => outcomes.push(outcome), shortCircuit: () => outcomes.push('short' as UpstreamOutcome) },
  });
  return { c, outcomes, breaker };
}

const read = { method: 'GET' as const, path: '/v1/x', idempotent: true };

describe('RegistryClient', () => {
  it('retries a 503 and returns the later success', async () => {
    const s = await scriptedServer([json(503, { error: 'busy' }), json(200, { ok: true })]);
    const { c, outcomes } = client(s.url);
    await expect(c.request(read)).resolves.toEqual({ status: 200, body: { ok: true } });
    expect(outcomes).toEqual(['server_error', 'ok']);
    await s.close();
  });

  it('retries a 429 and a dropped connection', async () => {
    const s = await scriptedServer([json(429, {}, { 'retry-after': '0' }), hangUp, json(200, { ok: 1 })]);
    const { c, outcomes } = client(s.url);
    await expect(c.request(read)).resolves.toMatchObject({ status: 200 });
    expect(outcomes).toEqual(['rate_limited', 'network_error', 'ok']);
    await s.close();
  });

  it('gives up after the retry bound with UPSTREAM unavailable, never quoting the body', async () => {
    const s = await scriptedServer([json(500, { error: 'ORA-00942: table or view does not exist' })]);
    const { c } = client(s.url, { retries: 2 });
    const err = (await c.request(read).catch((e: unknown) => e)) as UpstreamError;
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err.failure).toBe('unavailable');
    expect(err.message).not.toMatch(/ORA/);
    expect(s.received).toHaveLength(3);
    await s.close();
  });

  it.each([400, 401, 403, 422])('does not retry a %i and does not count it against the breaker', async (status) => {
    const s = await scriptedServer([json(status, {})]);
    const { c, breaker } = client(s.url, { threshold: 1 });
    await expect(c.request(read)).rejects.toBeInstanceOf(UpstreamError);
    expect(s.received).toHaveLength(1);
    expect(breaker.state()).toBe('closed');
    await s.close();
  });

  it('returns 404 as a value, not an error', async () => {
    const s = await scriptedServer([json(404, { error: 'not found' })]);
    await expect(client(s.url).c.request(read)).resolves.toEqual({ status: 404 });
    await s.close();
  });

  it('does not retry a call that is not idempotent', async () => {
    const s = await scriptedServer([json(503, {})]);
    await expect(client(s.url).c.request({ method: 'POST', path: '/v1/write', body: {}, idempotent: false })).rejects.toBeInstanceOf(UpstreamError);
    expect(s.received).toHaveLength(1);
    await s.close();
  });

  it('times out a hanging registry within its budget, without retrying', async () => {
    const s = await scriptedServer([never]);
    const err = (await client(s.url, { timeoutMs: 100 }).c.request(read).catch((e: unknown) => e)) as UpstreamError;
    expect(err.failure).toBe('timeout');
    expect(s.received).toHaveLength(1);
    await s.close();
  });

  it('treats a 200 that is not JSON as a failure', async () => {
    const s = await scriptedServer([(_q, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>maintenance</html>')]);
    const err = (await client(s.url, { retries: 0 }).c.request(read).catch((e: unknown) => e)) as UpstreamError;
    expect(err.detail).toMatch(/not JSON/);
    await s.close();
  });

  it('refuses a body larger than its bound', async () => {
    const s = await scriptedServer([(_q, res) => res.writeHead(200).end('x'.repeat(2000))]);
    const c = new RegistryClient({ registry: 'DOCUMENTS', baseUrl: s.url, timeoutMs: 500, retries: 0, breaker: new CircuitBreaker({ failureThreshold: 5, resetTimeoutMs: 1000 }), maxBodyBytes: 1000 });
    await expect(c.request(read)).rejects.toThrow(/exceeds 1000/);
    await s.close();
  });

  it('fails fast without I/O once the breaker is open', async () => {
    const s = await scriptedServer([json(500, {})]);
    const { c, breaker, outcomes } = client(s.url, { retries: 0, threshold: 2 });
    await c.request(read).catch(() => {});
    await c.request(read).catch(() => {});
    expect(breaker.state()).toBe('open');
    const err = (await c.request(read).catch((e: unknown) => e)) as UpstreamError;
    expect(err.shortCircuited).toBe(true);
    expect(s.received).toHaveLength(2);
    expect(outcomes).toEqual(['server_error', 'server_error', 'short']);
    await s.close();
  });

  it('refuses a streamed body once it passes its bound, without a declared length', async () => {
    const s = await scriptedServer([
      (_q, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('['.padEnd(800, ' '));
        res.end(''.padEnd(800, ' '));
      },
    ]);
    const c = new RegistryClient({ registry: 'DOCUMENTS', baseUrl: s.url, timeoutMs: 500, retries: 0, breaker: new CircuitBreaker({ failureThreshold: 5, resetTimeoutMs: 1000 }), maxBodyBytes: 1000 });
    await expect(c.request(read)).rejects.toThrow(/exceeds 1000 bytes/);
    await s.close();
  });

  it('keeps connections alive and opens no more than its bound at once', async () => {
    const sockets = new Set<unknown>();
    let open = 0;
    let mostOpen = 0;
    const s = await scriptedServer([
      (req, res) => {
        sockets.add(req.socket);
        open++;
        mostOpen = Math.max(mostOpen, open);
        setTimeout(() => {
          open--;
          json(200, { ok: true })(req, res);
        }, 20);
      },
    ]);
    const c = new RegistryClient({ registry: 'RESIDENCE', baseUrl: s.url, timeoutMs: 2000, retries: 0, breaker: new CircuitBreaker({ failureThreshold: 5, resetTimeoutMs: 1000 }), maxSockets: 2 });
    try {
      const answers = await Promise.all(Array.from({ length: 8 }, () => c.request(read)));
      expect(answers.every((a) => a.status === 200)).toBe(true);
      await c.request(read);
      expect(mostOpen).toBe(2);
      // Nine calls over the same two connections.
      expect(sockets.size).toBe(2);
    } finally {
      c.close();
      await s.close();
    }
  });

  it('counts the wait for a free connection in the time budget', async () => {
    const s = await scriptedServer([never]);
    const c = new RegistryClient({ registry: 'RESIDENCE', baseUrl: s.url, timeoutMs: 150, retries: 0, breaker: new CircuitBreaker({ failureThreshold: 50, resetTimeoutMs: 1000 }), maxSockets: 1 });
    try {
      const errors = (await Promise.all([c.request(read).catch((e: unknown) => e), c.request(read).catch((e: unknown) => e)])) as UpstreamError[];
      // Both end within their budget, as timeouts: the second spent its budget waiting for the
      // connection the first held. (On a busy machine the second may reach the server in the
      // instant between the first's timeout and its own, so the server sees one or two.)
      expect(errors.map((e) => e.failure)).toEqual(['timeout', 'timeout']);
      expect(s.received.length).toBeGreaterThanOrEqual(1);
      expect(s.received.length).toBeLessThanOrEqual(2);
    } finally {
      c.close();
      await s.close();
    }
  });

  it('refuses a base URL that is not http(s), at construction', () => {
    expect(() => client('file:///etc/passwd')).toThrow(/http\(s\) baseUrl/);
  });
});

describe('CircuitBreaker', () => {
  function breaker() {
    let now = 0;
    const changes: BreakerState[] = [];
    const b = new CircuitBreaker({ failureThreshold: 3, resetTimeoutMs: 1000, now: () => now, onStateChange: (s) => changes.push(s) });
    return { b, changes, advance: (ms: number) => (now += ms) };
  }

  it('opens after the threshold of consecutive failures; a success resets the count', () => {
    const { b } = breaker();
    b.failed();
    b.failed();
    b.succeeded();
    b.failed();
    b.failed();
    expect(b.state()).toBe('closed');
    b.failed();
    expect(b.state()).toBe('open');
    expect(b.tryAcquire()).toBe(false);
  });

  it('lets exactly one probe through when half-open, and closes on its success', () => {
    const { b, changes, advance } = breaker();
    for (let i = 0; i < 3; i++) b.failed();
    advance(1000);
    expect(b.state()).toBe('half_open');
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(false);
    b.succeeded();
    expect(b.state()).toBe('closed');
    expect(changes).toEqual(['open', 'half_open', 'closed']);
  });

  it('re-opens at once when the probe fails', () => {
    const { b, advance } = breaker();
    for (let i = 0; i < 3; i++) b.failed();
    advance(1000);
    expect(b.tryAcquire()).toBe(true);
    b.failed();
    expect(b.state()).toBe('open');
    advance(999);
    expect(b.state()).toBe('open');
  });

  it('refuses bad options at construction', () => {
    expect(() => new CircuitBreaker({ failureThreshold: 0, resetTimeoutMs: 1 })).toThrow(/failureThreshold must be a positive integer, but got: 0/);
    expect(() => new CircuitBreaker({ failureThreshold: 1, resetTimeoutMs: -5 })).toThrow(/resetTimeoutMs/);
  });
});

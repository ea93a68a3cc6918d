import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SpanKind, trace, type AttributeValue } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { RegistryName } from '../connectors/types';
import { ConfigError, loadConfig } from '../src/config';
import { startRedis, type RedisSetup } from './helpers/redisInstances';
import { json, startStack, testDataset, type Stack } from './helpers/stack';

const HOUSEHOLD = 'query Household($id: PersonalId!) { citizen(id: $id) { person { fullName } household { members { relationshipToHead } } } }';
const headers = (traceparent: string) => ({ 'x-purpose': 'CT01_RESIDENCE', traceparent });
const PACKAGE_NAME = (JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { name: string }).name;

/**
 * The SDK's in-memory exporter, keeping its spans past shutdown: the gateway shuts its
 * exporter down when it stops, and the spans it flushed then are the ones to look at.
 */
class KeptSpanExporter extends InMemorySpanExporter {
  override shutdown(): Promise<void> {
    return this.forceFlush();
  }
}

/** Polls until `check` holds: the gateway's background work is observed, never waited for by the clock. */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (await check()) return;
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`never happened: ${what}`);
}

async function metric(stack: Stack, name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${stack.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.split(' ').pop()) : 0;
}

async function traceparentsSeen(stack: Stack, registry: RegistryName): Promise<string[]> {
  return (await json(await fetch(`${stack.mocks.urls[registry]}/__stats`))).traceparents as string[];
}

/** Every string a span carries: its name, attribute values, status message, events and links. */
function spanStrings(span: ReadableSpan): string[] {
  const values = (attributes: Record<string, AttributeValue | undefined>) =>
    Object.entries(attributes).flatMap(([k, v]) => [k, ...(Array.isArray(v) ? v.map(String) : [String(v)])]);
  return [
    span.name,
    span.status.message ?? '',
    ...values(span.attributes),
    ...span.events.flatMap((e) => [e.name, ...values(e.attributes ?? {})]),
    ...span.links.flatMap((l) => values(l.attributes ?? {})),
  ];
}

describe('tracing on, with a cache in Redis', () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const callerSpanId = '00f067aa0ba902b7';
  const exporter = new KeptSpanExporter();
  let redis: RedisSetup;
  let subject: string;
  let answer: Awaited<ReturnType<Stack['graphql']>>;
  let sent: Record<'POPULATION' | 'RESIDENCE', string[]>;
  /** Every span exported, and those of the traced request. */
  let all: ReadableSpan[];
  let spans: ReadableSpan[];

  beforeAll(async () => {
    redis = await startRedis();
    const stack = await startStack({ CACHE_MODE: 'redis', ...redis.env }, { traceExporter: exporter });
    try {
      subject = stack.persona('household-of-five');
      await stack.resetRegistryCalls();
      answer = await stack.graphql(HOUSEHOLD, { token: await stack.agencyToken(), variables: { id: subject }, headers: headers(`00-${traceId}-${callerSpanId}-01`) });
      // The records are written back to Redis after the answer; their round trips belong to the trace too.
      await until(async () => (await metric(stack, 'gateway_cache_round_trips_total', 'operation="set"')) >= 2, 'both registries written back to Redis');
      sent = { POPULATION: await traceparentsSeen(stack, 'POPULATION'), RESIDENCE: await traceparentsSeen(stack, 'RESIDENCE') };
    } finally {
      // Stopping exports what the batch processor still holds.
      await stack.stop();
    }
    all = [...exporter.getFinishedSpans()];
    spans = all.filter((s) => s.spanContext().traceId === traceId);
  });
  afterAll(() => redis?.destroy());

  const one = (predicate: (s: ReadableSpan) => boolean, what: string) => {
    const found = spans.filter(predicate);
    if (found.length !== 1) throw new Error(`expected one ${what}, found ${found.length}: ${spans.map((s) => s.name).join(', ')}`);
    return found[0] as ReadableSpan;
  };
  const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;
  const idOf = (s: ReadableSpan) => s.spanContext().spanId;

  it('answers the query with data when tracing is on', () => {
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data?.citizen).toBeTruthy();
  });

  it("records the HTTP request as a server span under the caller's span, in the caller's trace, when a traceparent comes in", () => {
    const server = one((s) => s.kind === SpanKind.SERVER, 'server span');
    expect(server.name).toBe('POST /graphql');
    expect(server.spanContext().traceId).toBe(traceId);
    expect(parentOf(server)).toBe(callerSpanId);
    expect(server.parentSpanContext?.isRemote).toBe(true);
    expect(server.attributes).toMatchObject({ 'http.request.method': 'POST', 'http.route': '/graphql', 'http.response.status_code': 200 });
    expect(server.resource.attributes['service.name']).toBe(PACKAGE_NAME);
    // The other requests (the token, the metrics polled) are traces of their own, named without their path unless it is a known route.
    const others = all.filter((s) => s.spanContext().traceId !== traceId);
    expect(others.length).toBeGreaterThanOrEqual(2);
    for (const s of others) {
      expect(['POST', 'GET /metrics']).toContain(s.name);
      expect(s.kind).toBe(SpanKind.SERVER);
      expect(s.parentSpanContext).toBeUndefined();
    }
  });

  it('records the GraphQL operation by type and name under the server span when tracing is on', () => {
    const server = one((s) => s.kind === SpanKind.SERVER, 'server span');
    const operation = one((s) => s.name === 'query Household', 'operation span');
    expect(parentOf(operation)).toBe(idOf(server));
    expect(operation.attributes).toEqual({ 'graphql.operation.type': 'query', 'graphql.operation.name': 'Household' });
  });

  it('records one client span per registry call under the operation, and sends its context as the traceparent, when tracing is on', () => {
    const operation = one((s) => s.name === 'query Household', 'operation span');
    for (const registry of ['POPULATION', 'RESIDENCE'] as const) {
      const calls = spans.filter((s) => s.attributes['gateway.registry'] === registry);
      expect(calls.length).toBeGreaterThanOrEqual(1);
      for (const call of calls) {
        expect(call.kind).toBe(SpanKind.CLIENT);
        expect(parentOf(call)).toBe(idOf(operation));
        expect(call.attributes).toMatchObject({ 'gateway.upstream.outcome': 'ok', 'http.response.status_code': 200, 'http.request.method': 'POST' });
        expect(call.attributes['url.template']).toMatch(/^\/v1\/[a-z]+:batchGet$/);
      }
      // What the registry received is the registry span's own context, in the caller's trace.
      expect(sent[registry].sort()).toEqual(calls.map((c) => `00-${traceId}-${idOf(c)}-01`).sort());
    }
    expect(spans.filter((s) => s.attributes['gateway.registry'] === 'DOCUMENTS')).toEqual([]);
  });

  it('records each Redis round trip once, batched, under the operation when tracing is on', () => {
    const operation = one((s) => s.name === 'query Household', 'operation span');
    const redisSpans = spans.filter((s) => s.attributes['db.system.name'] === 'redis');
    const names = redisSpans.map((s) => s.name);
    // One lookup and one write-back per registry read, and the rate limits' counters (per official, per agency) in one script.
    expect(names.filter((n) => n === 'redis get')).toHaveLength(2);
    expect(names.filter((n) => n === 'redis set')).toHaveLength(2);
    expect(names.filter((n) => n === 'redis increment')).toHaveLength(1);
    for (const s of redisSpans) {
      expect(s.kind).toBe(SpanKind.CLIENT);
      expect(parentOf(s)).toBe(idOf(operation));
      expect(s.attributes['db.operation.batch.size']).toBeGreaterThanOrEqual(1);
    }
    // The citizen's record, then the household's: one key each.
    expect(redisSpans.filter((s) => s.name === 'redis get').map((s) => [s.attributes['db.operation.name'], s.attributes['db.operation.batch.size']])).toEqual([
      ['GET', 1],
      ['GET', 1],
    ]);
    expect(redisSpans.filter((s) => s.name === 'redis increment').map((s) => s.attributes['db.operation.name'])).toEqual(['EVAL']);
  });

  it('records the audit commit with its number of records under the operation when tracing is on', () => {
    const operation = one((s) => s.name === 'query Household', 'operation span');
    const commit = one((s) => s.name === 'audit commit', 'audit commit span');
    expect(parentOf(commit)).toBe(idOf(operation));
    expect(commit.kind).toBe(SpanKind.CLIENT);
    expect(commit.attributes['db.system.name']).toBe('postgresql');
    expect(commit.attributes['gateway.audit.records']).toBeGreaterThanOrEqual(1);
    expect(commit.status.code).not.toBe(2);
  });

  it('keeps every span of the request in one tree rooted at the server span when tracing is on', () => {
    const ids = new Set(spans.map(idOf));
    const server = one((s) => s.kind === SpanKind.SERVER, 'server span');
    for (const s of spans) {
      if (s === server) continue;
      expect(ids.has(parentOf(s) as string)).toBe(true);
    }
    expect(spans.length).toBeGreaterThanOrEqual(10);
  });

  it('puts no personal ID, name, address, variable or query text in any span when tracing is on', () => {
    const dataset = testDataset();
    const strings = spans.flatMap(spanStrings);
    const ids = strings.flatMap((s) => s.match(/(?<!\d)\d{12}(?!\d)/g) ?? []).filter((id) => dataset.people.has(id));
    expect(ids).toEqual([]);
    expect(strings.filter((s) => /[^\x00-\x7F]/.test(s))).toEqual([]);
    const text = strings.join('\n');
    expect(text).not.toContain(subject);
    expect(text).not.toContain(dataset.people.get(subject)?.fullName as string);
    expect(text).not.toContain('fullName');
    expect(text).not.toContain('relationshipToHead');
    expect(text).not.toContain('canbo.01');
  });
});

describe('tracing off', () => {
  it('creates no span and still sends the caller\'s trace to the registries when OTEL_EXPORTER_OTLP_ENDPOINT is not set', async () => {
    // A provider registered for the whole process would see any span started through the API.
    let started = 0;
    const counting: SpanProcessor = {
      onStart: () => void started++,
      onEnd: () => {},
      forceFlush: async () => {},
      shutdown: async () => {},
    };
    expect(trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [counting] }))).toBe(true);
    const redis = await startRedis();
    const stack = await startStack({ CACHE_MODE: 'redis', ...redis.env });
    try {
      const traceId = '0af7651916cd43dd8448eb211c80319c';
      await stack.resetRegistryCalls();
      const res = await stack.graphql(HOUSEHOLD, { token: await stack.agencyToken(), variables: { id: stack.persona('household-of-four') }, headers: headers(`00-${traceId}-b7ad6b7169203331-01`) });
      expect(res.body.errors).toBeUndefined();
      await until(async () => (await metric(stack, 'gateway_cache_round_trips_total', 'operation="set"')) >= 2, 'both registries written back to Redis');
      for (const registry of ['POPULATION', 'RESIDENCE'] as const) {
        const seen = await traceparentsSeen(stack, registry);
        expect(seen.length).toBeGreaterThanOrEqual(1);
        for (const t of seen) expect(t).toMatch(new RegExp(`^00-${traceId}-(?!b7ad6b7169203331)[0-9a-f]{16}-01$`));
      }
      const line = stack
        .logs()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.msg === 'graphql request');
      expect(line?.traceId).toBe(traceId);
      expect(started).toBe(0);
    } finally {
      await stack.stop();
      await redis.destroy();
      trace.disable();
    }
  });
});

describe('OTLP export', () => {
  let collector: Server;
  const received: { path: string; type: string; body: string }[] = [];
  /** What the collector answers. */
  let status = 200;
  beforeAll(async () => {
    collector = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ path: req.url ?? '', type: String(req.headers['content-type']), body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => collector.close(() => resolve())));

  it('sends the spans to the configured collector when the gateway stops', async () => {
    const { port } = collector.address() as AddressInfo;
    const stack = await startStack({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}/`, OTEL_SERVICE_NAME: 'gateway-under-test' });
    const traceId = 'a3ce929d0e0e47364bf92f3577b34da6';
    try {
      const res = await stack.graphql('query Me { me { person { fullName } } }', {
        token: await stack.citizenToken(stack.persona('minor')),
        headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      });
      expect(res.body.errors).toBeUndefined();
    } finally {
      await stack.stop();
    }
    expect(received.map((r) => r.path)).toContain('/v1/traces');
    const exported = received
      .filter((r) => r.path === '/v1/traces')
      .map((r) => JSON.parse(r.body) as { resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { spans: { traceId: string; name: string }[] }[] }[] });
    const resources = exported.flatMap((e) => e.resourceSpans);
    expect(resources.flatMap((r) => r.resource.attributes).find((a) => a.key === 'service.name')?.value.stringValue).toBe('gateway-under-test');
    const names = resources.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans.filter((x) => x.traceId === traceId).map((x) => x.name)));
    expect(names).toEqual(expect.arrayContaining(['POST /graphql', 'query Me', 'audit commit']));
    expect(received[0]?.type).toContain('application/json');
  });

  it('logs that spans were not exported, and still stops, when the collector refuses them', async () => {
    const { port } = collector.address() as AddressInfo;
    status = 400;
    const stack = await startStack({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` });
    try {
      expect((await fetch(`${stack.url}/healthz`)).status).toBe(200);
    } finally {
      await stack.stop();
      status = 200;
    }
    const warning = stack
      .logs()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { msg: string; err?: { name: string } })
      .find((l) => l.msg === 'spans not exported');
    expect(warning?.err?.name).toBeTruthy();
  });
});

describe('tracing settings', () => {
  it('lists every bad tracing setting at once when the configuration is loaded', () => {
    let error: unknown;
    try {
      loadConfig({
        NODE_ENV: 'development',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        OTEL_TRACES_SAMPLER: 'always_on',
        OTEL_TRACES_SAMPLER_ARG: '1.5',
        OTEL_SERVICE_NAME: 'a gateway',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const key of ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_TRACES_SAMPLER:', 'OTEL_TRACES_SAMPLER_ARG', 'OTEL_SERVICE_NAME']) expect(problems).toContain(key);
  });

  it('is off with the package name and every trace kept when nothing is set', () => {
    expect(loadConfig({ NODE_ENV: 'development' }).tracing).toEqual({ tracesUrl: null, serviceName: PACKAGE_NAME, sampleRatio: 1 });
    expect(loadConfig({ NODE_ENV: 'development', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_TRACES_SAMPLER_ARG: '0.25' }).tracing).toEqual({
      tracesUrl: 'http://127.0.0.1:4318/v1/traces',
      serviceName: PACKAGE_NAME,
      sampleRatio: 0.25,
    });
  });
});

import type { ApolloServerPlugin } from '@apollo/server';
import cluster from 'node:cluster';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { BREAKER_STATE_VALUE, type BreakerState } from '../connectors/CircuitBreaker';
import type { UpstreamObserver } from '../connectors/RegistryClient';
import type { CacheObserver } from './cache/RegistryCache';
import type { RegistryName } from '../connectors/types';

/** The gateway's Prometheus metrics, on a registry of its own (several gateways may share a process in tests). */
/** What the deliverer tells metrics. */
export interface NoticeObserver {
  /** An attempt the receiver accepted (2xx). */
  delivered(): void;
  /** An attempt that failed, and why: `status`, `redirect`, `timeout` or `connection` (a PostFailure). */
  failed(reason: string): void;
  /** A notice given up on after its last attempt. */
  dead(): void;
  /** A notice not sent because the access decision refuses it now (a consent withdrawn, a grant or endpoint removed). */
  withheld(): void;
  /** Notices waiting in the outbox, after a pass. */
  depth(pending: number): void;
}

export interface GatewayMetrics {
  registry: Registry;
  upstream: UpstreamObserver;
  cache: CacheObserver;
  /** Reads at scrape time whether the cache backend can be used (connected, breaker closed). */
  watchCache(up: () => boolean): void;
  /** A cache call skipped while the backend keeps failing. */
  cacheSkipped(): void;
  /** An audit transaction committed with this many records. */
  auditCommitted(records: number): void;
  /** How long an operation waited for its audit records to be durable. */
  auditWaited(seconds: number): void;
  /** A field disclosed to an agency that no form or verification of the declared purpose reads (one per audit record). */
  overCollected(agency: string, purpose: string, field: string): void;
  /** An operation was analysed for access (refusals that come first never are). */
  operationAnalysed(): void;
  /** Correction requests: each step taken, and each store query for disputed markers. */
  corrections: { step(step: string): void; disputeLookup(): void };
  /** Reads each registry's breaker state at scrape time. */
  watchBreakers(read: () => Record<RegistryName, BreakerState>): void;
  /** Change notices to agencies: attempts, dead letters, withheld notices, the outbox's depth. */
  notices: NoticeObserver;
  /** A GraphQL operation answered, whatever served it: its type, outcome and time since the request started. */
  graphqlAnswered(operationType: string, outcome: 'success' | 'partial' | 'error', seconds: number): void;
  /** A persisted operation answered by the compiled lane (src/lane/), not Apollo Server. */
  compiledLaneServed(): void;
  /** The disclosure plan and the walk of the answer disagreed (AUDIT_PLAN_CHECK). */
  auditPlanMismatch(): void;
  graphqlPlugin(): ApolloServerPlugin;
}

const label = (registry: RegistryName) => registry.toLowerCase();

/** An answer's outcome as the metrics and the log line name it: success, partial (data with errors) or error (no data). */
export function outcomeOf(result: { errors?: readonly unknown[]; data?: unknown } | undefined): 'success' | 'partial' | 'error' {
  return !result?.errors?.length ? 'success' : result.data ? 'partial' : 'error';
}

export function createMetrics(): GatewayMetrics {
  const registry = new Registry();
  // Under WORKERS=N each scrape reaches one worker: its series are labelled with the worker's number.
  if (cluster.isWorker && cluster.worker) {
    registry.setDefaultLabels({ worker: String(cluster.worker.id) });
    new Gauge({ name: 'gateway_worker_info', help: 'The worker (WORKERS=N) that answered this scrape, with its process id.', labelNames: ['pid'] as const, registers: [registry] }).set({ pid: String(process.pid) }, 1);
  }
  collectDefaultMetrics({ register: registry });

  const upstreamRequests = new Counter({
    name: 'gateway_upstream_requests_total',
    help: 'HTTP calls to registries (each attempt), by outcome.',
    labelNames: ['registry', 'outcome'] as const,
    registers: [registry],
  });
  const upstreamDuration = new Histogram({
    name: 'gateway_upstream_duration_seconds',
    help: 'Duration of HTTP calls to registries.',
    labelNames: ['registry'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const shortCircuits = new Counter({
    name: 'gateway_breaker_rejections_total',
    help: 'Registry calls refused by an open circuit, without I/O.',
    labelNames: ['registry'] as const,
    registers: [registry],
  });
  const graphqlRequests = new Counter({
    name: 'gateway_graphql_requests_total',
    help: 'GraphQL operations by type and outcome (success, partial: data with errors, error: no data).',
    labelNames: ['operation_type', 'outcome'] as const,
    registers: [registry],
  });
  const graphqlDuration = new Histogram({
    name: 'gateway_graphql_duration_seconds',
    help: 'Time from request start to response, per operation type.',
    labelNames: ['operation_type'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const compiledLane = new Counter({
    name: 'gateway_compiled_lane_requests_total',
    help: 'Persisted operations answered by the compiled lane rather than Apollo Server (also counted in gateway_graphql_requests_total).',
    registers: [registry],
  });
  const planMismatches = new Counter({
    name: 'gateway_audit_plan_mismatches_total',
    help: 'Operations whose disclosure plan and walk of the answer disagreed (checked only with AUDIT_PLAN_CHECK=on).',
    registers: [registry],
  });
  const cacheRequests = new Counter({
    name: 'gateway_cache_requests_total',
    help: 'Cache lookups per record: hit, miss, or stale (served past TTL).',
    labelNames: ['registry', 'result'] as const,
    registers: [registry],
  });
  const cacheDecodedHits = new Counter({
    name: 'gateway_cache_decoded_hits_total',
    help: 'Cache hits served by the in-process layer of decoded records (CACHE_DECODED_TTL_MS), without a backend round trip; also counted as hits in gateway_cache_requests_total.',
    labelNames: ['registry'] as const,
    registers: [registry],
  });
  const cacheRoundTrips = new Counter({
    name: 'gateway_cache_round_trips_total',
    help: 'Batched cache operations (one backend round trip each).',
    labelNames: ['operation'] as const,
    registers: [registry],
  });
  const cacheErrors = new Counter({
    name: 'gateway_cache_errors_total',
    help: 'Cache operations that failed; the gateway went on without the cache.',
    labelNames: ['operation'] as const,
    registers: [registry],
  });
  const auditTransactions = new Counter({
    name: 'gateway_audit_transactions_total',
    help: 'Audit transactions committed (concurrent operations are grouped into one).',
    registers: [registry],
  });
  const auditWait = new Histogram({
    name: 'gateway_audit_wait_seconds',
    help: 'Time an operation waits for its audit records to be committed before its response leaves.',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
  });
  const analyses = new Counter({
    name: 'gateway_operation_analyses_total',
    help: 'Operations analysed for access before execution (anonymous requests are refused before this).',
    registers: [registry],
  });
  const correctionSteps = new Counter({
    name: 'gateway_correction_steps_total',
    help: 'Steps of citizens\' correction requests: reported, forwarded, forward_failed, received, in_review, corrected, rejected.',
    labelNames: ['step'] as const,
    registers: [registry],
  });
  const disputeLookups = new Counter({
    name: 'gateway_correction_dispute_lookups_total',
    help: 'Store queries for disputed fields (one per request that reads provenance.disputedFields, however many records).',
    registers: [registry],
  });
  const auditRecords = new Counter({ name: 'gateway_audit_records_total', help: 'Audit records written.', registers: [registry] });
  let cacheUp: () => boolean = () => true;
  new Gauge({
    name: 'gateway_cache_up',
    help: 'Whether the cache backend can be used (1) or not (0): connected and not skipped by its breaker.',
    registers: [registry],
    collect() {
      this.set(cacheUp() ? 1 : 0);
    },
  });
  const cacheSkipped = new Counter({
    name: 'gateway_cache_skipped_total',
    help: 'Cache backend calls not made because it kept failing (breaker open): the gateway went on without it at once.',
    registers: [registry],
  });
  const noticesDelivered = new Counter({
    name: 'gateway_notices_delivered_total',
    help: 'Change notices an agency endpoint accepted (2xx).',
    registers: [registry],
  });
  const noticesFailed = new Counter({
    name: 'gateway_notices_failed_total',
    help: 'Change notice attempts that failed, by reason (status, redirect, timeout, connection); each is retried until the last.',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const noticesDead = new Counter({
    name: 'gateway_notices_dead_total',
    help: 'Change notices given up on after their last attempt (dead letters).',
    registers: [registry],
  });
  const noticesWithheld = new Counter({
    name: 'gateway_notices_withheld_total',
    help: 'Change notices not sent because the access decision refuses them now (consent withdrawn, grant or endpoint removed).',
    registers: [registry],
  });
  const noticesDepth = new Gauge({
    name: 'gateway_notices_outbox_depth',
    help: 'Change notices waiting in the outbox (shared by every instance), as of the last pass.',
    registers: [registry],
  });
  const overCollectedFields = new Counter({
    name: 'gateway_overcollected_fields_total',
    help: "Fields disclosed to an agency that no form or verification of the declared purpose reads, one per audit record (operation and citizen).",
    labelNames: ['agency', 'purpose', 'field'] as const,
    registers: [registry],
  });
  let readBreakers: () => Partial<Record<RegistryName, BreakerState>> = () => ({});
  new Gauge({
    name: 'gateway_breaker_state',
    help: 'Circuit breaker state per registry: 0 closed, 1 half-open, 2 open.',
    labelNames: ['registry'] as const,
    registers: [registry],
    collect() {
      for (const [name, state] of Object.entries(readBreakers())) {
        if (state) this.set({ registry: label(name as RegistryName) }, BREAKER_STATE_VALUE[state]);
      }
    },
  });

  return {
    registry,
    upstream: {
      request(name, outcome, seconds) {
        upstreamRequests.inc({ registry: label(name), outcome });
        upstreamDuration.observe({ registry: label(name) }, seconds);
      },
      shortCircuit(name) {
        shortCircuits.inc({ registry: label(name) });
      },
    },
    cache: {
      lookup: (name, result, count) => cacheRequests.inc({ registry: label(name), result }, count),
      decodedHit: (name, count) => cacheDecodedHits.inc({ registry: label(name) }, count),
      roundTrip: (operation) => cacheRoundTrips.inc({ operation }),
      error: (operation) => cacheErrors.inc({ operation }),
    },
    watchCache(up) {
      cacheUp = up;
    },
    cacheSkipped: () => cacheSkipped.inc(),
    auditWaited: (seconds) => auditWait.observe(seconds),
    auditCommitted: (records) => {
      auditTransactions.inc();
      auditRecords.inc(records);
    },
    operationAnalysed: () => analyses.inc(),
    overCollected: (agency, purpose, field) => overCollectedFields.inc({ agency, purpose, field }),
    corrections: {
      step: (step) => correctionSteps.inc({ step }),
      disputeLookup: () => disputeLookups.inc(),
    },
    watchBreakers(read) {
      readBreakers = read;
    },
    notices: {
      delivered: () => noticesDelivered.inc(),
      failed: (reason) => noticesFailed.inc({ reason }),
      dead: () => noticesDead.inc(),
      withheld: () => noticesWithheld.inc(),
      depth: (pending) => noticesDepth.set(pending),
    },
    graphqlAnswered(type, outcome, seconds) {
      graphqlRequests.inc({ operation_type: type, outcome });
      graphqlDuration.observe({ operation_type: type }, seconds);
    },
    compiledLaneServed: () => compiledLane.inc(),
    auditPlanMismatch: () => planMismatches.inc(),
    graphqlPlugin() {
      const answered = this.graphqlAnswered;
      return {
        async requestDidStart() {
          const started = performance.now();
          return {
            async willSendResponse({ operation, response }) {
              answered(operation?.operation ?? 'unknown', outcomeOf(response.body.kind === 'single' ? response.body.singleResult : undefined), (performance.now() - started) / 1000);
            },
          };
        },
      };
    },
  };
}

import { Router } from 'express';
import type { BreakerState } from '../../connectors/CircuitBreaker';
import type { RegistryName } from '../../connectors/types';
import type { GatewayMetrics } from '../metrics';

export interface ReadinessCheck {
  name: string;
  /** Resolves true when healthy; rejects (or resolves false) when not. Must be cheap. */
  check(): Promise<boolean>;
}

export interface HealthOptions {
  metrics: GatewayMetrics;
  breakers: () => Record<RegistryName, BreakerState>;
  checks: ReadinessCheck[];
  /** False while starting or draining. */
  accepting: () => boolean;
  cache: () => Record<string, unknown>;
  /** How long each check may take before it counts as failing ("timeout"); default 800 ms, so /readyz answers within 1 s. */
  checkTimeoutMs?: number;
  /** Serve `/readyz` and `/metrics` here (false when a separate admin listener serves them). */
  operations?: boolean;
}

type CheckResult = 'ok' | 'failing' | 'timeout';

/**
 * `/healthz` (liveness), `/readyz` (readiness with each registry's breaker and the
 * cache) and `/metrics` (Prometheus text). Registry breakers are reported, not gated
 * on: one registry down still leaves a gateway worth routing to.
 *
 * `/readyz` answers within its deadline whatever a dependency does: each check races a
 * timer, and a check still running from an earlier request is joined, not started
 * again, so a hung store does not collect one stuck probe per poll.
 */
export function createHealthRouter(options: HealthOptions): Router {
  const router = Router();
  const timeoutMs = options.checkTimeoutMs ?? 800;
  const running = new Map<string, Promise<CheckResult>>();
  const run = (c: ReadinessCheck): Promise<CheckResult> => {
    let pending = running.get(c.name);
    if (!pending) {
      pending = Promise.resolve()
        .then(() => c.check())
        .then(
          (ok): CheckResult => (ok ? 'ok' : 'failing'),
          (): CheckResult => 'failing',
        )
        .finally(() => running.delete(c.name));
      running.set(c.name, pending);
    }
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<CheckResult>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    return Promise.race([pending, deadline]).finally(() => clearTimeout(timer));
  };
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  if (options.operations === false) return router;
  router.get('/readyz', async (_req, res) => {
    const results = await Promise.all(options.checks.map(async (c) => [c.name, await run(c)] as const));
    const ready = options.accepting() && results.every(([, r]) => r === 'ok');
    const registries = Object.fromEntries(
      Object.entries(options.breakers()).map(([name, state]) => [name.toLowerCase(), { breaker: state }]),
    );
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'not_ready',
      checks: Object.fromEntries(results),
      registries,
      cache: options.cache(),
    });
  });
  router.get('/metrics', async (_req, res) => {
    res.type(options.metrics.registry.contentType).send(await options.metrics.registry.metrics());
  });
  return router;
}

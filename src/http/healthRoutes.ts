import { Router } from 'express';
import type { BreakerState } from '../../connectors/CircuitBreaker';
import type { RegistryName } from '../../connectors/types';
import type { GatewayMetrics } from '../metrics';

export interface ReadinessCheck {
  name: string;
  /** Resolves when healthy; rejects (or resolves false) when not. Must be cheap. */
  check(): Promise<boolean>;
}

export interface HealthOptions {
  metrics: GatewayMetrics;
  breakers: () => Record<RegistryName, BreakerState>;
  checks: ReadinessCheck[];
  /** False while starting or draining. */
  accepting: () => boolean;
  cache: () => Record<string, unknown>;
}

/**
 * `/healthz` (liveness), `/readyz` (readiness with each registry's breaker and the
 * cache) and `/metrics` (Prometheus text). Registry breakers are reported, not gated
 * on: one registry down still leaves a gateway worth routing to.
 */
export function createHealthRouter(options: HealthOptions): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const results = await Promise.all(
      options.checks.map(async (c) => [c.name, await c.check().then((ok) => (ok ? 'ok' : 'failing'), () => 'failing')] as const),
    );
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

import { createHmac, timingSafeEqual } from 'node:crypto';
import express, { Router } from 'express';
import { REGISTRY_NAMES, type RegistryName } from '../../connectors/types';
import type { Caches } from '../cache/createCaches';
import { isPersonalId } from '../domain/personalId';
import type { Logger } from '../logger';

/** The signature a registry puts on a change event: `sha256=<hex HMAC of the body>`. */
export function signRegistryEvent(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * `POST /internal/registry-events`: a registry says which records changed; the gateway
 * drops them from the shared cache and tells every other instance (Redis pub/sub).
 * Signed with a shared secret; mounted only when one is configured.
 */
export function createRegistryEventsRouter(options: { secret: string; caches: Caches; logger: Logger }): Router {
  const router = Router();
  router.post('/internal/registry-events', express.raw({ type: 'application/json', limit: '64kb' }), async (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const given = Buffer.from(String(req.headers['x-registry-signature'] ?? ''));
    const expected = Buffer.from(signRegistryEvent(options.secret, body.toString('utf8')));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      res.status(401).json({ error: { code: 'UNAUTHENTICATED', message: 'missing or wrong X-Registry-Signature' } });
      return;
    }
    let event: { registry?: unknown; ids?: unknown };
    try {
      event = JSON.parse(body.toString('utf8')) as typeof event;
    } catch {
      res.status(400).json({ error: { code: 'BAD_REQUEST', message: 'the body is not valid JSON' } });
      return;
    }
    const registry = typeof event.registry === 'string' ? (event.registry.toUpperCase() as RegistryName) : undefined;
    const ids = event.ids;
    if (!registry || !REGISTRY_NAMES.includes(registry) || !Array.isArray(ids) || ids.length === 0 || ids.length > 1000 || !ids.every((id) => isPersonalId(id))) {
      res.status(400).json({ error: { code: 'BAD_REQUEST', message: 'expected {"registry": "population|residence|documents", "ids": [1..1000 personal IDs]}' } });
      return;
    }
    await options.caches.byRegistry(registry)?.invalidate(ids as string[]);
    options.logger.info({ registry, records: ids.length }, 'registry change: cache entries dropped');
    res.status(202).json({ invalidated: ids.length });
  });
  return router;
}

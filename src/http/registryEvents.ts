import { createHmac, timingSafeEqual } from 'node:crypto';
import express, { Router } from 'express';
import { REGISTRY_NAMES, type RegistryName } from '../../connectors/types';
import type { Caches } from '../cache/createCaches';
import { isPersonalId } from '../domain/personalId';
import { bilingual, routeErrorBody } from '../errors';
import type { Logger } from '../logger';
import { scopeOf } from '../request/requestScope';

/** The signature a registry puts on a change event: `sha256=<hex HMAC of the body>`. */
export function signRegistryEvent(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** A registry's change event, once authenticated and accepted. */
export interface RegistryChange {
  registry: RegistryName;
  /** Personal IDs of the citizens whose records changed. */
  ids: readonly string[];
  changedAt: Date;
  eventId: string;
}

/**
 * Work that follows a registry change besides dropping cache entries. A listener that
 * throws makes the gateway answer 503 and forget the event id, so the registry's retry
 * is accepted and the work is not lost; listeners must therefore be idempotent per eventId.
 */
export type RegistryChangeListener = (change: RegistryChange) => Promise<void>;

export interface RegistryEventsOptions {
  secret: string;
  caches: Caches;
  logger: Logger;
  /** Called in order after the cache entries are dropped. */
  listeners?: readonly RegistryChangeListener[];
  /** How far an event's `changedAt` may be from the gateway's clock, either way. */
  maxAgeMs?: number;
  now?: () => number;
}

const EVENT_ID = /^[A-Za-z0-9_-]{8,64}$/;

/**
 * `POST /internal/registry-events`: a registry says which records changed; the gateway
 * drops them from the shared cache and tells every other instance (Redis pub/sub).
 * Signed with a shared secret; each event is dated (`changedAt`) and unique (`eventId`):
 * one older or newer than `maxAgeMs`, or seen before within that window, is refused, so a
 * recorded event cannot be replayed. Mounted only when a secret is configured.
 */
export function createRegistryEventsRouter(options: RegistryEventsOptions): Router {
  const maxAgeMs = options.maxAgeMs ?? 300_000;
  const now = options.now ?? Date.now;
  /** Event ids seen within the window, with when they were received. */
  const seen = new Map<string, number>();
  const router = Router();
  const refuse = (res: express.Response, status: number, code: 'UNAUTHENTICATED' | 'BAD_REQUEST', message: string) => {
    res.status(status).json(routeErrorBody(code, message));
  };
  router.post('/internal/registry-events', express.raw({ type: 'application/json', limit: '64kb' }), async (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const given = Buffer.from(String(req.headers['x-registry-signature'] ?? ''));
    const expected = Buffer.from(signRegistryEvent(options.secret, body.toString('utf8')));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return refuse(res, 401, 'UNAUTHENTICATED', 'missing or wrong X-Registry-Signature');
    let event: { registry?: unknown; ids?: unknown; changedAt?: unknown; eventId?: unknown };
    try {
      event = JSON.parse(body.toString('utf8')) as typeof event;
    } catch {
      return refuse(res, 400, 'BAD_REQUEST', 'the body is not valid JSON');
    }
    const registry = typeof event.registry === 'string' ? (event.registry.toUpperCase() as RegistryName) : undefined;
    const ids = event.ids;
    if (!registry || !REGISTRY_NAMES.includes(registry) || !Array.isArray(ids) || ids.length === 0 || ids.length > 1000 || !ids.every((id) => isPersonalId(id))) {
      return refuse(res, 400, 'BAD_REQUEST', 'expected {"registry": "population|residence|documents", "ids": [1..1000 personal IDs], "changedAt": ISO time, "eventId": id}');
    }
    const at = now();
    const changedAt = typeof event.changedAt === 'string' ? Date.parse(event.changedAt) : NaN;
    if (!Number.isFinite(changedAt) || Math.abs(at - changedAt) > maxAgeMs) return refuse(res, 400, 'BAD_REQUEST', 'the event is not dated within the accepted window (changedAt)');
    if (typeof event.eventId !== 'string' || !EVENT_ID.test(event.eventId)) return refuse(res, 400, 'BAD_REQUEST', 'the event has no eventId of 8 to 64 letters, digits, "_" or "-"');
    for (const [id, receivedAt] of seen) {
      if (at - receivedAt <= 2 * maxAgeMs) break;
      seen.delete(id);
    }
    if (seen.has(event.eventId)) return refuse(res, 409, 'BAD_REQUEST', 'this event was received already');
    seen.set(event.eventId, at);
    await options.caches.byRegistry(registry)?.invalidate(ids as string[], scopeOf(res)?.trace);
    options.logger.info({ registry, records: ids.length }, 'registry change: cache entries dropped');
    const change: RegistryChange = { registry, ids: ids as string[], changedAt: new Date(changedAt), eventId: event.eventId };
    for (const listener of options.listeners ?? []) {
      try {
        await listener(change);
      } catch (err) {
        seen.delete(event.eventId);
        options.logger.error({ registry, err: { name: (err as Error).name, message: (err as Error).message } }, 'registry change: follow-up failed; the registry will retry');
        return res.status(503).json(routeErrorBody('UNAVAILABLE', bilingual('the change could not be processed; retry later', 'chưa xử lý được thay đổi; hãy gửi lại sau.')));
      }
    }
    res.status(202).json({ invalidated: ids.length });
  });
  return router;
}

import express, { Router } from 'express';
import type { BreakerState } from '../../connectors/CircuitBreaker';
import type { RegistryName } from '../../connectors/types';
import { DevTokenRequestError, type DevIdentityProvider } from '../auth/createDevIdentityProvider';
import { routeErrorBody, type ErrorCode } from '../errors';
import type { Logger } from '../logger';

export interface DevRoutesOptions {
  /** Absent when development runs against an external identity provider. */
  identityProvider?: DevIdentityProvider;
  registries: Record<RegistryName, string>;
  /** Each registry's circuit breaker now, shown in the playground. */
  breakers: () => Record<RegistryName, BreakerState>;
  logger: Logger;
}

const REGISTRY_TITLES: Record<RegistryName, string> = {
  POPULATION: 'Cơ sở dữ liệu quốc gia về dân cư',
  RESIDENCE: 'Cơ sở dữ liệu về cư trú',
  DOCUMENTS: 'Kho dữ liệu giấy tờ đã cấp',
};

/** Development-only routes; mounted only when development was asked for (NODE_ENV=development). */
export function createDevRouter(options: DevRoutesOptions): Router {
  const router = Router();
  const fail = (res: express.Response, status: number, code: ErrorCode, message: string) => {
    res.status(status).json(routeErrorBody(code, message));
  };

  if (options.identityProvider) {
    const idp = options.identityProvider;
    router.post('/dev/token', express.json({ limit: '4kb' }), async (req, res) => {
      try {
        res.json(await idp.mint(req.body));
      } catch (err) {
        if (err instanceof DevTokenRequestError) return fail(res, 400, 'BAD_USER_INPUT', err.message);
        options.logger.error({ err }, 'dev token minting failed');
        fail(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
      }
    });
  }

  // Where the embedded registries listen and their breakers: always 200, so the playground
  // shows a registry that is failing without a failed request of its own (/readyz answers 503 then).
  router.get('/dev/registries', (_req, res) => {
    const breakers = options.breakers();
    res.json(
      (Object.entries(options.registries) as [RegistryName, string][]).map(([name, url]) => ({
        name: name.toLowerCase(),
        title: REGISTRY_TITLES[name],
        url,
        breaker: breakers[name],
      })),
    );
  });

  router.get('/dev/personas', async (_req, res) => {
    try {
      const upstream = await fetch(`${options.registries.POPULATION}/__personas`, { signal: AbortSignal.timeout(3000) });
      if (!upstream.ok) return fail(res, 502, 'UPSTREAM_UNAVAILABLE', 'The population registry does not offer personas (is it a mock?)');
      const body = (await upstream.json()) as { personas?: unknown };
      res.json({ personas: Array.isArray(body.personas) ? body.personas : [] });
    } catch {
      fail(res, 502, 'UPSTREAM_UNAVAILABLE', 'The population registry is unavailable');
    }
  });
  return router;
}

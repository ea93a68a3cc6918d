import type { Request, Response } from 'express';
import { CASE_ID, CASE_ID_FORMAT } from '../domain/caseId';
import { BadUserInputError, bilingual as bi, type Bilingual } from '../errors';
import { PURPOSE_CODE } from '../policy/loadCatalogue';
import { createLoaders } from '../request/createLoaders';
import { newRequestLog } from '../request/RequestContext';
import { registryCallContext, scopeOf } from '../request/requestScope';
import type { Services } from '../createServices';
import type { GatewayContext } from '../graphql/context';

export interface ContextFactoryOptions {
  services: Services;
  loaderMaxBatch: number;
  attestationTtlSeconds: number;
  /** Longest a watch may run (NOTICE_WATCH_MAX_DAYS). */
  watchMaxDays: number;
}

/**
 * Builds each GraphQL request's context: the caller from the bearer token (refused
 * with UNAUTHENTICATED when the token is bad), `X-Purpose` and `X-Case-Id` checked for
 * shape, and loaders of the request's own.
 */
export function createContextFactory(options: ContextFactoryOptions) {
  const { services } = options;
  return async ({ req, res }: { req: Request; res: Response }): Promise<GatewayContext> => {
    const scope = scopeOf(res);
    return {
      requestId: res.locals.requestId as string,
      caller: await services.authenticator.authenticate(req.headers.authorization),
      purpose: header(req, 'x-purpose', PURPOSE_CODE, bi('an upper-case purpose code such as CT01_RESIDENCE', 'mã mục đích viết hoa, ví dụ CT01_RESIDENCE')),
      caseId: header(req, 'x-case-id', CASE_ID, CASE_ID_FORMAT),
      loaders: createLoaders(services.connectors, {
        maxBatchSize: options.loaderMaxBatch,
        openCorrections: (ids) => services.corrections.openFor(ids),
        caches: services.caches,
        call: registryCallContext(scope),
        trace: scope?.trace,
      }),
      now: services.now,
      citizensAt: new Map(),
      disclosures: [],
      warnings: [],
      scope,
      log: newRequestLog(),
      catalogue: services.catalogue,
      forms: services.forms,
      policy: services.policy,
      keys: services.keys,
      settings: { attestationTtlSeconds: options.attestationTtlSeconds, watchMaxDays: options.watchMaxDays },
      consents: services.consents,
      notices: services.notices.store,
      accessLog: services.accessLog,
      corrections: services.corrections,
    };
  };
}

function header(req: Request, name: string, format: RegExp, expected: Bilingual): string | null {
  const value = req.headers[name];
  if (value === undefined) return null;
  if (typeof value !== 'string' || !format.test(value)) {
    const field = name.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => `${d}${c.toUpperCase()}`);
    throw new BadUserInputError({ en: `expected ${expected.en}`, vi: `tiêu đề ${field} phải là ${expected.vi}.` }, { field, refuse: true });
  }
  return value;
}

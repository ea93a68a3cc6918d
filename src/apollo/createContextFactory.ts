import type { IncomingHttpHeaders } from 'node:http';
import type { Request, Response } from 'express';
import type { Caller } from '../auth/caller';
import { CASE_ID, CASE_ID_FORMAT } from '../domain/caseId';
import { BadUserInputError, bilingual as bi, type Bilingual } from '../errors';
import { PURPOSE_CODE } from '../policy/loadCatalogue';
import { createLoaders } from '../request/createLoaders';
import { newRequestLog } from '../request/RequestContext';
import { registryCallContext, scopeOf, type RequestScope } from '../request/requestScope';
import type { Services } from '../createServices';
import type { GatewayContext } from '../graphql/context';

export interface ContextFactoryOptions {
  services: Services;
  loaderMaxBatch: number;
  attestationTtlSeconds: number;
  /** Longest a watch may run (NOTICE_WATCH_MAX_DAYS). */
  watchMaxDays: number;
}

/** Who calls and what they declared, from the request's headers; throws the error to answer. */
export interface RequestIdentity {
  caller: Caller;
  purpose: string | null;
  caseId: string | null;
}

export interface ContextFactory {
  /** Apollo Server's context function. */
  (args: { req: Request; res: Response }): Promise<GatewayContext>;
  /**
   * The caller from the bearer token (refused with UNAUTHENTICATED when the token is bad),
   * `X-Purpose` and `X-Case-Id` checked for shape.
   */
  identify(headers: IncomingHttpHeaders): Promise<RequestIdentity>;
  /** The context of an identified request, with loaders of its own. */
  build(identity: RequestIdentity, requestId: string, scope: RequestScope | undefined): GatewayContext;
}

/**
 * Builds each GraphQL request's context, for Apollo Server and the compiled lane alike:
 * the identity from the headers, then loaders of the request's own.
 */
export function createContextFactory(options: ContextFactoryOptions): ContextFactory {
  const { services } = options;
  const settings = { attestationTtlSeconds: options.attestationTtlSeconds, watchMaxDays: options.watchMaxDays };
  const openCorrections = (ids: readonly string[]) => services.corrections.openFor(ids);
  const identify = async (headers: IncomingHttpHeaders): Promise<RequestIdentity> => ({
    caller: await services.authenticator.authenticate(headers.authorization),
    purpose: header(headers, 'x-purpose', PURPOSE_CODE, bi('an upper-case purpose code such as CT01_RESIDENCE', 'mã mục đích viết hoa, ví dụ CT01_RESIDENCE')),
    caseId: header(headers, 'x-case-id', CASE_ID, CASE_ID_FORMAT),
  });
  const build = (identity: RequestIdentity, requestId: string, scope: RequestScope | undefined): GatewayContext => ({
    requestId,
    caller: identity.caller,
    purpose: identity.purpose,
    caseId: identity.caseId,
    loaders: createLoaders(services.connectors, {
      maxBatchSize: options.loaderMaxBatch,
      openCorrections,
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
    settings,
    consents: services.consents,
    notices: services.notices.store,
    accessLog: services.accessLog,
    corrections: services.corrections,
  });
  const factory = async ({ req, res }: { req: Request; res: Response }): Promise<GatewayContext> => build(await identify(req.headers), res.locals.requestId as string, scopeOf(res));
  return Object.assign(factory, { identify, build });
}

function header(headers: IncomingHttpHeaders, name: string, format: RegExp, expected: Bilingual): string | null {
  const value = headers[name];
  if (value === undefined) return null;
  if (typeof value !== 'string' || !format.test(value)) {
    const field = name.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => `${d}${c.toUpperCase()}`);
    throw new BadUserInputError({ en: `expected ${expected.en}`, vi: `tiêu đề ${field} phải là ${expected.vi}.` }, { field, refuse: true });
  }
  return value;
}

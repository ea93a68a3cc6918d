import type { DocumentType } from '../../connectors/types';
import { UpstreamError } from '../../connectors/UpstreamError';
import type { AgencyCaller, CitizenCaller } from '../auth/caller';
import type { ConsentStore } from '../consent/ConsentStore';
import { ageOn, todayInVietnam } from '../domain/dates';
import { BadUserInputError, consentRequired, forbidden, purposeRequired, storeUnavailable, unauthenticated, upstreamFailure } from '../errors';
import type { GatewayContext } from '../graphql/context';
import type { Grant, PolicyCatalogue, Purpose } from '../policy/loadCatalogue';
import type { AccessRules, Role } from './accessRules';
import type { OperationAnalysis } from './analyzeOperation';

export interface DeniedField {
  path: string;
  field: string;
}

/** What the resolvers and the audit need to know about an allowed operation. */
export interface AccessDecision {
  /** The declared purpose, for agencies and guardians. */
  purpose: Purpose | null;
  grant: Grant | null;
  /**
   * Document types each `documents` field may return, by response path (list indices
   * dropped). A path without an entry is not filtered (a citizen's own documents).
   */
  documentTypes: ReadonlyMap<string, readonly DocumentType[]>;
}

export interface AuthorizerOptions {
  catalogue: PolicyCatalogue;
  policy: Policy;
  /** Lets requests without a token run introspection-only operations (the playground's schema load). */
  allowAnonymousIntrospection: boolean;
  now?: () => Date;
}

export type Authorizer = (analysis: OperationAnalysis, ctx: GatewayContext) => Promise<AccessDecision>;

/**
 * The per-field rules behind the authorizer, for resolvers that assemble citizen data
 * themselves (form prefill, verification) and must apply exactly the same policy.
 */
export interface Policy {
  /** The purpose and grant an agency acts under; throws PURPOSE_REQUIRED, BAD_USER_INPUT or FORBIDDEN. */
  agencyGrant(caller: AgencyCaller, purposeCode: string | null): { purpose: Purpose; grant: Grant };
  /** May an agency under this grant read this field of a citizen `hop` steps from the subject? */
  agencyMay(grant: Grant, hop: number, coordinate: string, documentType?: DocumentType): boolean;
  /** May a citizen read this field of a citizen `hop` steps from themselves? */
  citizenMay(hop: number, coordinate: string): boolean;
  /** Throws CONSENT_REQUIRED unless an active consent covers these fields (purposes that need one). */
  requireConsent(grant: Grant, subjectId: string, coordinates: readonly string[]): Promise<void>;
}

export function createPolicy(options: { catalogue: PolicyCatalogue; consents: ConsentStore; rules: AccessRules }): Policy {
  const { catalogue, consents, rules } = options;
  return {
    agencyGrant(caller, purposeCode) {
      if (!purposeCode) throw purposeRequired();
      const purpose = catalogue.purposes.get(purposeCode);
      if (!purpose) throw headerError('not a purpose in the policy catalogue (see the purposes query)');
      const agency = catalogue.agencies.get(caller.agency);
      if (!agency) throw forbidden(`Agency ${caller.agency} is not in the policy catalogue`, { rule: 'UNKNOWN_AGENCY' });
      const grant = catalogue.grant(agency.code, purpose.code);
      if (!grant) throw forbidden(`${agency.name} has no grant for "${purpose.title}"`, { rule: 'NO_GRANT', purpose: purpose.code });
      if (!caller.scopes.includes(grant.scope)) {
        throw forbidden(`The token lacks the scope "${grant.scope}" that "${purpose.title}" requires`, { rule: 'SCOPE', purpose: purpose.code });
      }
      return { purpose, grant };
    },
    agencyMay(grant, hop, coordinate, documentType) {
      const allowed = hop === 0 ? grant.subject : grant.related && hop <= grant.related.maxHops ? grant.related : null;
      return !!allowed && allowed.fields.has(coordinate) && (documentType === undefined || allowed.documentTypes.has(documentType));
    },
    citizenMay(hop, coordinate) {
      return hop === 0 || (hop === 1 && rules.rule(coordinate) === 'IDENTITY');
    },
    async requireConsent(grant, subjectId, coordinates) {
      if (!grant.purpose.consentRequired) return;
      let active;
      try {
        active = await consents.active(subjectId, grant.agency.code, grant.purpose.code);
      } catch {
        throw storeUnavailable('The consent register');
      }
      const covered = active.some((c) => c.fields === null || coordinates.every((f) => (c.fields as string[]).includes(f)));
      if (!covered) throw consentRequired(grant.agency.name, grant.purpose.title);
    },
  };
}

const GUARDIAN = 'GUARDIAN';
/** Supervisors reading their own agency's access log (internal control). */
const SUPERVISOR_SCOPE = 'audit.read';
const GUARDIAN_MAX_AGE = 14;
const NO_FILTER: AccessDecision = { purpose: null, grant: null, documentTypes: new Map() };

/**
 * The access policy, decided for the whole operation before any resolver runs. A
 * refusal refuses the whole operation rather than nulling the denied fields: a
 * portal gets a predictable answer naming every denied path (and can ask
 * `myPermissions` first), and nothing is read from a registry for an operation
 * that will not be answered in full.
 *
 * Citizen tokens: the citizen's own record in full — or, with `X-Purpose: GUARDIAN`,
 * that of their own child under 14 in the same household; of a citizen reached from
 * it in one step (a household member, or a parent, spouse or child named in the
 * population record) basic identity only; nothing further.
 *
 * Agency tokens: a purpose in the catalogue, a grant for the agency and that purpose,
 * the grant's scope in the token; fields and document types within the grant — for
 * the citizen named and, up to `maxHops` steps, for related citizens; an active
 * consent from the citizen when the purpose needs one.
 */
export function createAuthorizer(options: AuthorizerOptions): Authorizer {
  const now = options.now ?? (() => new Date());
  return async (analysis, ctx) => {
    const caller = ctx.caller;
    if (caller.kind === 'anonymous') {
      if (analysis.introspection && analysis.rootFields.length === 0 && options.allowAnonymousIntrospection) return NO_FILTER;
      throw unauthenticated('a bearer token is required (Authorization: Bearer <token>)');
    }
    const role: Role = caller.kind === 'citizen' ? 'CITIZEN' : 'AGENCY';
    const wrongRole = analysis.rootFields.filter((f) => !f.roles.includes(role));
    if (wrongRole.length > 0) {
      throw forbidden(`${wrongRole.map((f) => f.coordinate).join(', ')} cannot be called with ${role.toLowerCase()} tokens`, {
        denied: wrongRole.map((f) => ({ path: f.responseKey, field: f.coordinate })),
        rule: 'ROLE',
      });
    }
    return caller.kind === 'citizen' ? authorizeCitizen(analysis, ctx, caller) : authorizeAgency(analysis, ctx, caller);
  };

  async function authorizeCitizen(analysis: OperationAnalysis, ctx: GatewayContext, caller: CitizenCaller): Promise<AccessDecision> {
    if (ctx.purpose !== null && ctx.purpose !== GUARDIAN) {
      throw headerError('citizen tokens declare no purpose, except GUARDIAN to read their own child\'s record');
    }
    const others = analysis.citizens.filter((c) => c.hop === 0 && c.id !== undefined && c.id !== caller.personalId);
    if (others.length > 0 && ctx.purpose !== GUARDIAN) {
      throw forbidden('A citizen token may only read its own record', {
        denied: others.map((c) => ({ path: c.path, field: c.via })),
        rule: 'OWN_RECORD_ONLY',
      });
    }
    const denied: DeniedField[] = [];
    for (const c of analysis.citizens) {
      if (c.hop === 0) continue;
      for (const d of c.disclosures) {
        if (c.hop >= 2 || d.rule !== 'IDENTITY') denied.push(...d.paths.map((path) => ({ path, field: d.coordinate })));
      }
    }
    if (denied.length > 0) {
      throw forbidden('A citizen token may read only the basic identity of their household members and close relatives', {
        denied,
        rule: 'RELATIVES_BASIC_IDENTITY',
      });
    }
    for (const child of new Set(others.map((c) => c.id as string))) await checkGuardian(ctx, caller.personalId, child);
    const purpose = ctx.purpose === GUARDIAN ? (options.catalogue.purposes.get(GUARDIAN) ?? null) : null;
    return { purpose, grant: null, documentTypes: new Map() };
  }

  /** A parent may read their own child's record while the child is under 14 and in their household. */
  async function checkGuardian(ctx: GatewayContext, parentId: string, childId: string): Promise<void> {
    try {
      const [child, childResidence, parentResidence] = await Promise.all([
        ctx.loaders.person.load(childId),
        ctx.loaders.residence.load(childId),
        ctx.loaders.residence.load(parentId),
      ]);
      const isParent = !!child && (child.fatherId === parentId || child.motherId === parentId);
      const isMinor = !!child && ageOn(child.dateOfBirth, todayInVietnam(now())) < GUARDIAN_MAX_AGE;
      const household = childResidence?.household?.id;
      const together = !!household && household === parentResidence?.household?.id;
      if (isParent && isMinor && together) return;
    } catch (err) {
      if (err instanceof UpstreamError) {
        const mapped = upstreamFailure(err);
        mapped.extensions.http = { status: 503 };
        throw mapped;
      }
      throw err;
    }
    throw forbidden('GUARDIAN lets a parent read only their own child under 14 who lives in the same household', {
      rule: 'GUARDIAN',
      denied: [{ path: 'citizen', field: 'Query.citizen' }],
    });
  }

  async function authorizeAgency(analysis: OperationAnalysis, ctx: GatewayContext, caller: AgencyCaller): Promise<AccessDecision> {
    if (analysis.rootFields.some((f) => f.coordinate === 'Query.accessLog') && !caller.scopes.includes(SUPERVISOR_SCOPE)) {
      throw forbidden(`Reading the agency's access log needs the scope "${SUPERVISOR_SCOPE}"`, { rule: 'SCOPE' });
    }
    if (analysis.citizens.length === 0) return NO_FILTER;
    const { purpose, grant } = options.policy.agencyGrant(caller, ctx.purpose);

    const denied: DeniedField[] = [];
    const documentTypes = new Map<string, readonly DocumentType[]>();
    for (const c of analysis.citizens) {
      const allowed = c.hop === 0 ? grant.subject : grant.related && c.hop <= grant.related.maxHops ? grant.related : null;
      for (const d of c.disclosures) {
        const requested = d.coordinate === 'Citizen.documents' ? (d.args.types as DocumentType[] | undefined) : undefined;
        const ok = options.policy.agencyMay(grant, c.hop, d.coordinate) && (requested ?? []).every((t) => options.policy.agencyMay(grant, c.hop, d.coordinate, t));
        if (!ok) {
          denied.push(...d.paths.map((path) => ({ path, field: requested ? `${d.coordinate}(types: ${requested.join(', ')})` : d.coordinate })));
        } else if (d.coordinate === 'Citizen.documents') {
          for (const path of d.paths) documentTypes.set(path, requested ?? [...(allowed as { documentTypes: ReadonlySet<DocumentType> }).documentTypes]);
        }
      }
    }
    if (denied.length > 0) {
      throw forbidden(`"${purpose.title}" does not allow ${grant.agency.name} to read these fields`, {
        denied,
        rule: 'PURPOSE_GRANT',
        purpose: purpose.code,
      });
    }
    for (const subject of analysis.citizens.filter((c) => c.hop === 0)) {
      await options.policy.requireConsent(grant, subject.id as string, subject.disclosures.map((d) => d.coordinate));
    }
    return { purpose, grant, documentTypes };
  }
}

function headerError(reason: string): BadUserInputError {
  const error = new BadUserInputError(reason, { field: 'X-Purpose' });
  error.extensions.http = { status: 400 };
  return error;
}

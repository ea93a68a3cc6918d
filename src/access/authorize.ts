import type { Caller } from '../auth/caller';
import { forbidden, purposeRequired, unauthenticated } from '../errors';
import type { Role } from './accessRules';
import type { OperationAnalysis } from './analyzeOperation';

export interface DeniedField {
  path: string;
  field: string;
}

export interface AuthorizeOptions {
  /** Lets requests without a token run introspection-only operations (the playground's schema load). */
  allowAnonymousIntrospection: boolean;
}

function roleOf(caller: Caller): Role | null {
  return caller.kind === 'citizen' ? 'CITIZEN' : caller.kind === 'agency' ? 'AGENCY' : null;
}

/**
 * Decides for the whole operation, before any resolver runs; throws the refusal.
 *
 * Citizen tokens: the citizen's own record in full; of a citizen reached from it in
 * one step — a member of their household, or a parent, spouse or child listed in their
 * own population record — basic identity only (IDENTITY fields: what the household
 * book showed, and what forms about oneself ask of one's relatives); nothing further.
 *
 * Agency tokens: a purpose is required for any operation that reads citizen data.
 */
export function authorize(analysis: OperationAnalysis, caller: Caller, purpose: string | null, options: AuthorizeOptions): void {
  const role = roleOf(caller);
  if (!role) {
    if (analysis.introspection && analysis.rootFields.length === 0 && options.allowAnonymousIntrospection) return;
    throw unauthenticated('a bearer token is required (Authorization: Bearer <token>)');
  }

  const wrongRole = analysis.rootFields.filter((f) => !f.roles.includes(role));
  if (wrongRole.length > 0) {
    throw forbidden(`${wrongRole.map((f) => f.coordinate).join(', ')} cannot be called with ${role.toLowerCase()} tokens`, {
      denied: wrongRole.map((f) => ({ path: f.responseKey, field: f.coordinate })),
      rule: 'ROLE',
    });
  }

  if (caller.kind === 'citizen') {
    const others = analysis.citizens.filter((c) => c.hop === 0 && c.id !== undefined && c.id !== caller.personalId);
    if (others.length > 0) {
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
      throw forbidden("A citizen token may read only the basic identity of their household members and close relatives", {
        denied,
        rule: 'RELATIVES_BASIC_IDENTITY',
      });
    }
    return;
  }

  if (analysis.citizens.length > 0 && !purpose) throw purposeRequired();
}

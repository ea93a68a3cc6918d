import { getDirective } from '@graphql-tools/utils';
import { isObjectType, type GraphQLSchema } from 'graphql';

export type AccessRule = 'IDENTITY' | 'PERSONAL' | 'SENSITIVE' | 'INHERIT' | 'PUBLIC' | 'OWN' | 'COMPUTED';
export type Role = 'CITIZEN' | 'AGENCY';

/** The access rules declared in the SDL, by schema coordinate (`Type.field`). */
export interface AccessRules {
  /** Disclosure rule of an object field. */
  rule(coordinate: string): AccessRule | undefined;
  /** Roles allowed to call a root field. */
  roles(coordinate: string): readonly Role[] | undefined;
}

export class MissingAccessRuleError extends Error {
  override readonly name = 'MissingAccessRuleError';
  constructor(readonly fields: string[]) {
    super(
      `Every field needs an access rule (deny by default); these have none:\n${fields.map((f) => `  - ${f}`).join('\n')}\n` +
        'Add @roles(allow: [...]) to root fields and @access(rule: ...) to every other field.',
    );
  }
}

/**
 * Reads `@roles` and `@access` from the schema and checks that every field of every
 * object type has one. Called at start-up: a field without a rule stops the gateway,
 * naming the field, rather than becoming public by omission.
 */
export function readAccessRules(schema: GraphQLSchema): AccessRules {
  const roots = new Set([schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter(Boolean).map((t) => t?.name));
  const rules = new Map<string, AccessRule>();
  const roles = new Map<string, Role[]>();
  const missing: string[] = [];

  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const coordinate = `${type.name}.${field.name}`;
      if (roots.has(type.name)) {
        const allow = getDirective(schema, field, 'roles')?.[0]?.allow as Role[] | undefined;
        if (allow && allow.length > 0) roles.set(coordinate, allow);
        else missing.push(`${coordinate} (root field: needs @roles)`);
      } else {
        const rule = getDirective(schema, field, 'access')?.[0]?.rule as AccessRule | undefined;
        if (rule) rules.set(coordinate, rule);
        else missing.push(`${coordinate} (needs @access)`);
      }
    }
  }
  if (missing.length > 0) throw new MissingAccessRuleError(missing);
  return {
    rule: (coordinate) => rules.get(coordinate),
    roles: (coordinate) => roles.get(coordinate),
  };
}

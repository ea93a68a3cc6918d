/**
 * A field's facts, shaped like the arguments of the SDL directives that would carry them
 * (schema/directives.graphql); readSchemaFacts checks the values against the schema's
 * `Role` and `AccessRule` enums, as GraphQL checks directive arguments.
 */
export interface DeclaredFieldFacts {
  roles?: { allow: readonly string[] };
  requiresScopes?: { scopes: readonly string[] };
  access?: { rule: string };
  listSize?: { max: number };
}

/**
 * The facts of the fields Apollo Federation adds to the schema (`buildSubgraphSchema` in
 * src/graphql/createSchema.ts). They are not written in schema/*.graphql, so they cannot
 * carry `@roles` or `@access` there; they are declared here instead and checked at
 * start-up like every other field: a field federation adds without an entry here stops
 * the gateway, and so does an entry here for any field it does not add.
 */
export const federationFieldFacts: Readonly<Record<string, DeclaredFieldFacts>> = {
  /**
   * A router's `citizen(id:)`, N at a time: each `Citizen` representation is a citizen
   * named, validated as a personal ID and judged by the one access decision like
   * `citizen(id:)` (src/access/analyzeOperation.ts), so the same callers may use it. At
   * most 100 representations per call, one registry batch; each counts toward
   * LIMIT_CITIZENS and the lookup limits.
   */
  'Query._entities': { roles: { allow: ['CITIZEN', 'AGENCY'] }, listSize: { max: 100 } },
  /**
   * The subgraph's SDL, for agencies that compose the gateway into their supergraph. It
   * is the schema: not for citizens, and production offers no introspection either, so
   * it needs an agency token (and, with PERSISTED_OPERATIONS, a listed operation).
   */
  'Query._service': { roles: { allow: ['AGENCY'] } },
  /** The schema's text: about no citizen. */
  '_Service.sdl': { access: { rule: 'PUBLIC' } },
};

/** Whether Federation, not schema/*.graphql, put this field in the schema (its names start with `_`). */
export function isFederationField(typeName: string, fieldName: string): boolean {
  return (typeName.startsWith('_') && !typeName.startsWith('__')) || (fieldName.startsWith('_') && !fieldName.startsWith('__'));
}

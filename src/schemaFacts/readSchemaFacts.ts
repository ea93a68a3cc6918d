import { getDirective } from '@graphql-tools/utils';
import { getNamedType, getNullableType, isEnumType, isLeafType, isListType, isNonNullType, isObjectType, type GraphQLSchema } from 'graphql';
import { REGISTRY_NAMES, type DocumentType, type RegistryName } from '../../connectors/types';
import { federationFieldFacts, isFederationField, type DeclaredFieldFacts } from './federationFieldFacts';

export type AccessRule = 'IDENTITY' | 'PERSONAL' | 'SENSITIVE' | 'INHERIT' | 'PUBLIC' | 'OWN' | 'COMPUTED';
/** The rules of fields that disclose citizen data: what grants and consents name. */
export type DisclosureRule = 'IDENTITY' | 'PERSONAL' | 'SENSITIVE';
export type Role = 'CITIZEN' | 'AGENCY';

/** The type whose objects are citizens: only a personal ID until a registry field is read. */
export const CITIZEN_TYPE = 'Citizen';

/**
 * What the SDL declares about each field, read once at start-up: who may call a root
 * field (`@roles`, `@requiresScopes`), what a field discloses (`@access`), which
 * registry backs it (`@registry`) and how long a list can be (`@listSize`). Every
 * table the gateway needs about fields — grants, form sources, operation limits, the
 * audit's registries — is derived from these, so a newcomer finds a field's rule
 * where the field is declared.
 */
export interface SchemaFacts {
  /** Disclosure rule of a non-root field (`Person.religion` → SENSITIVE). */
  rule(coordinate: string): AccessRule | undefined;
  /** Roles allowed to call a root field. */
  roles(coordinate: string): readonly Role[] | undefined;
  /** Scopes a root field needs besides its roles; empty when none. */
  requiredScopes(coordinate: string): readonly string[];
  /** The registry a field reads (`Citizen.person` → POPULATION). */
  registry(coordinate: string): RegistryName | undefined;
  /** Most elements of a list field. */
  listSize(coordinate: string): number | undefined;
  /** Coordinates of the fields of a type, in declaration order. */
  fieldsOf(typeName: string): readonly string[];
  /** Every coordinate whose rule discloses citizen data (IDENTITY, PERSONAL, SENSITIVE). */
  readonly citizenFields: readonly string[];
  /** The values of the DocumentType enum. */
  readonly documentTypes: readonly DocumentType[];
  /** Leaf fields of an issued document a form may take (`number`, `issuedOn`, ...). */
  readonly documentParts: readonly string[];
}

export class SchemaFactsError extends Error {
  override readonly name = 'SchemaFactsError';
  constructor(readonly problems: string[]) {
    super(
      `Every field needs its facts in the SDL (deny by default); these are missing or wrong:\n${problems.map((f) => `  - ${f}`).join('\n')}\n` +
        'Root fields need @roles(allow: [...]); every other field @access(rule: ...); every field of Citizen but id @registry(name: ...); every list field @listSize(max: N). ' +
        'Fields that Federation adds (_service, _entities, ...) have theirs in src/schemaFacts/federationFieldFacts.ts.',
    );
  }
}

const DISCLOSING: ReadonlySet<string> = new Set(['IDENTITY', 'PERSONAL', 'SENSITIVE']);

/** True for the rules of fields that disclose citizen data. */
export function isDisclosure(rule: AccessRule | undefined): rule is DisclosureRule {
  return rule !== undefined && DISCLOSING.has(rule);
}

/**
 * Reads `@roles`, `@requiresScopes`, `@access`, `@registry` and `@listSize` from the
 * schema and checks that every field has what it needs. Called at start-up: a field
 * without a rule stops the gateway, naming the field, rather than becoming public by
 * omission; so does a registry-backed field without its registry or a list without
 * its bound. The fields Federation adds take their facts from `declared`
 * (src/schemaFacts/federationFieldFacts.ts), under the same checks.
 */
export function readSchemaFacts(schema: GraphQLSchema, declared: Readonly<Record<string, DeclaredFieldFacts>> = federationFieldFacts): SchemaFacts {
  const roots = new Set([schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter(Boolean).map((t) => t?.name));
  const rules = new Map<string, AccessRule>();
  const roles = new Map<string, Role[]>();
  const scopes = new Map<string, string[]>();
  const registries = new Map<string, RegistryName>();
  const listSizes = new Map<string, number>();
  const fieldsByType = new Map<string, string[]>();
  const problems: string[] = [];
  const roleValues = enumValues(schema, 'Role');
  const ruleValues = enumValues(schema, 'AccessRule');
  const seenDeclared = new Set<string>();

  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    const coordinates: string[] = [];
    for (const field of Object.values(type.getFields())) {
      const coordinate = `${type.name}.${field.name}`;
      coordinates.push(coordinate);
      // A directive's arguments: from the SDL, or, for a field Federation adds, as declared.
      let directive: (name: string) => Record<string, unknown> | undefined;
      if (isFederationField(type.name, field.name)) {
        const facts = declared[coordinate] as Readonly<Record<string, Record<string, unknown> | undefined>> | undefined;
        if (facts) seenDeclared.add(coordinate);
        problems.push(...declaredProblems(coordinate, declared[coordinate], roleValues, ruleValues));
        directive = (name) => facts?.[name];
      } else {
        directive = (name) => getDirective(schema, field, name)?.[0];
      }
      if (roots.has(type.name)) {
        const allow = directive('roles')?.allow as Role[] | undefined;
        if (allow && allow.length > 0) roles.set(coordinate, allow);
        else problems.push(`${coordinate} (root field: needs @roles)`);
        const required = directive('requiresScopes')?.scopes as string[] | undefined;
        if (required) scopes.set(coordinate, required);
      } else {
        const rule = directive('access')?.rule as AccessRule | undefined;
        if (rule) rules.set(coordinate, rule);
        else problems.push(`${coordinate} (needs @access)`);
        if (directive('requiresScopes')) problems.push(`${coordinate} (@requiresScopes belongs on root fields)`);
      }
      const registry = directive('registry')?.name as RegistryName | undefined;
      if (registry) {
        if (!REGISTRY_NAMES.includes(registry)) problems.push(`${coordinate} (@registry names an unknown registry)`);
        registries.set(coordinate, registry);
      } else if (type.name === CITIZEN_TYPE && field.name !== 'id') {
        problems.push(`${coordinate} (registry-backed: needs @registry)`);
      }
      const nullable = isNonNullType(field.type) ? field.type.ofType : field.type;
      const max = directive('listSize')?.max as number | undefined;
      if (isListType(getNullableType(nullable))) {
        if (max === undefined) problems.push(`${coordinate} (list: needs @listSize)`);
        else if (!Number.isInteger(max) || max < 1) problems.push(`${coordinate} (@listSize max must be a positive integer)`);
        else listSizes.set(coordinate, max);
      } else if (max !== undefined) {
        problems.push(`${coordinate} (@listSize on a field that is not a list)`);
      }
    }
    fieldsByType.set(type.name, coordinates);
  }

  for (const coordinate of Object.keys(declared)) {
    if (!seenDeclared.has(coordinate)) problems.push(`${coordinate} (declared in federationFieldFacts.ts, but not a field Federation adds to this schema: declare facts in the SDL)`);
  }

  const documentEnum = schema.getType('DocumentType');
  const documentTypes = (isEnumType(documentEnum) ? documentEnum.getValues().map((v) => v.name) : []) as DocumentType[];
  if (documentTypes.length === 0) problems.push('DocumentType (the enum of issued documents is missing)');
  const documentType = schema.getType('IssuedDocument');
  const documentParts = isObjectType(documentType)
    ? Object.values(documentType.getFields())
        .filter((f) => isLeafType(getNamedType(f.type)) && f.name !== 'id' && f.name !== 'type')
        .map((f) => f.name)
    : [];
  if (problems.length > 0) throw new SchemaFactsError(problems);

  const citizenFields = [...rules].filter(([, rule]) => isDisclosure(rule)).map(([c]) => c);
  return {
    rule: (coordinate) => rules.get(coordinate),
    roles: (coordinate) => roles.get(coordinate),
    requiredScopes: (coordinate) => scopes.get(coordinate) ?? [],
    registry: (coordinate) => registries.get(coordinate),
    listSize: (coordinate) => listSizes.get(coordinate),
    fieldsOf: (typeName) => fieldsByType.get(typeName) ?? [],
    citizenFields,
    documentTypes,
    documentParts,
  };
}

function enumValues(schema: GraphQLSchema, name: string): ReadonlySet<string> {
  const type = schema.getType(name);
  return new Set(isEnumType(type) ? type.getValues().map((v) => v.name) : []);
}

/** What is wrong with the declared facts of a field Federation adds, as GraphQL would check directive arguments. */
function declaredProblems(coordinate: string, facts: DeclaredFieldFacts | undefined, roles: ReadonlySet<string>, rules: ReadonlySet<string>): string[] {
  if (!facts) return [`${coordinate} (added by Federation: needs its facts in src/schemaFacts/federationFieldFacts.ts)`];
  const problems: string[] = [];
  for (const role of facts.roles?.allow ?? []) if (!roles.has(role)) problems.push(`${coordinate} (declared role ${role} is not a Role)`);
  if (facts.access && !rules.has(facts.access.rule)) problems.push(`${coordinate} (declared rule ${facts.access.rule} is not an AccessRule)`);
  return problems;
}

import {
  getArgumentValues,
  getDirectiveValues,
  getNamedType,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isAbstractType,
  isObjectType,
  Kind,
  GraphQLError,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { AccessRules, Role } from './accessRules';

/** A class of data disclosed about one citizen, at the schema coordinate whose rule applies. */
export interface Disclosure {
  /** e.g. `Person.religion`, `Residence.permanentAddress`, `Citizen.documents`. */
  coordinate: string;
  rule: 'IDENTITY' | 'PERSONAL' | 'SENSITIVE';
  /** Response paths (aliases included) where it appears. */
  paths: string[];
  /** Argument values of the field, e.g. `{types: [...]}` for documents. */
  args: Record<string, unknown>;
}

/** A place in the operation where a citizen's data is read. */
export interface CitizenSelection {
  /** Coordinate of the field that reached this citizen: `Query.me`, `Person.father`, ... */
  via: string;
  /** 0 for a root citizen; +1 for each edge from one citizen to another. */
  hop: number;
  /** Response path of the citizen field. */
  path: string;
  /** The `id` argument of a root `citizen(id:)`. */
  id?: string;
  disclosures: Disclosure[];
}

export interface RootFieldSelection {
  coordinate: string;
  responseKey: string;
  roles: readonly Role[];
}

/** Everything an operation would read, known before any resolver runs. */
export interface OperationAnalysis {
  operationType: OperationDefinitionNode['operation'];
  rootFields: RootFieldSelection[];
  citizens: CitizenSelection[];
  /** Selects `__schema` or `__type`. */
  introspection: boolean;
  /** Field selections visited with fragments expanded. */
  selectionCount: number;
  maxDepth: number;
  aliasCount: number;
}

export class OperationTooLargeError extends Error {
  override readonly name = 'OperationTooLargeError';
  constructor(readonly limit: number) {
    super(`the operation expands to more than ${limit} field selections`);
  }
}

export interface AnalyzeInput {
  schema: GraphQLSchema;
  rules: AccessRules;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  /** Coerced variable values. */
  variables: Record<string, unknown>;
  /** Bound on expanded selections, against fragment bombs. */
  maxSelections?: number;
}

const CITIZEN_TYPE = 'Citizen';

interface WalkState {
  citizen: CitizenSelection | null;
  path: string;
  depth: number;
}

/**
 * Walks an operation with fragments (named and inline) expanded, aliases resolved and
 * `@skip`/`@include` applied, and lists for each citizen it reaches the data classes
 * it would disclose. Authorization decides on this result, for the whole operation,
 * before any registry call.
 */
export function analyzeOperation(input: AnalyzeInput): OperationAnalysis {
  const { schema, rules, operation, variables } = input;
  const maxSelections = input.maxSelections ?? 10_000;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of input.document.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  }
  const rootType = schema.getRootType(operation.operation);
  const result: OperationAnalysis = {
    operationType: operation.operation,
    rootFields: [],
    citizens: [],
    introspection: false,
    selectionCount: 0,
    maxDepth: 0,
    aliasCount: 0,
  };
  if (!rootType) return result;

  const included = (node: { directives?: readonly unknown[] } & Parameters<typeof getDirectiveValues>[1]): boolean => {
    if (!node.directives || node.directives.length === 0) return true;
    if (getDirectiveValues(GraphQLSkipDirective, node, variables)?.if === true) return false;
    return getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if !== false;
  };

  const appliesTo = (typeCondition: string | undefined, type: GraphQLObjectType): boolean => {
    if (!typeCondition || typeCondition === type.name) return true;
    const condition = schema.getType(typeCondition);
    return !!condition && isAbstractType(condition) && schema.isSubType(condition, type);
  };

  const eachField = (set: SelectionSetNode, type: GraphQLObjectType, visit: (f: FieldNode) => void, spreading: string[]): void => {
    for (const sel of set.selections) {
      if (!included(sel)) continue;
      if (sel.kind === Kind.FIELD) visit(sel);
      else if (sel.kind === Kind.INLINE_FRAGMENT) {
        if (appliesTo(sel.typeCondition?.name.value, type)) eachField(sel.selectionSet, type, visit, spreading);
      } else {
        const name = sel.name.value;
        const fragment = fragments.get(name);
        // Cycles are rejected by validation; the guard keeps this walk safe regardless.
        if (!fragment || spreading.includes(name)) continue;
        if (appliesTo(fragment.typeCondition.name.value, type)) eachField(fragment.selectionSet, type, visit, [...spreading, name]);
      }
    }
  };

  const walk = (set: SelectionSetNode, type: GraphQLObjectType, state: WalkState): void => {
    eachField(
      set,
      type,
      (field) => {
        if (++result.selectionCount > maxSelections) throw new OperationTooLargeError(maxSelections);
        const name = field.name.value;
        if (field.alias) result.aliasCount++;
        if (name === '__typename') return;
        if (name === '__schema' || name === '__type') {
          result.introspection = true;
          return;
        }
        const def = type.getFields()[name];
        if (!def) return; // unknown fields are rejected by validation
        const coordinate = `${type.name}.${name}`;
        const responseKey = field.alias?.value ?? name;
        const path = state.path ? `${state.path}.${responseKey}` : responseKey;
        const depth = state.depth + 1;
        result.maxDepth = Math.max(result.maxDepth, depth);
        const named = getNamedType(def.type);
        const args = def.args.length > 0 ? safeArgs(def, field, variables) : {};

        let citizen = state.citizen;
        if (type === rootType) {
          result.rootFields.push({ coordinate, responseKey, roles: rules.roles(coordinate) ?? [] });
        } else if (citizen) {
          const rule = rules.rule(coordinate);
          if (rule === 'IDENTITY' || rule === 'PERSONAL' || rule === 'SENSITIVE') record(citizen, coordinate, rule, path, args);
        }
        if (named.name === CITIZEN_TYPE) {
          citizen = {
            via: coordinate,
            hop: state.citizen ? state.citizen.hop + 1 : 0,
            path,
            ...(type === rootType && typeof args.id === 'string' ? { id: args.id } : {}),
            disclosures: [],
          };
          result.citizens.push(citizen);
        }
        if (field.selectionSet && isObjectType(named)) walk(field.selectionSet, named, { citizen, path, depth });
      },
      [],
    );
  };

  walk(operation.selectionSet, rootType, { citizen: null, path: '', depth: 0 });
  return result;
}

function record(citizen: CitizenSelection, coordinate: string, rule: Disclosure['rule'], path: string, args: Record<string, unknown>): void {
  const existing = citizen.disclosures.find((d) => d.coordinate === coordinate && sameArgs(d.args, args));
  if (existing) existing.paths.push(path);
  else citizen.disclosures.push({ coordinate, rule, paths: [path], args });
}

function sameArgs(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function safeArgs(def: Parameters<typeof getArgumentValues>[0], node: FieldNode, variables: Record<string, unknown>): Record<string, unknown> {
  try {
    return getArgumentValues(def, node, variables);
  } catch (err) {
    // Literal errors are caught by validation first; anything left is bad input.
    if (err instanceof GraphQLError) throw err;
    return {};
  }
}

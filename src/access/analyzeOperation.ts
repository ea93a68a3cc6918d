import {
  getArgumentValues,
  getNamedType,
  getNullableType,
  isListType,
  isObjectType,
  GraphQLError,
  type DocumentNode,
  type FieldNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { createFieldCollector } from '../graphql/createFieldCollector';
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
  /** Leaf fields selected on this citizen, as field-name paths (`person.fullName`), for the audit. */
  fieldPaths: Set<string>;
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
  /** Most citizens the operation can read, lists counted at their largest. */
  citizenBound: number;
  /** Estimated work: every field, weighted, lists multiplied by their largest size. */
  cost: number;
}

/** Largest size of each list of the citizen graph, for the bounds above. */
const LIST_BOUNDS: Readonly<Record<string, number>> = {
  'Household.members': 8,
  'Person.children': 12,
  'Citizen.documents': 20,
};
const DEFAULT_LIST_BOUND = 10;
/** Fields that read a registry weigh more than fields of a record already read. */
const REGISTRY_FIELDS = new Set(['Citizen.person', 'Citizen.residence', 'Citizen.household', 'Citizen.documents']);
const REGISTRY_WEIGHT = 10;

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
  /** Response path (aliases) from the root. */
  path: string;
  /** Field names from the current citizen (`person.fullName`). */
  fieldPath: string;
  depth: number;
  /** How many times this selection can run (product of enclosing list bounds). */
  multiplier: number;
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
  const rootType = schema.getRootType(operation.operation);
  const result: OperationAnalysis = {
    operationType: operation.operation,
    rootFields: [],
    citizens: [],
    introspection: false,
    selectionCount: 0,
    maxDepth: 0,
    aliasCount: 0,
    citizenBound: 0,
    cost: 0,
  };
  if (!rootType) return result;
  const eachField = createFieldCollector(schema, input.document, variables);

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
        let fieldPath = state.fieldPath ? `${state.fieldPath}.${name}` : name;
        const depth = state.depth + 1;
        result.maxDepth = Math.max(result.maxDepth, depth);
        const named = getNamedType(def.type);
        const args = def.args.length > 0 ? safeArgs(def, field, variables) : {};
        const multiplier = state.multiplier * (isListType(getNullableType(def.type)) ? (LIST_BOUNDS[coordinate] ?? DEFAULT_LIST_BOUND) : 1);
        result.cost += multiplier * (REGISTRY_FIELDS.has(coordinate) ? REGISTRY_WEIGHT : 1);

        let citizen = state.citizen;
        if (type === rootType) {
          result.rootFields.push({ coordinate, responseKey, roles: rules.roles(coordinate) ?? [] });
        } else if (citizen) {
          const rule = rules.rule(coordinate);
          if (rule === 'IDENTITY' || rule === 'PERSONAL' || rule === 'SENSITIVE') record(citizen, coordinate, rule, path, args);
          if (!field.selectionSet) citizen.fieldPaths.add(fieldPath);
        }
        if (named.name === CITIZEN_TYPE) {
          fieldPath = '';
          citizen = {
            via: coordinate,
            hop: state.citizen ? state.citizen.hop + 1 : 0,
            path,
            ...(type === rootType && typeof args.id === 'string' ? { id: args.id } : {}),
            disclosures: [],
            fieldPaths: new Set(),
          };
          result.citizens.push(citizen);
          result.citizenBound += multiplier;
        }
        if (field.selectionSet && isObjectType(named)) walk(field.selectionSet, named, { citizen, path, fieldPath, depth, multiplier });
      },
    );
  };

  walk(operation.selectionSet, rootType, { citizen: null, path: '', fieldPath: '', depth: 0, multiplier: 1 });
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

import {
  getArgumentValues,
  getNamedType,
  getNullableType,
  isListType,
  isNonNullType,
  isObjectType,
  GraphQLError,
  type DocumentNode,
  type FieldNode,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { DocumentType } from '../../connectors/types';
import { parsePersonalId } from '../domain/personalId';
import { BadUserInputError } from '../errors';
import { createFieldCollector } from '../request/createFieldCollector';
import { CITIZEN_TYPE, isDisclosure, type SchemaFacts } from '../schemaFacts/readSchemaFacts';
import type { Read } from './decide';

/** A place in the operation where a citizen is reached, with everything read about them. */
export interface CitizenSelection {
  /** Coordinate of the field that reached this citizen: `Query.me`, `Person.father`, `Household.members`, ... */
  via: string;
  /** 0 for a root citizen; +1 for each relationship followed from one citizen to another. */
  hop: number;
  /**
   * Response path of the field that reached the citizen (aliases, no list indices), but
   * with its index for a representation of `_entities` (`_entities.1`), and so for all
   * that is read about it (`_entities.1.person.fullName`): each is a citizen named of its own.
   */
  path: string;
  /** The `id` argument of a root `citizen(id:)`, or the id of an `_entities` representation. */
  id?: string;
  /** What the operation reads about this citizen, reaching them included. */
  reads: Read[];
  /** Leaf field paths from the citizen (`person.fullName`), for the audit of a refusal. */
  fieldPaths: Set<string>;
}

export interface RootFieldSelection {
  coordinate: string;
  responseKey: string;
  /** Coerced argument values. */
  args: Record<string, unknown>;
  /**
   * Facts only a data subject may see (`@access(rule: OWN)`) selected in what the field
   * assembles itself (a prefilled form's provenance): they belong to its subject.
   */
  ownerReads: Read[];
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

/** Fields that read a registry weigh more than fields of a record already read. */
const REGISTRY_WEIGHT = 10;
/** A list field that reaches a citizen per element (each member is a citizen of their own). */
const MEMBER_EDGE = 'Household.members';
const MEMBER_CITIZEN = 'HouseholdMember.citizen';
/** Federation's entry point: `citizen(id:)` once per representation. */
const ENTITIES_FIELD = 'Query._entities';

export class OperationTooLargeError extends Error {
  override readonly name = 'OperationTooLargeError';
  constructor(readonly limit: number) {
    super(`the operation expands to more than ${limit} field selections`);
  }
}

export interface AnalyzeInput {
  schema: GraphQLSchema;
  facts: SchemaFacts;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  /** Coerced variable values. */
  variables: Record<string, unknown>;
  /** Bound on expanded selections, against fragment bombs. */
  maxSelections?: number;
}

interface WalkState {
  citizen: CitizenSelection | null;
  /** Response path (aliases) from the root; no list indices but that of an `_entities` representation. */
  path: string;
  /** Field names from the current citizen (`person.fullName`). */
  fieldPath: string;
  depth: number;
  /** How many times this selection can run (product of enclosing list bounds). */
  multiplier: number;
  /** The nearest enclosing field that discloses (its rule covers what is under it), if any. */
  governor: string | null;
  /** The record the selection is in: the citizen itself, or what a registry field read. */
  record: string;
  /** The root field the selection is under. */
  root: RootFieldSelection | null;
}

/**
 * Walks an operation with fragments (named and inline) expanded, aliases resolved and
 * `@skip`/`@include` applied, and lists for each citizen it reaches what it would read:
 * reaching them at all (`reach`), each field that discloses (`field`), navigation,
 * provenance and `__typename` outside any such field (`record`: the rule of the record
 * they belong to), and facts for the subject only (`owner`). Members of a household
 * are citizens of their own, one step further, from `members` on: their relationship
 * to the head is theirs. Each representation of Federation's `_entities` is a citizen
 * named, like `citizen(id:)`, at its own index; a representation that is not a
 * `Citizen` with a valid personal ID is refused as bad input. The single access
 * decision judges this, for the whole operation, before any registry call.
 */
export function analyzeOperation(input: AnalyzeInput): OperationAnalysis {
  const { schema, facts, operation, variables } = input;
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

  const read = (citizen: CitizenSelection, r: Omit<Read, 'paths'>, path: string): void => {
    const same = citizen.reads.find(
      (x) => x.kind === r.kind && x.coordinate === r.coordinate && x.record === r.record && sameTypes(x.documentTypes, r.documentTypes),
    );
    if (same) return void same.paths.push(path);
    // Built whole rather than spread from `r`, whose shapes vary: this runs for every field of every citizen.
    const added: Read = { kind: r.kind, coordinate: r.coordinate, paths: [path] };
    if (r.record !== undefined) added.record = r.record;
    if (r.documentTypes !== undefined) added.documentTypes = r.documentTypes;
    citizen.reads.push(added);
  };

  const reach = (via: string, from: CitizenSelection | null, path: string, multiplier: number, id?: string): CitizenSelection => {
    const citizen: CitizenSelection = {
      via,
      hop: from ? from.hop + 1 : 0,
      path,
      ...(id !== undefined ? { id } : {}),
      reads: [],
      fieldPaths: new Set(),
    };
    read(citizen, { kind: 'reach', coordinate: via }, path);
    result.citizens.push(citizen);
    result.citizenBound += multiplier;
    return citizen;
  };

  const walk = (set: SelectionSetNode, type: GraphQLObjectType, state: WalkState): void => {
    eachField(set, type, (field) => {
      if (++result.selectionCount > maxSelections) throw new OperationTooLargeError(maxSelections);
      const name = field.name.value;
      if (field.alias) result.aliasCount++;
      const responseKey = field.alias?.value ?? name;
      const path = state.path ? `${state.path}.${responseKey}` : responseKey;
      if (name === '__schema' || name === '__type') {
        result.introspection = true;
        return;
      }
      if (name === '__typename') {
        // The type of an object in a citizen's record says the object is there.
        if (state.citizen && !state.governor) read(state.citizen, { kind: 'record', coordinate: `${type.name}.__typename`, record: state.record }, path);
        if (state.citizen) state.citizen.fieldPaths.add(state.fieldPath ? `${state.fieldPath}.__typename` : '__typename');
        return;
      }
      const def = type.getFields()[name];
      if (!def) return; // unknown fields are rejected by validation
      const coordinate = `${type.name}.${name}`;
      const depth = state.depth + 1;
      result.maxDepth = Math.max(result.maxDepth, depth);
      const named = getNamedType(def.type);
      const args = def.args.length > 0 ? safeArgs(def, field, variables) : {};

      if (type === rootType && coordinate === ENTITIES_FIELD) {
        const root: RootFieldSelection = { coordinate, responseKey, args, ownerReads: [] };
        result.rootFields.push(root);
        const citizenType = schema.getType(CITIZEN_TYPE);
        const ids = representedCitizens(args.representations, facts.listSize(coordinate) ?? 1);
        result.cost += ids.length;
        ids.forEach((id, i) => {
          const at = `${path}.${i}`;
          const citizen = reach(coordinate, null, at, 1, id);
          // The selection is on the `_Entity` union: its `... on Citizen` fragments apply.
          if (field.selectionSet && isObjectType(citizenType)) {
            walk(field.selectionSet, citizenType, { citizen, path: at, fieldPath: '', depth, multiplier: 1, governor: null, record: CITIZEN_TYPE, root });
          }
        });
        return;
      }
      const list = isListType(getNullableType(isNonNullType(def.type) ? def.type.ofType : def.type));
      const multiplier = state.multiplier * (list ? (facts.listSize(coordinate) ?? 1) : 1);
      const registry = facts.registry(coordinate);
      // A registry record is opened by a field of Citizen; a field that consults one further
      // down (a document's status) reads a record that request reads once.
      result.cost += multiplier * (registry && type.name === CITIZEN_TYPE ? REGISTRY_WEIGHT : 1);

      if (type === rootType) {
        const root: RootFieldSelection = { coordinate, responseKey, args, ownerReads: [] };
        result.rootFields.push(root);
        if (named.name === CITIZEN_TYPE && field.selectionSet && isObjectType(named)) {
          const citizen = reach(coordinate, null, path, multiplier, typeof args.id === 'string' ? args.id : undefined);
          walk(field.selectionSet, named, { citizen, path, fieldPath: '', depth, multiplier, governor: null, record: CITIZEN_TYPE, root });
        } else if (field.selectionSet && isObjectType(named)) {
          walk(field.selectionSet, named, { ...state, citizen: null, path, fieldPath: '', depth, multiplier, root });
        }
        return;
      }

      const citizen = state.citizen;
      if (!citizen) {
        // Outside the citizen graph (forms, permissions, access logs): what a resolver assembled.
        if (facts.rule(coordinate) === 'OWN' && state.root) state.root.ownerReads.push({ kind: 'owner', coordinate, paths: [path] });
        if (field.selectionSet && isObjectType(named)) walk(field.selectionSet, named, { ...state, path, depth, multiplier });
        return;
      }

      // The member's own citizen object continues the member, one object further.
      if (coordinate === MEMBER_CITIZEN) {
        if (field.selectionSet && isObjectType(named)) walk(field.selectionSet, named, { ...state, path, fieldPath: '', depth, multiplier, governor: null, record: CITIZEN_TYPE });
        return;
      }
      // A relationship to another citizen: they are reached, one step further.
      if (named.name === CITIZEN_TYPE || coordinate === MEMBER_EDGE) {
        if (!field.selectionSet || !isObjectType(named)) return;
        const next = reach(coordinate, citizen, path, multiplier);
        const record = coordinate === MEMBER_EDGE ? named.name : CITIZEN_TYPE;
        walk(field.selectionSet, named, { ...state, citizen: next, path, fieldPath: '', depth, multiplier, governor: null, record });
        return;
      }
      const fieldPath = state.fieldPath ? `${state.fieldPath}.${name}` : name;

      const rule = facts.rule(coordinate);
      if (rule === 'OWN') {
        read(citizen, { kind: 'owner', coordinate }, path);
      } else if (isDisclosure(rule) && !state.governor) {
        const documentTypes = coordinate === 'Citizen.documents' ? (args.types as DocumentType[] | null | undefined) ?? undefined : undefined;
        read(citizen, { kind: 'field', coordinate, ...(documentTypes ? { documentTypes } : {}) }, path);
      } else if (!state.governor && !field.selectionSet) {
        read(citizen, { kind: 'record', coordinate, record: state.record }, path);
      }
      if (!field.selectionSet) {
        citizen.fieldPaths.add(fieldPath);
        return;
      }
      if (!isObjectType(named)) return;
      walk(field.selectionSet, named, {
        ...state,
        citizen,
        path,
        fieldPath,
        depth,
        multiplier,
        governor: state.governor ?? (isDisclosure(rule) ? coordinate : null),
        // A registry field opens a record of its own (Person, Residence, Household).
        record: registry && !state.governor ? named.name : state.record,
      });
    });
  };

  walk(operation.selectionSet, rootType, { citizen: null, path: '', fieldPath: '', depth: 0, multiplier: 1, governor: null, record: CITIZEN_TYPE, root: null });
  return result;
}

/**
 * The personal IDs of `_entities` representations, in order. `_Any` skips scalar parsing,
 * so each representation is checked here as `citizen(id:)` checks its argument: exactly
 * `{ __typename: "Citizen", id }` with a valid personal ID. Anything else — another type,
 * a junk id, extra or nested keys, more than `max` — is bad input naming the
 * representation, before any registry call.
 */
function representedCitizens(value: unknown, max: number): string[] {
  const list = Array.isArray(value) ? value : [];
  if (list.length > max) throw new BadUserInputError(`at most ${max} representations per _entities call, this one has ${list.length}`, { field: 'representations', refuse: true });
  return list.map((representation: unknown, i) => {
    const field = `representations[${i}]`;
    if (representation === null || typeof representation !== 'object' || Array.isArray(representation)) {
      throw new BadUserInputError(`representation ${i} must be an object { __typename: "Citizen", id }`, { field, refuse: true });
    }
    const { __typename: typename, id, ...rest } = representation as Record<string, unknown>;
    if (typename !== CITIZEN_TYPE) {
      throw new BadUserInputError(`representation ${i}: only Citizen representations are resolved here`, { field: `${field}.__typename`, refuse: true });
    }
    if (Object.keys(rest).length > 0) {
      throw new BadUserInputError(`representation ${i}: a Citizen is represented by its id alone`, { field, refuse: true });
    }
    const parsed = parsePersonalId(id);
    if (!parsed.ok) throw new BadUserInputError(`representation ${i}: ${parsed.reason}`, { field: `${field}.id`, refuse: true });
    return parsed.parts.value;
  });
}

function sameTypes(a: readonly DocumentType[] | undefined, b: readonly DocumentType[] | undefined): boolean {
  if (!a || !b) return a === b;
  return a.length === b.length && a.every((t, i) => t === b[i]);
}

function safeArgs(def: GraphQLField<unknown, unknown>, node: FieldNode, variables: Record<string, unknown>): Record<string, unknown> {
  try {
    return getArgumentValues(def, node, variables);
  } catch (err) {
    // Literal errors are caught by validation first; anything left is bad input.
    if (err instanceof GraphQLError) throw err;
    return {};
  }
}

import { getNamedType, isListType, isUnionType, isNonNullType, isObjectType, type DocumentNode, type GraphQLObjectType, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import type { RegistryName } from '../../connectors/types';
import { createFieldCollector } from '../request/createFieldCollector';
import { CITIZEN_TYPE, type SchemaFacts } from '../schemaFacts/readSchemaFacts';

/** What one operation disclosed about one citizen. */
export interface SubjectDisclosure {
  subjectId: string;
  /** Field paths from the citizen (`person.fullName`, `person.children`, `__typename`). */
  fields: Set<string>;
  /** Registries read for this citizen (answered or failed). */
  registries: Set<RegistryName>;
  /** Error codes of fields that failed for this citizen. */
  errors: Set<string>;
}

export interface CollectInput {
  schema: GraphQLSchema;
  facts: SchemaFacts;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  variables: Record<string, unknown>;
  data: Record<string, unknown> | null | undefined;
  errors: readonly { path?: readonly (string | number)[]; extensions?: Record<string, unknown> }[];
  /** Which citizen sits at each concrete response path (`citizen.household.members.2`), as resolved. */
  citizensAt: ReadonlyMap<string, string>;
}

/** A list field whose every element is a citizen of their own (a household member). */
const MEMBER_EDGE = 'Household.members';
const MEMBER_CITIZEN = 'HouseholdMember.citizen';
const MEMBER_TYPE = 'HouseholdMember';
const HOUSEHOLD_FIELD = 'Citizen.household';

/**
 * Walks the response that is about to be sent, alongside the operation, and lists for
 * each citizen in it every fact that left the gateway: fields returned — null values
 * and empty lists included, since "no date of death" and "no criminal-record
 * certificate" are information too —, a relationship followed (on the side of the
 * citizen it starts from: having a spouse, how many children), and the citizen's
 * existence (`__typename`); but not fields that failed. Household members are citizens
 * of their own: their relationship to the head is theirs; so is each `Citizen` that
 * Federation's `_entities` returns, at its index. This is what the audit records: what
 * left the gateway, not what was asked for.
 */
export function collectDisclosures(input: CollectInput): Map<string, SubjectDisclosure> {
  const { facts } = input;
  const subjects = new Map<string, SubjectDisclosure>();
  const eachField = createFieldCollector(input.schema, input.document, input.variables);
  const failed = new Map<string, string>();
  for (const e of input.errors) {
    if (e.path) failed.set(e.path.join('.'), String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR'));
  }
  const subjectFor = (id: string): SubjectDisclosure => {
    let s = subjects.get(id);
    if (!s) subjects.set(id, (s = { subjectId: id, fields: new Set(), registries: new Set(), errors: new Set() }));
    return s;
  };

  const walk = (set: SelectionSetNode, type: GraphQLObjectType, obj: Record<string, unknown>, at: string, subject: SubjectDisclosure | null, rel: string): void => {
    eachField(set, type, (field) => {
      const name = field.name.value;
      const key = field.alias?.value ?? name;
      if (!(key in obj) || name === '__schema' || name === '__type') return;
      const fieldPath = rel ? `${rel}.${name}` : name;
      if (name === '__typename') {
        subject?.fields.add(fieldPath);
        return;
      }
      const def = type.getFields()[name];
      if (!def) return;
      const coordinate = `${type.name}.${name}`;
      const named = getNamedType(def.type);
      const path = at ? `${at}.${key}` : key;
      const value = obj[key];
      const error = failed.get(path);
      // A member's relationship to the head comes from the household's record.
      const registry = facts.registry(coordinate) ?? (type.name === MEMBER_TYPE && name !== 'citizen' ? facts.registry(HOUSEHOLD_FIELD) : undefined);
      if (subject && registry) subject.registries.add(registry);
      if (value === null && error) {
        subject?.errors.add(error);
        return;
      }

      // Another citizen: the relationship (or its absence, or how many) is the reacher's;
      // what is read about them is theirs.
      if (named.name === CITIZEN_TYPE || coordinate === MEMBER_EDGE || coordinate === MEMBER_CITIZEN) {
        if (subject && coordinate !== MEMBER_CITIZEN) subject.fields.add(fieldPath);
        if (!field.selectionSet || !isObjectType(named)) return;
        for (const [p, v] of elements(path, value)) {
          // A member's citizen object continues the member.
          const id = input.citizensAt.get(p) ?? (coordinate === MEMBER_CITIZEN ? subject?.subjectId : undefined);
          if (id) walk(field.selectionSet, named, v, p, subjectFor(id), '');
        }
        return;
      }
      if (!subject) {
        if (field.selectionSet && isObjectType(named)) for (const [p, v] of elements(path, value)) walk(field.selectionSet, named, v, p, null, '');
        return;
      }
      const list = isListType(isNonNullType(def.type) ? def.type.ofType : def.type);
      const objects = value !== null && field.selectionSet && isObjectType(named) ? elements(path, value) : [];
      if (objects.length === 0 || (list && Array.isArray(value) && value.length === 0)) {
        subject.fields.add(fieldPath);
        return;
      }
      for (const [p, v] of objects) walk(field.selectionSet as SelectionSetNode, named as GraphQLObjectType, v, p, subject, fieldPath);
    });
  };

  const root = input.schema.getRootType(input.operation.operation);
  const citizenType = input.schema.getType(CITIZEN_TYPE);
  if (!root || !input.data) return subjects;
  eachField(input.operation.selectionSet, root, (field) => {
    const key = field.alias?.value ?? field.name.value;
    const def = root.getFields()[field.name.value];
    if (!def || !(key in (input.data as object)) || !field.selectionSet) return;
    const named = getNamedType(def.type);
    // Federation's `_entities` answers the `_Entity` union, whose only member is Citizen:
    // each element the reference resolver placed is a citizen. Where it was placed, not
    // what the response says (an alias could be named `__typename`), tells.
    if (isUnionType(named) && isObjectType(citizenType)) {
      for (const [p, v] of elements(key, (input.data as Record<string, unknown>)[key])) {
        const id = input.citizensAt.get(p);
        if (id) walk(field.selectionSet, citizenType, v, p, subjectFor(id), '');
      }
      return;
    }
    if (!isObjectType(named)) return;
    for (const [p, v] of elements(key, (input.data as Record<string, unknown>)[key])) {
      const id = named.name === CITIZEN_TYPE ? input.citizensAt.get(p) : undefined;
      if (named.name === CITIZEN_TYPE && !id) continue;
      walk(field.selectionSet, named, v, p, id ? subjectFor(id) : null, '');
    }
  });
  return subjects;
}

/** The objects a field's value holds, with their concrete paths (lists get indices). */
function elements(path: string, value: unknown): [string, Record<string, unknown>][] {
  if (Array.isArray(value)) {
    return value.flatMap((v, i) => elements(`${path}.${i}`, v));
  }
  return value !== null && typeof value === 'object' ? [[path, value as Record<string, unknown>]] : [];
}

import { getNamedType, isObjectType, type DocumentNode, type GraphQLObjectType, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import type { RegistryName } from '../../connectors/types';
import { createFieldCollector } from '../graphql/createFieldCollector';

/** What one operation disclosed about one citizen. */
export interface SubjectDisclosure {
  subjectId: string;
  /** Field paths from the citizen (`person.fullName`, `household.members.relationshipToHead`). */
  fields: Set<string>;
  /** Registries read for this citizen (answered or failed). */
  registries: Set<RegistryName>;
  /** Error codes of fields that failed for this citizen. */
  errors: Set<string>;
}

export interface CollectInput {
  schema: GraphQLSchema;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  variables: Record<string, unknown>;
  data: Record<string, unknown> | null | undefined;
  errors: readonly { path?: readonly (string | number)[]; extensions?: Record<string, unknown> }[];
  /** Which citizen sits at each concrete response path (`citizen.household.members.2.citizen`), as resolved. */
  citizensAt: ReadonlyMap<string, string>;
}

const CITIZEN = 'Citizen';
const REGISTRY_OF: Readonly<Record<string, RegistryName>> = {
  person: 'POPULATION',
  residence: 'RESIDENCE',
  household: 'RESIDENCE',
  documents: 'DOCUMENTS',
};

/**
 * Walks the response that is about to be sent, alongside the operation, and lists
 * for each citizen in it the fields actually returned — null values included, since
 * a null (no date of death) is information too — but not fields that failed. This is
 * what the audit records: what left the gateway, not what was asked for.
 */
export function collectDisclosures(input: CollectInput): Map<string, SubjectDisclosure> {
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
      if (name.startsWith('__') || !(key in obj)) return;
      const def = type.getFields()[name];
      if (!def) return;
      const named = getNamedType(def.type);
      const path = at ? `${at}.${key}` : key;
      const value = obj[key];

      if (named.name === CITIZEN) {
        for (const [p, v] of elements(path, value)) {
          const id = input.citizensAt.get(p);
          if (id && field.selectionSet && isObjectType(named)) walk(field.selectionSet, named, v, p, subjectFor(id), '');
        }
        return;
      }
      if (!subject) {
        if (field.selectionSet && isObjectType(named)) for (const [p, v] of elements(path, value)) walk(field.selectionSet, named, v, p, null, '');
        return;
      }
      const fieldPath = rel ? `${rel}.${name}` : name;
      const registry = REGISTRY_OF[fieldPath.split('.')[0] as string];
      if (registry) subject.registries.add(registry);
      const error = failed.get(path);
      if (value === null && error) {
        subject.errors.add(error);
        return;
      }
      if (value !== null && field.selectionSet && isObjectType(named)) {
        for (const [p, v] of elements(path, value)) walk(field.selectionSet, named, v, p, subject, fieldPath);
        return;
      }
      subject.fields.add(fieldPath);
    });
  };

  const root = input.schema.getRootType(input.operation.operation);
  if (root && input.data) walk(input.operation.selectionSet, root, input.data, '', null, '');
  return subjects;
}

/** The objects a field's value holds, with their concrete paths (lists get indices). */
function elements(path: string, value: unknown): [string, Record<string, unknown>][] {
  if (Array.isArray(value)) {
    return value.flatMap((v, i) => elements(`${path}.${i}`, v));
  }
  return value !== null && typeof value === 'object' ? [[path, value as Record<string, unknown>]] : [];
}

import {
  getNamedType,
  isListType,
  isNonNullType,
  isObjectType,
  isUnionType,
  type DocumentNode,
  type FieldNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import type { RegistryName } from '../../connectors/types';
import { CITIZEN_TYPE, type SchemaFacts } from '../schemaFacts/readSchemaFacts';
import { expandSelections, fragmentsOf } from '../request/createFieldCollector';
import type { SubjectDisclosure } from './collectDisclosures';

/**
 * What an operation discloses, worked out once per operation (at start-up for persisted
 * operations, once per parsed document otherwise) from the operation and the schema
 * facts alone: for every place in the operation where a citizen is reached, the field
 * paths, relationships and registries that an answer there discloses.
 *
 * Applying a plan to an answer needs the answer for three things only, and for no leaf
 * value: which citizen sits at each element of a list or relationship (from what the
 * resolvers recorded, `citizensAt`, at the element's path); whether an object or list is
 * null or empty (then the field itself is the disclosure: "no residence", "no documents");
 * and, when the answer has errors, which fields failed (a failed field discloses nothing
 * and its code is recorded). With no error and no `@skip`/`@include`, each object's leaf
 * paths are added as one precomputed list.
 *
 * It follows the same rules as the walk of the answer (src/audit/collectDisclosures.ts),
 * which is kept as the reference: with AUDIT_PLAN_CHECK=on both run and must agree.
 */

/** A list field whose every element is a citizen of their own (a household member). */
const MEMBER_EDGE = 'Household.members';
const MEMBER_CITIZEN = 'HouseholdMember.citizen';
const MEMBER_TYPE = 'HouseholdMember';
const HOUSEHOLD_FIELD = 'Citizen.household';

/** How a field discloses: a leaf or `__typename` by being there, an object by what it holds, a citizen as a relationship and a subject of their own. */
type FieldKind = 'typename' | 'leaf' | 'object' | 'citizen' | 'member';

interface PlanField {
  key: string;
  kind: FieldKind;
  /** Path from the subject (`person.fullName`): by field name, aliases ignored. */
  fieldPath: string;
  registry: RegistryName | undefined;
  list: boolean;
  /** The object's or citizen's own plan, when it has one. */
  child: PlanSet | null;
}

interface PlanSet {
  fields: PlanField[];
  /** Fields that are neither leaves nor `__typename`: the only ones whose value is looked at. */
  objects: PlanField[];
  /** Leaf and `__typename` paths, added at once when the set is static and the answer has no error. */
  leafPaths: string[];
  leafRegistries: RegistryName[];
  /** No `@skip`/`@include` in the operation: every selected key is in the answer. */
  static: boolean;
  /** Whether any citizen can be reached below (sets without one are skipped where no subject is open). */
  reachesCitizen: boolean;
}

interface RootField {
  key: string;
  kind: 'entities' | 'citizen' | 'object';
  child: PlanSet;
}

/** One operation's plan. */
export interface DisclosurePlan {
  roots: RootField[];
}

export interface PlanInput {
  data: Record<string, unknown> | null | undefined;
  errors: readonly { path?: readonly (string | number)[]; extensions?: Record<string, unknown> }[];
  citizensAt: ReadonlyMap<string, string>;
}

/** Plans by operation, cached by the operation's node: Apollo Server reuses parsed documents, the compiled lane its manifest's. */
export interface DisclosurePlans {
  planFor(document: DocumentNode, operation: OperationDefinitionNode): DisclosurePlan;
  /** When set (AUDIT_PLAN_CHECK), told of every operation whose plan and walk disagreed. */
  onMismatch?: (detail: { operation: string | null; plan: string; walk: string }) => void;
}

export function createDisclosurePlans(schema: GraphQLSchema, facts: SchemaFacts, onMismatch?: DisclosurePlans['onMismatch']): DisclosurePlans {
  const plans = new WeakMap<OperationDefinitionNode, DisclosurePlan>();
  return {
    planFor(document, operation) {
      let plan = plans.get(operation);
      if (!plan) plans.set(operation, (plan = buildPlan(schema, facts, document, operation)));
      return plan;
    },
    ...(onMismatch ? { onMismatch } : {}),
  };
}

function buildPlan(schema: GraphQLSchema, facts: SchemaFacts, document: DocumentNode, operation: OperationDefinitionNode): DisclosurePlan {
  const fragments = fragmentsOf(document);
  let dynamic = false;
  // Every selection counts, whatever its directives (they depend on variables): the plan notes that it has some.
  const everySelection = (sel: SelectionNode): boolean => {
    if (sel.directives && sel.directives.length > 0) dynamic = true;
    return true;
  };
  /** Fields by response key, every occurrence (fragments expanded, directives kept for presence checks). */
  const collect = (sets: readonly SelectionSetNode[], type: GraphQLObjectType): Map<string, FieldNode[]> => {
    const byKey = new Map<string, FieldNode[]>();
    const add = (field: FieldNode): void => {
      const key = field.alias?.value ?? field.name.value;
      const list = byKey.get(key);
      if (list) list.push(field);
      else byKey.set(key, [field]);
    };
    for (const set of sets) expandSelections(schema, fragments, set, type, add, everySelection);
    return byKey;
  };
  const subsets = (nodes: readonly FieldNode[]) => nodes.flatMap((n) => (n.selectionSet ? [n.selectionSet] : []));

  const compile = (sets: readonly SelectionSetNode[], type: GraphQLObjectType, rel: string): PlanSet => {
    const fields: PlanField[] = [];
    let reachesCitizen = false;
    for (const [key, nodes] of collect(sets, type)) {
      const name = (nodes[0] as FieldNode).name.value;
      if (name === '__schema' || name === '__type') continue;
      const fieldPath = rel ? `${rel}.${name}` : name;
      if (name === '__typename') {
        fields.push({ key, kind: 'typename', fieldPath, registry: undefined, list: false, child: null });
        continue;
      }
      const def = type.getFields()[name];
      if (!def) continue;
      const coordinate = `${type.name}.${name}`;
      const named = getNamedType(def.type);
      // A member's relationship to the head comes from the household's record.
      const registry = facts.registry(coordinate) ?? (type.name === MEMBER_TYPE && name !== 'citizen' ? facts.registry(HOUSEHOLD_FIELD) : undefined);
      const list = isListType(isNonNullType(def.type) ? def.type.ofType : def.type);
      const selected = subsets(nodes);
      if (named.name === CITIZEN_TYPE || coordinate === MEMBER_EDGE || coordinate === MEMBER_CITIZEN) {
        reachesCitizen = true;
        const child = selected.length > 0 && isObjectType(named) ? compile(selected, named, '') : null;
        fields.push({ key, kind: coordinate === MEMBER_CITIZEN ? 'member' : 'citizen', fieldPath, registry, list, child });
        continue;
      }
      if (selected.length > 0 && isObjectType(named)) {
        const child = compile(selected, named, fieldPath);
        reachesCitizen ||= child.reachesCitizen;
        fields.push({ key, kind: 'object', fieldPath, registry, list, child });
        continue;
      }
      fields.push({ key, kind: 'leaf', fieldPath, registry, list, child: null });
    }
    const leaves = fields.filter((f) => f.kind === 'typename' || f.kind === 'leaf');
    return {
      fields,
      objects: fields.filter((f) => f.kind !== 'typename' && f.kind !== 'leaf'),
      leafPaths: leaves.map((f) => f.fieldPath),
      leafRegistries: [...new Set(leaves.flatMap((f) => (f.registry ? [f.registry] : [])))],
      static: true,
      reachesCitizen,
    };
  };

  const roots: RootField[] = [];
  const root = schema.getRootType(operation.operation);
  const citizenType = schema.getType(CITIZEN_TYPE);
  if (root) {
    for (const [key, nodes] of collect([operation.selectionSet], root)) {
      const def = root.getFields()[(nodes[0] as FieldNode).name.value];
      const selected = subsets(nodes);
      if (!def || selected.length === 0) continue;
      const named = getNamedType(def.type);
      // Federation's `_entities` answers the `_Entity` union, whose only member is Citizen.
      if (isUnionType(named) && isObjectType(citizenType)) roots.push({ key, kind: 'entities', child: compile(selected, citizenType, '') });
      else if (isObjectType(named)) roots.push({ key, kind: named.name === CITIZEN_TYPE ? 'citizen' : 'object', child: compile(selected, named, '') });
    }
  }
  if (dynamic) {
    const mark = (set: PlanSet): void => {
      set.static = false;
      for (const f of set.objects) if (f.child) mark(f.child);
    };
    for (const r of roots) mark(r.child);
  }
  return { roots };
}

/** What the answer disclosed about each citizen, by the plan. */
export function applyPlan(plan: DisclosurePlan, input: PlanInput): Map<string, SubjectDisclosure> {
  const subjects = new Map<string, SubjectDisclosure>();
  const data = input.data;
  if (!data) return subjects;
  let failed: Map<string, string> | null = null;
  for (const e of input.errors) {
    if (e.path) (failed ??= new Map()).set(e.path.join('.'), String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR'));
  }
  const citizensAt = input.citizensAt;
  const subjectFor = (id: string): SubjectDisclosure => {
    let s = subjects.get(id);
    if (!s) subjects.set(id, (s = { subjectId: id, fields: new Set(), registries: new Set(), errors: new Set() }));
    return s;
  };

  const apply = (set: PlanSet, obj: Record<string, unknown>, at: string, subject: SubjectDisclosure | null): void => {
    if (!subject && !set.reachesCitizen) return;
    let fields = set.fields;
    if (subject && set.static && failed === null) {
      // Every selected key is there and nothing failed: the leaves are disclosed as planned.
      for (const p of set.leafPaths) subject.fields.add(p);
      for (const r of set.leafRegistries) subject.registries.add(r);
      fields = set.objects;
    }
    for (const f of fields) {
      // A field left out by `@skip`/`@include` is absent (graphql-jit leaves its key, undefined).
      const value = obj[f.key];
      if (!set.static && value === undefined) continue;
      if (f.kind === 'typename') {
        subject?.fields.add(f.fieldPath);
        continue;
      }
      const path = at ? `${at}.${f.key}` : f.key;
      if (subject && f.registry) subject.registries.add(f.registry);
      if (value === null && failed !== null) {
        const error = failed.get(path);
        if (error) {
          subject?.errors.add(error);
          continue;
        }
      }
      if (f.kind === 'citizen' || f.kind === 'member') {
        if (subject && f.kind === 'citizen') subject.fields.add(f.fieldPath);
        const child = f.child;
        if (!child) continue;
        forEachObject(path, value, (p, v) => {
          // A member's citizen object continues the member.
          const id = citizensAt.get(p) ?? (f.kind === 'member' ? subject?.subjectId : undefined);
          if (id) apply(child, v, p, subjectFor(id));
        });
        continue;
      }
      if (!subject) {
        if (f.child) forEachObject(path, value, (p, v) => apply(f.child as PlanSet, v, p, null));
        continue;
      }
      if (f.kind === 'leaf' || value === null || (f.list && Array.isArray(value) && value.length === 0)) {
        subject.fields.add(f.fieldPath);
        continue;
      }
      let any = false;
      forEachObject(path, value, (p, v) => {
        any = true;
        apply(f.child as PlanSet, v, p, subject);
      });
      if (!any) subject.fields.add(f.fieldPath);
    }
  };

  for (const r of plan.roots) {
    if (data[r.key] === undefined) continue;
    forEachObject(r.key, data[r.key], (p, v) => {
      if (r.kind === 'object') return apply(r.child, v, p, null);
      const id = citizensAt.get(p);
      if (id) apply(r.child, v, p, subjectFor(id));
    });
  }
  return subjects;
}

/** Each object a value holds, with its concrete path (lists get indices), as the walk's `elements`. */
function forEachObject(path: string, value: unknown, each: (path: string, obj: Record<string, unknown>) => void): void {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) forEachObject(`${path}.${i}`, value[i], each);
    return;
  }
  if (value !== null && typeof value === 'object') each(path, value as Record<string, unknown>);
}

/** A disclosure set in a stable form, for comparing plan and walk. */
export function describeDisclosures(subjects: ReadonlyMap<string, SubjectDisclosure>): string {
  return JSON.stringify(
    [...subjects.values()]
      .map((s) => ({ subject: s.subjectId.slice(-4), fields: [...s.fields].sort(), registries: [...s.registries].sort(), errors: [...s.errors].sort() }))
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
  );
}

import {
  getDirectiveValues,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isAbstractType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLObjectType,
  type GraphQLSchema,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';

/** Calls `visit` for each field a selection set selects on `type`, fragments expanded. */
export type FieldCollector = (set: SelectionSetNode, type: GraphQLObjectType, visit: (field: FieldNode) => void) => void;

/**
 * Expands named and inline fragments (honouring type conditions) and applies
 * `@skip`/`@include` with the operation's variables, as execution does. Shared by
 * the access analysis (before execution) and the audit (after it), so that both see
 * the same fields.
 */
export function createFieldCollector(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown>): FieldCollector {
  const fragments = fragmentsOf(document);
  const included = (node: SelectionNode): boolean => {
    if (!node.directives || node.directives.length === 0) return true;
    if (getDirectiveValues(GraphQLSkipDirective, node, variables)?.if === true) return false;
    return getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if !== false;
  };
  return (set, type, visit) => expandSelections(schema, fragments, set, type, visit, included);
}

/** A document's fragment definitions by name. */
export function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  return fragments;
}

/**
 * Calls `visit` for each field `set` selects on `type`: named and inline fragments expanded
 * where their type condition applies to `type`, a selection for which `included` is false
 * left out with everything under it. The one walk behind the field collector above and the
 * audit's disclosure plans (src/audit/disclosurePlan.ts), which decide inclusion differently.
 */
export function expandSelections(
  schema: GraphQLSchema,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  set: SelectionSetNode,
  type: GraphQLObjectType,
  visit: (field: FieldNode) => void,
  included: (selection: SelectionNode) => boolean,
  spreading: readonly string[] = [],
): void {
  for (const sel of set.selections) {
    if (!included(sel)) continue;
    if (sel.kind === Kind.FIELD) visit(sel);
    else if (sel.kind === Kind.INLINE_FRAGMENT) {
      if (appliesTo(schema, sel.typeCondition?.name.value, type)) expandSelections(schema, fragments, sel.selectionSet, type, visit, included, spreading);
    } else {
      const name = sel.name.value;
      const fragment = fragments.get(name);
      // Cycles are rejected by validation; the guard keeps the walk safe regardless.
      if (!fragment || spreading.includes(name)) continue;
      if (appliesTo(schema, fragment.typeCondition.name.value, type)) expandSelections(schema, fragments, fragment.selectionSet, type, visit, included, [...spreading, name]);
    }
  }
}

function appliesTo(schema: GraphQLSchema, typeCondition: string | undefined, type: GraphQLObjectType): boolean {
  if (!typeCondition || typeCondition === type.name) return true;
  const condition = schema.getType(typeCondition);
  return !!condition && isAbstractType(condition) && schema.isSubType(condition, type);
}

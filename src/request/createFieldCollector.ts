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
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);

  const included = (node: Parameters<typeof getDirectiveValues>[1]): boolean => {
    if (!node.directives || node.directives.length === 0) return true;
    if (getDirectiveValues(GraphQLSkipDirective, node, variables)?.if === true) return false;
    return getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if !== false;
  };
  const appliesTo = (typeCondition: string | undefined, type: GraphQLObjectType): boolean => {
    if (!typeCondition || typeCondition === type.name) return true;
    const condition = schema.getType(typeCondition);
    return !!condition && isAbstractType(condition) && schema.isSubType(condition, type);
  };
  const collect = (set: SelectionSetNode, type: GraphQLObjectType, visit: (f: FieldNode) => void, spreading: readonly string[]): void => {
    for (const sel of set.selections) {
      if (!included(sel)) continue;
      if (sel.kind === Kind.FIELD) visit(sel);
      else if (sel.kind === Kind.INLINE_FRAGMENT) {
        if (appliesTo(sel.typeCondition?.name.value, type)) collect(sel.selectionSet, type, visit, spreading);
      } else {
        const name = sel.name.value;
        const fragment = fragments.get(name);
        // Cycles are rejected by validation; the guard keeps the walk safe regardless.
        if (!fragment || spreading.includes(name)) continue;
        if (appliesTo(fragment.typeCondition.name.value, type)) collect(fragment.selectionSet, type, visit, [...spreading, name]);
      }
    }
  };
  return (set, type, visit) => collect(set, type, visit, []);
}

import {
  getArgumentValues,
  getNamedType,
  getNullableType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/** A list the schema does not page (`homework`, `drafts`, `reminders`, ...) is assumed to hold this many items. */
export const UNPAGED_LIST_SIZE = 10;

/**
 * An upper estimate of the fields an operation makes the server resolve:
 * every field costs 1; a list multiplies what it holds by its size, which is
 * the page its connection asked for (`first`, from a literal, a variable or
 * the schema's default) or UNPAGED_LIST_SIZE. So `engagements(first: 200)
 * { edges { node { id } } }` costs 1 + (1 + 200 × (1 + 1)) = 402.
 *
 * Runs once variables are known (before execution): a page size passed as a
 * variable counts as much as one written in the document. Introspection roots
 * are free when introspection is on; fragments are measured once per page size.
 */
export function operationCost(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown> | undefined,
  introspection: boolean,
): number {
  const queryType = schema.getQueryType();
  const memo = new Map<string, number>();
  const visiting = new Set<string>();

  const pageOf = (def: GraphQLField<unknown, unknown>, node: FieldNode): number | undefined => {
    if (!def.args.some((a) => a.name === 'first')) return undefined;
    try {
      const first = getArgumentValues(def, node, variables ?? {})['first'];
      return typeof first === 'number' && Number.isFinite(first) ? Math.max(0, Math.floor(first)) : undefined;
    } catch {
      return undefined; // a bad argument is refused when the operation runs; no resolver sees it
    }
  };

  const fieldCost = (node: FieldNode, parent: GraphQLNamedType, page: number | undefined): number => {
    const name = node.name.value;
    if (introspection && parent === queryType && (name === '__schema' || name === '__type')) return 0;
    const def = fieldDef(schema, parent, name);
    if (!def) return 0; // unknown field: validation refuses it
    if (!node.selectionSet) return 1;
    const list = isListType(getNullableType(def.type));
    const size = list ? (page ?? UNPAGED_LIST_SIZE) : 1;
    // a connection's page size applies to the list right below it (`edges`)
    const inner = selectionsCost(node.selectionSet, getNamedType(def.type), list ? undefined : pageOf(def, node));
    return 1 + size * inner;
  };

  const selectionsCost = (set: SelectionSetNode, parent: GraphQLNamedType, page: number | undefined): number => {
    let cost = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) {
        cost += fieldCost(selection, parent, page);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        cost += type ? selectionsCost(selection.selectionSet, type, page) : 0;
      } else {
        cost += fragmentCost(selection.name.value, page);
      }
    }
    return cost;
  };

  const fragmentCost = (name: string, page: number | undefined): number => {
    const key = `${name}:${page ?? ''}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    const definition = fragments[name];
    const type = definition && schema.getType(definition.typeCondition.name.value);
    if (!definition || !type || visiting.has(name)) return 0;
    visiting.add(name);
    const cost = selectionsCost(definition.selectionSet, type, page);
    visiting.delete(name);
    memo.set(key, cost);
    return cost;
  };

  const root = operation.operation === 'query' ? queryType : operation.operation === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  return root ? selectionsCost(operation.selectionSet, root, undefined) : 0;
}

function fieldDef(schema: GraphQLSchema, parent: GraphQLNamedType, name: string): GraphQLField<unknown, unknown> | undefined {
  if (name === '__typename') return TypeNameMetaFieldDef;
  if (parent === schema.getQueryType()) {
    if (name === '__schema') return SchemaMetaFieldDef;
    if (name === '__type') return TypeMetaFieldDef;
  }
  return isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
}

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
import { isPagedList, LIST_MAXIMA, MAX_PAGE_SIZE } from './list-maxima.js';

/** How many items a list can hold, for the estimate. */
export interface ListSizes {
  /** unpaged lists by `Type.field`: their hard maximum */
  maxima: Readonly<Record<string, number>>;
  /** a connection's page asked for without `first` */
  maxPage: number;
}

/**
 * A list neither paged nor in the table (list-maxima.spec.ts keeps the real
 * schema free of those): assumed this large, so forgetting one errs on the side of refusing.
 */
export const UNKNOWN_LIST_SIZE = 1_000;

const DEFAULT_SIZES: ListSizes = { maxima: LIST_MAXIMA, maxPage: MAX_PAGE_SIZE };

/**
 * An upper estimate of the fields an operation makes the server resolve:
 * every field costs 1; a list multiplies what it holds by its size, which is
 * the page its connection asked for (`first`, from a literal, a variable or
 * the schema's default) or the list's hard maximum (LIST_MAXIMA: homework of
 * an engagement, drafts of a homework, ...). So `engagements(first: 200)
 * { edges { node { id } } }` costs 1 + (1 + 200 × (1 + 1)) = 402, and
 * `engagement { homework { engagement { homework { id } } } }` costs about 200 × 200.
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
  sizes: ListSizes = DEFAULT_SIZES,
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

  const listMaximum = (typeName: string, fieldName: string): number =>
    sizes.maxima[`${typeName}.${fieldName}`] ?? (isPagedList(typeName, fieldName) ? sizes.maxPage : UNKNOWN_LIST_SIZE);

  const fieldCost = (node: FieldNode, parent: GraphQLNamedType, page: number | undefined): number => {
    const name = node.name.value;
    if (introspection && parent === queryType && (name === '__schema' || name === '__type')) return 0;
    const def = fieldDef(schema, parent, name);
    if (!def) return 0; // unknown field: validation refuses it
    if (!node.selectionSet) return 1;
    const list = isListType(getNullableType(def.type));
    const size = list ? (page ?? listMaximum(parent.name, name)) : 1;
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

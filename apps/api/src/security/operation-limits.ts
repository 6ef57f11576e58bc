import {
  GraphQLError,
  Kind,
  type ASTNode,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

/** Shape limits of one operation, checked while the document is validated (before anything runs). */
export interface ShapeLimits {
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  maxFields: number;
  maxStringLength: number;
}

/** What an operation (or a fragment) adds up to, fragments expanded where they are spread. */
export interface Shape {
  depth: number;
  aliases: number;
  directives: number;
  fields: number;
}

const NONE: Shape = { depth: 0, aliases: 0, directives: 0, fields: 0 };
const INTROSPECTION_ROOTS = new Set(['__schema', '__type']);

/**
 * Measures an operation as written: field depth (a fragment spread adds no
 * level of its own), aliases, directives and field selections, each fragment
 * counted every time it is spread (measured once, memoized, so a fragment
 * spread many times costs no more to measure). A fragment cycle counts as
 * nothing here: graphql-js refuses it in the same validation pass.
 *
 * Only real introspection *fields* at the query root (`__schema`, `__type`)
 * are left out, and only when introspection is on: a fragment, an alias or a
 * field elsewhere named `__schema` is measured like any other (the published
 * graphql-armor bypass counted fragments named `__schema` as introspection).
 */
export function measureOperation(operation: OperationDefinitionNode, fragmentOf: (name: string) => FragmentDefinitionNode | undefined, introspection: boolean): Shape {
  const memo = new Map<string, Shape>();
  const visiting = new Set<string>();

  const selections = (set: SelectionSetNode, atQueryRoot: boolean): Shape => {
    let shape = NONE;
    for (const selection of set.selections) {
      let own: Shape;
      if (selection.kind === Kind.FIELD) {
        if (atQueryRoot && introspection && INTROSPECTION_ROOTS.has(selection.name.value)) continue;
        const inner = selection.selectionSet ? selections(selection.selectionSet, false) : NONE;
        own = {
          depth: 1 + inner.depth,
          aliases: (selection.alias ? 1 : 0) + inner.aliases,
          directives: (selection.directives?.length ?? 0) + inner.directives,
          fields: 1 + inner.fields,
        };
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const inner = selections(selection.selectionSet, atQueryRoot);
        own = { ...inner, directives: (selection.directives?.length ?? 0) + inner.directives };
      } else {
        const inner = fragment(selection.name.value, atQueryRoot);
        own = { ...inner, directives: (selection.directives?.length ?? 0) + inner.directives };
      }
      shape = combine(shape, own);
    }
    return shape;
  };

  const fragment = (name: string, atQueryRoot: boolean): Shape => {
    const key = `${atQueryRoot ? 'root' : 'inner'}:${name}`;
    const known = memo.get(key);
    if (known) return known;
    const definition = fragmentOf(name);
    if (!definition || visiting.has(name)) return NONE;
    visiting.add(name);
    const inner = selections(definition.selectionSet, atQueryRoot);
    visiting.delete(name);
    const shape = { ...inner, directives: (definition.directives?.length ?? 0) + inner.directives };
    memo.set(key, shape);
    return shape;
  };

  const variableDirectives = (operation.variableDefinitions ?? []).reduce((n, v) => n + (v.directives?.length ?? 0), 0);
  const body = selections(operation.selectionSet, operation.operation === 'query');
  return { ...body, directives: body.directives + (operation.directives?.length ?? 0) + variableDirectives };
}

function combine(a: Shape, b: Shape): Shape {
  return {
    depth: Math.max(a.depth, b.depth),
    aliases: a.aliases + b.aliases,
    directives: a.directives + b.directives,
    fields: a.fields + b.fields,
  };
}

/** A refusal of an operation that is too big: BAD_USER_INPUT (GRAPHQL_VALIDATION_FAILED), HTTP 400, `extensions.limit`. */
export function limitError(limit: string, message: string, nodes?: ASTNode | readonly ASTNode[]): GraphQLError {
  return new GraphQLError(message, { nodes, extensions: { limit } });
}

/** The validation rule: every operation of the document measured against the limits. */
export function shapeLimitsRule(limits: ShapeLimits, introspection: boolean): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    let longString = false;
    return {
      StringValue(node) {
        if (longString || node.value.length <= limits.maxStringLength) return;
        longString = true;
        context.reportError(limitError('stringLength', `A string in the document is longer than ${limits.maxStringLength} characters`, node));
      },
      OperationDefinition(node) {
        const shape = measureOperation(node, (name) => context.getFragment(name) ?? undefined, introspection);
        const what = node.name ? `Operation ${node.name.value}` : 'The operation';
        const checks: [keyof Shape, number, string][] = [
          ['depth', limits.maxDepth, 'is nested {found} fields deep; the limit is {max}'],
          ['aliases', limits.maxAliases, 'uses {found} aliases; the limit is {max}'],
          ['directives', limits.maxDirectives, 'uses {found} directives; the limit is {max}'],
          ['fields', limits.maxFields, 'selects {found} fields; the limit is {max}'],
        ];
        for (const [limit, max, text] of checks) {
          if (shape[limit] > max) {
            const found = Number.isFinite(shape[limit]) ? String(shape[limit]) : 'too many';
            context.reportError(limitError(limit, `${what} ${text.replace('{found}', found).replace('{max}', String(max))}`, node));
          }
        }
      },
    };
  };
}

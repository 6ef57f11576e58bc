import { isObjectType, type FieldNode, type GraphQLFieldResolver, type GraphQLResolveInfo, type GraphQLSchema } from 'graphql';

/**
 * Plain data a list already loaded for its nodes, answered without a field
 * resolver per object. The `engagements` list loads homework → drafts →
 * feedback level by level, one statement each (request.ts, `…OfPage`), and
 * attaches each level to its parents; the fields
 * below then resolve synchronously from the attached values: no Nest
 * resolver wrapper, no DataLoader call and no promise per object. Anywhere
 * else (a single homework, a field with arguments, the websocket) the field
 * resolvers answer as before.
 */
const PRELOADED = Symbol('preloaded');

/** The fields that may be answered from attached values, by type (only when asked without arguments). */
export const PRELOADABLE: Readonly<Record<string, readonly string[]>> = {
  Engagement: ['homework'],
  Homework: ['drafts'],
  Draft: ['feedback'],
};

type Carrier = { [PRELOADED]?: Record<string, unknown> };

/** Attaches `value` as the answer of `field` of `parent` (a model object of this request). */
export function attach(parent: object, field: string, value: unknown): void {
  const carrier = parent as Carrier;
  (carrier[PRELOADED] ??= {})[field] = value;
}

/**
 * Wraps the resolvers of PRELOADABLE: an attached value answers a field asked
 * without arguments; otherwise the field's own resolver runs. The schema's
 * printed form is unchanged (this runs after the schema file is written).
 */
export function withPreloadedFields(schema: GraphQLSchema): GraphQLSchema {
  for (const [typeName, fields] of Object.entries(PRELOADABLE)) {
    const type = schema.getType(typeName);
    if (!isObjectType(type)) throw new Error(`preloaded fields: ${typeName} is not an object type of the schema`);
    for (const name of fields) {
      const field = type.getFields()[name];
      if (!field?.resolve) throw new Error(`preloaded fields: ${typeName}.${name} has no resolver to stand in for`);
      const own: GraphQLFieldResolver<unknown, unknown> = field.resolve;
      field.resolve = (source, args, context, info) => {
        const attached = (source as Carrier | null)?.[PRELOADED];
        if (attached && name in attached && Object.keys(args).length === 0) return attached[name];
        return own(source, args, context, info);
      };
    }
  }
  return schema;
}

/**
 * Whether the operation asks for `path` below the current field plainly:
 * each step a field selected directly (not only through a fragment) and,
 * wherever it is selected, without arguments. Anything else answers false,
 * and the field resolvers do the work.
 */
export function selectsPlainly(info: GraphQLResolveInfo, path: readonly string[]): boolean {
  return plainNodes(info, path) !== null;
}

/**
 * The names of the fields the operation asks for at `path` (which must be
 * selected plainly), or null when that selection holds a fragment: then the
 * caller cannot tell, and reads everything.
 */
export function fieldsSelectedAt(info: GraphQLResolveInfo, path: readonly string[]): Set<string> | null {
  // a fragment anywhere on the way may select more of the same fields: then nothing is known
  const nodes = plainNodes(info, path, true);
  if (!nodes?.every(fieldsOnly)) return null;
  const names = new Set<string>();
  for (const n of nodes) for (const s of n.selectionSet?.selections ?? []) if (s.kind === 'Field') names.add(s.name.value);
  return names;
}

const fieldsOnly = (n: FieldNode) => (n.selectionSet?.selections ?? []).every((s) => s.kind === 'Field');

/** The field nodes selected plainly at `path`; with `noFragments`, null too when a selection on the way holds a fragment. */
function plainNodes(info: GraphQLResolveInfo, path: readonly string[], noFragments = false): readonly FieldNode[] | null {
  let nodes: readonly FieldNode[] = info.fieldNodes;
  for (const step of path) {
    if (noFragments && !nodes.every(fieldsOnly)) return null;
    const next: FieldNode[] = [];
    for (const n of nodes) {
      for (const s of n.selectionSet?.selections ?? []) {
        if (s.kind === 'Field' && s.name.value === step) next.push(s);
      }
    }
    if (next.length === 0 || next.some((n) => (n.arguments?.length ?? 0) > 0)) return null;
    nodes = next;
  }
  return nodes;
}

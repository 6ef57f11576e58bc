import { GraphQLISODateTime } from '@nestjs/graphql';
import { GraphQLError, GraphQLScalarType, Kind, type ObjectValueNode, type ValueNode } from 'graphql';

/** A JSON value as it travels through GraphQL: anything `JSON.parse` can return. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * Converts a GraphQL literal (inline in the query text) into the JSON value it
 * spells. Variables inside the literal (`data: { a: $x }`) are looked up in
 * `variables`; an unknown variable becomes `undefined` (dropped inside objects).
 */
export function jsonFromLiteral(ast: ValueNode, variables?: Record<string, unknown> | null): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.ENUM:
      return ast.value;
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
      return Number.parseInt(ast.value, 10);
    case Kind.FLOAT:
      return Number.parseFloat(ast.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return ast.values.map((v) => jsonFromLiteral(v, variables));
    case Kind.OBJECT:
      return objectFromLiteral(ast, variables);
    case Kind.VARIABLE:
      return variables ? variables[ast.name.value] : undefined;
    default: {
      const unknownKind: never = ast;
      throw new GraphQLError(`JSON cannot represent literal: ${JSON.stringify(unknownKind)}`);
    }
  }
}

function objectFromLiteral(ast: ObjectValueNode, variables?: Record<string, unknown> | null): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of ast.fields) {
    const value = jsonFromLiteral(field.value, variables);
    if (value !== undefined) out[field.name.value] = value;
  }
  return out;
}

/**
 * `scalar JSON` of the contract: any JSON value (object, array, string, number,
 * boolean, null). Values pass through unchanged in both directions.
 */
export const GraphQLJSON = new GraphQLScalarType<unknown, unknown>({
  name: 'JSON',
  description: 'Any JSON value: object, array, string, number, boolean or null.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => jsonFromLiteral(ast, variables),
});

/**
 * `scalar DateTime` of the contract is Nest's built-in `GraphQLISODateTime`
 * (its GraphQL name is `DateTime`): use `@Field(() => GraphQLISODateTime)`, or
 * `() => Date` (mapped to the same scalar in the default `isoDate` mode).
 *
 * Beware: its `serialize` only accepts `Date` instances — any other value
 * (including an ISO string such as the domain's timestamps) serializes to
 * `null`, which fails a non-null field. Resolvers must hand over `Date`s
 * (`new Date(iso)`); the object types declare these fields as `Date`.
 */
export const DATE_TIME_SCALAR_NOTE =
  'DateTime is @nestjs/graphql GraphQLISODateTime: @Field(() => GraphQLISODateTime), values must be Date instances (strings serialize to null).';

export { GraphQLISODateTime };

/** Scalars to register with a schema build that does not discover them on its own. */
export const CONTRACT_SCALARS: readonly GraphQLScalarType[] = [GraphQLISODateTime, GraphQLJSON];

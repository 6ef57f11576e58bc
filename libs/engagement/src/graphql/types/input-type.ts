import { Field, InputType, type FieldOptions, type ReturnTypeFunc } from '@nestjs/graphql';
import { z } from 'zod';

/** One field of an input: its GraphQL type and its validation, declared once. */
export interface InputField<S extends z.ZodType = z.ZodType> {
  type: ReturnTypeFunc;
  schema: S;
  options: FieldOptions;
}

/**
 * A field: `type` for the GraphQL schema, `schema` for the validation (the
 * messages and paths of BAD_USER_INPUT). Nullable in GraphQL exactly when the
 * schema accepts an absent value.
 */
export function field<S extends z.ZodType>(type: ReturnTypeFunc, schema: S, options: Omit<FieldOptions, 'nullable'> = {}): InputField<S> {
  const optional = schema.safeParse(undefined).success;
  return { type, schema, options: optional ? { nullable: true, ...options } : options };
}

/** The class Nest's code-first schema sees, carrying the zod schema it was made from. */
export type InputClass<F extends Record<string, InputField>> = (new () => z.infer<z.ZodObject<{ [K in keyof F]: F[K]['schema'] }>>) & {
  schema: z.ZodObject<{ [K in keyof F]: F[K]['schema'] }>;
};

/**
 * One schema per input: the `@InputType` class is derived from the fields'
 * declarations, and so is its zod schema (`Input.schema`), used by
 * `validate(Input.schema, raw, 'input')` before anything reaches a command or
 * the database. Zod (not class-validator) because its messages and dotted
 * paths are the ones the API promises (`input.baseline.0.applications: must
 * be 0 or more`), and one schema can hold cross-field rules (`refine`).
 */
export function inputType<F extends Record<string, InputField>>(
  name: string,
  fields: F,
  options: { description?: string; refine?: (schema: z.ZodObject<{ [K in keyof F]: F[K]['schema'] }>) => z.ZodObject<{ [K in keyof F]: F[K]['schema'] }> } = {},
): InputClass<F> {
  const cls = { [name]: class {} }[name]! as unknown as InputClass<F>;
  for (const [key, f] of Object.entries(fields)) Field(f.type, f.options)(cls.prototype as object, key);
  InputType(name, options.description ? { description: options.description } : {})(cls);
  const shape = Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, f.schema])) as { [K in keyof F]: F[K]['schema'] };
  const schema = z.object(shape);
  cls.schema = options.refine ? options.refine(schema) : schema;
  return cls;
}

import type { GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import { isCodedError } from '../auth/errors.js';

/** The codes PRODUCT.md promises; anything else a caller sees is one of these. */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'CONFLICT'
  | 'RULE_VIOLATED'
  | 'RATE_LIMITED'
  | 'INTERNAL_SERVER_ERROR';

/** Apollo's own codes for requests that never reached a resolver, as our codes. */
const REQUEST_ERRORS: Record<string, ErrorCode> = {
  GRAPHQL_PARSE_FAILED: 'BAD_USER_INPUT',
  GRAPHQL_VALIDATION_FAILED: 'BAD_USER_INPUT',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  BAD_REQUEST: 'BAD_USER_INPUT',
  OPERATION_RESOLUTION_FAILURE: 'BAD_USER_INPUT',
  PERSISTED_QUERY_NOT_FOUND: 'BAD_USER_INPUT',
  PERSISTED_QUERY_NOT_SUPPORTED: 'BAD_USER_INPUT',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  RULE_VIOLATED: 'RULE_VIOLATED',
  RATE_LIMITED: 'RATE_LIMITED',
};

export interface ErrorMappingOptions {
  /** development only: show an unexpected error's message (never its stack) */
  exposeUnexpected: boolean;
  report(error: unknown, formatted: GraphQLFormattedError): void;
}

/**
 * The one place errors become what a caller sees: a coded error (ApiError or a domain refusal) keeps its code
 * and extensions; GraphQL request errors get our codes; anything unexpected is
 * logged and answered as INTERNAL_SERVER_ERROR without message, stack or SQL.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown, options: ErrorMappingOptions): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  const base = { locations: formatted.locations, path: formatted.path };
  if (isCodedError(original)) {
    return { ...base, message: original.message, extensions: { code: original.code, ...original.extensions() } };
  }
  const given = formatted.extensions?.code;
  const mapped = typeof given === 'string' ? REQUEST_ERRORS[given] : undefined;
  if (mapped && given !== 'INTERNAL_SERVER_ERROR') {
    const extensions: Record<string, unknown> = { code: mapped };
    if (given !== mapped) extensions.reason = given;
    for (const k of ['field', 'rule', 'retryAfterSeconds', 'expectedVersion', 'actualVersion', 'limit', 'transport'] as const) {
      if (formatted.extensions?.[k] !== undefined) extensions[k] = formatted.extensions[k];
    }
    if (mapped === 'BAD_USER_INPUT' && extensions.field === undefined) {
      const field = fieldOf(formatted.message);
      if (field) extensions.field = field;
    }
    return { ...base, message: withoutSuggestions(formatted.message), extensions };
  }
  options.report(original, formatted);
  return {
    ...base,
    message: options.exposeUnexpected && original instanceof Error ? `Internal server error: ${original.message}` : 'Internal server error',
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  };
}

/**
 * graphql-js suggests schema names it thinks were meant (` Did you mean "note"?`), in validation errors
 * (Apollo's hideSchemaDetailsFromClientErrors removes those) and in variable coercion errors (it does not):
 * a schema hint to whoever probes the API, removed from every request error here.
 */
function withoutSuggestions(message: string): string {
  return message.replace(/ Did you mean [^?]*\?/g, '');
}

/** Names the variable or argument a GraphQL coercion error is about, e.g. `$input` → `input.title`. */
function fieldOf(message: string): string | null {
  // `Variable "$input" got invalid value <value>[ at "input.baseline[0].applications"]; <reason>`: the value is
  // printed with JSON-escaped strings, so ` at "` and `; Field "` can only be graphql-js's own words
  const variable = /^Variable "\$([A-Za-z0-9_]+)"/.exec(message);
  if (variable) {
    const at = / at "([A-Za-z0-9_.[\]]+)"; /.exec(message)?.[1] ?? variable[1]!;
    const missing = /; Field "([A-Za-z0-9_]+)" (?:of required type|is not defined)/.exec(message)?.[1];
    // the same dotted path as input validation reports (`input.baseline.0.applications`)
    const path = at.replace(/\[(\d+)\]/g, '.$1');
    return missing ? `${path}.${missing}` : path;
  }
  const field = /Field "([A-Za-z0-9_.]+)"/.exec(message) ?? /[Aa]rgument "([A-Za-z0-9_.]+)"/.exec(message);
  return field ? field[1]! : null;
}

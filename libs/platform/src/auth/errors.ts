/**
 * The one family of errors the API reports, each with a code of PRODUCT.md
 * "Errors" and its extensions. Mapped to GraphQL errors in one place
 * (error-mapping.ts). The engagement domain, which imports nothing, has its
 * refusals of the same shape (domain/errors.ts: RuleViolated, Forbidden,
 * NotFound); `isCodedError` recognises both.
 */
export interface CodedError extends Error {
  readonly code: string;
  extensions(): Record<string, unknown>;
}

export abstract class ApiError extends Error implements CodedError {
  abstract readonly code: string;
  extensions(): Record<string, unknown> {
    return {};
  }
}

const CODES = new Set(['UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'BAD_USER_INPUT', 'CONFLICT', 'RULE_VIOLATED', 'RATE_LIMITED']);

/** A member of the family: an ApiError, or an error of the same shape (the domain's refusals). */
export function isCodedError(error: unknown): error is CodedError {
  if (error instanceof ApiError) return true;
  const e = error as Partial<CodedError> | null;
  return error instanceof Error && typeof e?.code === 'string' && CODES.has(e.code) && typeof e.extensions === 'function';
}

export class Unauthenticated extends ApiError {
  readonly code = 'UNAUTHENTICATED';
  constructor(message = 'A valid bearer token is required') {
    super(message);
  }
}

export class AccessDenied extends ApiError {
  readonly code = 'FORBIDDEN';
}

export class ResourceNotFound extends ApiError {
  readonly code = 'NOT_FOUND';
  constructor(
    readonly entity: string,
    readonly id: string,
  ) {
    super(`${entity} ${id} not found`);
  }
}

export class BadUserInput extends ApiError {
  readonly code = 'BAD_USER_INPUT';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
  override extensions(): Record<string, unknown> {
    return { field: this.field };
  }
}

export class VersionConflict extends ApiError {
  readonly code = 'CONFLICT';
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`Expected version ${expected} but the engagement is at version ${actual}; nothing was changed`);
  }
  override extensions(): Record<string, unknown> {
    return { expectedVersion: this.expected, actualVersion: this.actual };
  }
}

export class RateLimited extends ApiError {
  readonly code = 'RATE_LIMITED';
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many requests; retry in ${retryAfterSeconds} s`);
  }
  override extensions(): Record<string, unknown> {
    return { retryAfterSeconds: this.retryAfterSeconds };
  }
}

/**
 * Errors the API reports with a code of PRODUCT.md "Errors". Thrown anywhere
 * below the resolvers; mapped to GraphQL errors in one place (error-mapping.ts).
 */
export abstract class ApiError extends Error {
  abstract readonly code: string;
  extensions(): Record<string, unknown> {
    return {};
  }
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

/** A rule of PRODUCT.md "Rules a user will hit" refused the operation. */
export class RuleViolation extends ApiError {
  readonly code = 'RULE_VIOLATED';
  constructor(
    readonly rule: string,
    message: string,
  ) {
    super(message);
  }
  override extensions(): Record<string, unknown> {
    return { rule: this.rule };
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

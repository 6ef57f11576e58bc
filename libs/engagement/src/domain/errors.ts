// Named refusals of the domain, members of the API's one error family by
// shape (a `code` and `extensions()`; the domain imports nothing): the
// platform's formatError maps them to GraphQL errors with the others.

export type RuleName =
  | 'ENGAGEMENT_CLOSED'
  | 'ENGAGEMENT_PAUSED'
  | 'ENGAGEMENT_NOT_ACTIVE'
  | 'ENGAGEMENT_NOT_PAUSED'
  | 'ENGAGEMENT_ALREADY_EXISTS'
  | 'INTAKE_REQUIRED'
  | 'INTAKE_ALREADY_RECORDED'
  | 'HOMEWORK_NOT_OPEN'
  | 'NOT_LATEST_DRAFT'
  | 'FEEDBACK_ALREADY_GIVEN'
  | 'DUE_DATE_IN_PAST'
  | 'SESSION_IN_FUTURE'
  | 'COACH_IS_CLIENT'
  /** a command reuses an id (homework, draft, feedback, session, activity) the engagement already holds */
  | 'DUPLICATE_ID'
  /** the hard maxima of every list (limits.ts): homework per engagement, drafts per homework, sessions per engagement */
  | 'HOMEWORK_LIMIT'
  | 'DRAFT_LIMIT'
  | 'SESSION_LIMIT'
  /** the practice's settings: a test delivery needs a webhook URL */
  | 'WEBHOOK_NOT_SET'
  /** erasePerson of a person the practice has erased already */
  | 'PERSON_ALREADY_ERASED';

export abstract class DomainError extends Error {
  abstract readonly code: 'RULE_VIOLATED' | 'FORBIDDEN' | 'NOT_FOUND';
  extensions(): Record<string, unknown> {
    return {};
  }
}

/** A rule of PRODUCT.md "Rules a user will hit" refused the command. */
export class RuleViolated extends DomainError {
  readonly code = 'RULE_VIOLATED' as const;
  constructor(
    readonly rule: RuleName,
    message: string,
  ) {
    super(message);
    this.name = 'RuleViolated';
  }
  override extensions(): Record<string, unknown> {
    return { rule: this.rule };
  }
}

/** The actor may see the engagement but may not do this to it. */
export class Forbidden extends DomainError {
  readonly code = 'FORBIDDEN' as const;
  constructor(message: string) {
    super(message);
    this.name = 'Forbidden';
  }
}

/** A thing named by the command does not exist in the engagement. */
export class NotFound extends DomainError {
  readonly code = 'NOT_FOUND' as const;
  constructor(
    readonly entity: 'Engagement' | 'Homework' | 'Draft',
    readonly id: string,
  ) {
    super(`${entity} ${id} not found`);
    this.name = 'NotFound';
  }
}

// GraphQL errors in words a coach or a client understands (PRODUCT.md "Errors").

export interface GraphqlErrorShape {
  message: string;
  extensions?: { code?: string; rule?: string; field?: string; [k: string]: unknown };
}

const RULES: Record<string, string> = {
  ENGAGEMENT_CLOSED: 'This engagement is closed: it can be read but not changed.',
  ENGAGEMENT_PAUSED: 'This engagement is paused: resume it before adding homework.',
  ENGAGEMENT_NOT_ACTIVE: 'This engagement is not active.',
  ENGAGEMENT_NOT_PAUSED: 'This engagement is not paused.',
  ENGAGEMENT_ALREADY_EXISTS: 'This engagement already exists.',
  INTAKE_REQUIRED: 'Record the intake first: homework can only be set on an active engagement.',
  INTAKE_ALREADY_RECORDED: 'The intake has already been recorded.',
  HOMEWORK_NOT_OPEN: 'This homework is not open for a new draft (it is accepted, cancelled or waiting for feedback).',
  NOT_LATEST_DRAFT: 'A newer draft exists: feedback goes on the latest draft.',
  FEEDBACK_ALREADY_GIVEN: 'Feedback on this draft has already been given.',
  DUE_DATE_IN_PAST: 'The due date must be in the future.',
  SESSION_IN_FUTURE: 'A session can only be logged once it has taken place.',
  COACH_IS_CLIENT: 'The coach and the client must be different people.',
  DUPLICATE_ID: 'This was already recorded.',
  WEBHOOK_NOT_SET: 'Save a webhook URL first, then send a test delivery.',
};

export type ErrorKind = 'rule' | 'conflict' | 'unauthenticated' | 'forbidden' | 'not-found' | 'input' | 'rate-limited' | 'network' | 'internal';

export class ConsoleError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'ConsoleError';
  }
}

/** One sentence for the first error of a GraphQL answer. */
export function describeError(error: GraphqlErrorShape): ConsoleError {
  const ext = error.extensions ?? {};
  switch (ext.code) {
    case 'RULE_VIOLATED':
      return new ConsoleError('rule', (ext.rule && RULES[ext.rule]) ?? `Not allowed: ${error.message}`, ext.code);
    case 'CONFLICT':
      return new ConsoleError('conflict', 'Someone else changed this in the meantime. Reload to see the latest version, then try again.', ext.code);
    case 'UNAUTHENTICATED':
      return new ConsoleError('unauthenticated', 'Your session has ended. Please sign in again.', ext.code);
    case 'FORBIDDEN':
      return new ConsoleError('forbidden', 'You are not allowed to do this.', ext.code);
    case 'NOT_FOUND':
      return new ConsoleError('not-found', 'Not found: it does not exist or is not yours to see.', ext.code);
    case 'BAD_USER_INPUT':
      return new ConsoleError('input', ext.field ? `Please check “${String(ext.field)}”: ${error.message}` : error.message, ext.code);
    case 'RATE_LIMITED': {
      const wait = typeof ext.retryAfterSeconds === 'number' ? ` Try again in ${ext.retryAfterSeconds} s.` : '';
      return new ConsoleError('rate-limited', `Too many requests.${wait}`, ext.code);
    }
    default:
      return new ConsoleError('internal', 'Something went wrong on the server. Please try again.', ext.code);
  }
}

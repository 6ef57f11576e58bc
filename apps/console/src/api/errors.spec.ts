import { describeError } from './errors';

describe('describeError', () => {
  it('translates every rule a user can hit into a sentence', () => {
    const e = describeError({ message: 'Homework x is SUBMITTED', extensions: { code: 'RULE_VIOLATED', rule: 'HOMEWORK_NOT_OPEN' } });
    expect(e.kind).toBe('rule');
    expect(e.message).toMatch(/not open for a new draft/);
  });

  it('keeps the server message for a rule it does not know', () => {
    expect(describeError({ message: 'brand new rule', extensions: { code: 'RULE_VIOLATED', rule: 'NEW_RULE' } }).message).toBe('Not allowed: brand new rule');
  });

  it('offers a reload on CONFLICT', () => {
    const e = describeError({ message: 'expected 3, actual 4', extensions: { code: 'CONFLICT' } });
    expect(e.kind).toBe('conflict');
    expect(e.message).toMatch(/Reload/);
  });

  it('names the field of bad input and the wait of a rate limit', () => {
    expect(describeError({ message: 'at most 200 characters', extensions: { code: 'BAD_USER_INPUT', field: 'title' } }).message).toBe(
      'Please check “title”: at most 200 characters',
    );
    expect(describeError({ message: 'slow down', extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 7 } }).message).toBe('Too many requests. Try again in 7 s.');
  });

  it('asks to sign in again when the token is refused, and hides internal messages', () => {
    expect(describeError({ message: 'Token expired', extensions: { code: 'UNAUTHENTICATED' } }).kind).toBe('unauthenticated');
    const internal = describeError({ message: 'relation "x" does not exist', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(internal.message).not.toMatch(/relation/);
  });
});

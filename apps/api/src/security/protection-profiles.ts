/**
 * Environment overrides for measuring what the protections cost (the bench
 * starts the API with one of these; nothing else should). Every protection is
 * on by default; RLS is bypassed only by connecting as a superuser.
 */
export const PROTECTION_PROFILES = {
  /** as deployed: limits and rate limit on (its threshold raised so the load is measured, not refused) */
  on: { GRAPHQL_LIMITS: 'on', RATE_LIMIT: 'on', RATE_LIMIT_PER_WINDOW: '100000000', RATE_LIMIT_ANONYMOUS_PER_WINDOW: '100000000' },
  /** GraphQL limits, timeout and rate limit off: Redis is not even asked */
  off: { GRAPHQL_LIMITS: 'off', RATE_LIMIT: 'off' },
} as const satisfies Record<string, Record<string, string>>;

/**
 * Row-level security off, for measuring only: the API connects as the owner
 * URL given (a superuser, as `postgres` is in development and the bench), and
 * superusers bypass every policy, FORCE included. The transactions still set
 * `app.practice_id`, so the difference is the policies' cost alone.
 */
export function withoutRowLevelSecurity(superuserUrl: string): Record<string, string> {
  return { DATABASE_URL: superuserUrl };
}

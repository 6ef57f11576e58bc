/**
 * Descriptions of the contract's root fields, to pass as `description:` to
 * `@Query` / `@Mutation` / `@Subscription` (root fields are declared on
 * resolvers, not on these type classes). Fields without a description in the
 * contract are absent.
 */
export const QUERY_DESCRIPTIONS = {
  practiceDashboard: 'ADMIN only',
  practiceSettings: 'ADMIN only',
} as const;

export const SUBSCRIPTION_DESCRIPTIONS = {
  engagementEvents: "every event appended to one engagement's stream, as it is committed",
} as const;

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

export const MUTATION_DESCRIPTIONS = {
  openEngagement: "COACH (as the engagement's coach) or ADMIN",
  recordIntake: 'COACH or ADMIN',
  assignHomework: 'COACH or ADMIN',
  submitDraft: 'CLIENT of the engagement only',
  giveFeedback: 'COACH of the engagement only',
  cancelHomework: 'COACH or ADMIN',
  logCoachingSession: 'COACH or ADMIN',
  logJobSearchActivity: 'CLIENT, COACH or ADMIN',
  pauseEngagement: 'COACH or ADMIN',
  resumeEngagement: 'COACH or ADMIN',
  closeEngagement: 'COACH or ADMIN',
  updatePracticeSettings: 'ADMIN only',
} as const;

export const SUBSCRIPTION_DESCRIPTIONS = {
  engagementEvents: "every event appended to one engagement's stream, as it is committed",
} as const;

// Text and number limits of PRODUCT.md. Enforced at the edge (GraphQL input
// validation) so a breach is a BAD_USER_INPUT naming the field, never a truncation.
export const LIMITS = {
  title: 200,
  personName: 200,
  email: 320,
  personId: 128,
  instructions: 10_000,
  comments: 10_000,
  reason: 2_000,
  note: 10_000,
  summary: 10_000,
  presentingQuestion: 2_000,
  background: 10_000,
  currentStrategy: 10_000,
  goal: 500,
  goals: 50,
  draftContent: 50_000,
  idempotencyKey: 200,
  search: 200,
  /** whole numbers >= 0, below this */
  count: 1_000_000,
  /** a coaching session lasts at most a day */
  sessionMinutes: 24 * 60,
  pageSize: 200,
  baselineEntries: 6,
  dueSoonOffsets: 10,
  /** one year, in minutes: the longest reminder offset or window */
  reminderMinutes: 525_600,
  /** steps of a practice's escalation ladder */
  escalationSteps: 10,
  /** a practice's daily reminder budget per recipient, at most */
  maxRemindersPerDay: 100,
  // Hard maxima of the lists an engagement holds (RULE_VIOLATED past them; the cost estimate uses them)
  homeworkPerEngagement: 200,
  draftsPerHomework: 50,
  sessionsPerEngagement: 1000,
  remindersPerHomework: 500,
  /** coaches listed on the practice dashboard (the busiest practice has far fewer) */
  dashboardCoaches: 1_000,
  /** days of the dashboard's activity chart */
  activityDays: 366,
} as const;

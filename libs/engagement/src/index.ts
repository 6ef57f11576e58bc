// The public face of the engagement lib.
export { EngagementWriteModule, EngagementGraphqlModule } from './engagement.module.js';
export * from './domain/types.js';
export * from './domain/events.js';
export type { EngagementCommand } from './domain/commands.js';
export { decide, evolve, fold, initialState } from './domain/decider.js';
export type { EngagementState } from './domain/state.js';
export { LIMITS } from './domain/limits.js';
export { RuleViolated, type RuleName } from './domain/errors.js';
// GraphQL types the apps extend with fields of other libs (e.g. Homework.reminders)
export { Homework, Reminder } from './graphql/types/homework.types.js';
export { PracticeDashboard, ActivityArgs } from './graphql/types/dashboard.types.js';
export { readEngagementFacts, activeEngagementIds, type EngagementFacts } from './read/engagement-facts.js';
export { draftsAwaitingFeedback, type DraftAwaitingFeedback } from './read/drafts-awaiting-feedback.js';
export { CommandExecutor, type CommandOrigin, type CommandOutcome } from './write/command-executor.js';
export {
  EngagementCommandMessage,
  OpenEngagementCommand,
  RecordIntakeCommand,
  AssignHomeworkCommand,
  CancelHomeworkCommand,
  SubmitDraftCommand,
  GiveFeedbackCommand,
  LogCoachingSessionCommand,
  LogJobSearchActivityCommand,
  PauseEngagementCommand,
  ResumeEngagementCommand,
  CloseEngagementCommand,
  RecordReminderSentCommand,
} from './write/engagement-commands.js';
export { EngagementProjector } from './read/engagement-projector.js';
export { withPreloadedFields } from './graphql/preloaded-fields.js';
export { ActivityProjection } from './read/activity-projection.js';
export {
  PracticeSettingsRepository,
  UpdatePracticeSettingsCommand,
  DEFAULT_SETTINGS,
  practiceStream,
  DEFAULT_ESCALATION,
  type PracticeSettingsModel,
  type EscalationStepModel,
} from './practice/practice-settings.js';
export { ReadModelRebuild, ENGAGEMENT_READ_MODELS, type RebuildOptions, type RebuildReport, type RebuildHooks, type TableComparison } from './rebuild/read-model-rebuild.js';
export { ENGAGEMENT_MIGRATIONS } from './migrations/index.js';
// time travel: a model of a past view (engagement(asOf:)) carries it; live-only fields answer empty for it
export { pastViewOf, PastView } from './history/past-view.js';
export { PageInfo } from './graphql/types/pagination.types.js';
export { personReadModelRows, MAX_PERSON_ENGAGEMENTS, MAX_EXPORT_EVENTS, TooManyEngagements } from './history/person-rows.js';
export { MAX_CHANGES } from './history/changes.js';
export { GraphQLJSON } from './graphql/types/scalars.js';

// The public face of the engagement lib.
export { EngagementWriteModule, EngagementGraphqlModule } from './engagement.module.js';
export * from './domain/types.js';
export * from './domain/events.js';
export type { EngagementCommand } from './domain/commands.js';
export { decide, evolve, fold, initialState } from './domain/decider.js';
export type { EngagementState } from './domain/decider.js';
export { LIMITS } from './domain/limits.js';
export { RuleViolated, type RuleName } from './domain/errors.js';
// GraphQL types the apps extend with fields of other libs (e.g. Homework.reminders)
export { Homework, Reminder } from './graphql/types/homework.types.js';
export { PracticeDashboard, ActivityArgs } from './graphql/types/dashboard.types.js';
export { readEngagementFacts, activeEngagementIds, type EngagementFacts } from './read/engagement-facts.js';
export { draftsAwaitingFeedback, type DraftAwaitingFeedback } from './read/drafts-awaiting-feedback.js';
export { CommandExecutor, EngagementCommandMessage, type CommandOrigin, type CommandOutcome } from './write/command-executor.js';
// the commands other processes send (the seed, the reminder worker, tests): each slice's command class
export { OpenEngagementCommand } from './commands/open-engagement.slice.js';
export { RecordIntakeCommand } from './commands/record-intake.slice.js';
export { AssignHomeworkCommand } from './commands/assign-homework.slice.js';
export { CancelHomeworkCommand } from './commands/cancel-homework.slice.js';
export { SubmitDraftCommand } from './commands/submit-draft.slice.js';
export { GiveFeedbackCommand } from './commands/give-feedback.slice.js';
export { LogCoachingSessionCommand } from './commands/log-coaching-session.slice.js';
export { LogJobSearchActivityCommand } from './commands/log-job-search-activity.slice.js';
export { PauseEngagementCommand, ResumeEngagementCommand, CloseEngagementCommand } from './commands/engagement-lifecycle.slice.js';
export { RecordReminderSentCommand } from './commands/record-reminder-sent.slice.js';
export { UpdatePracticeSettingsCommand } from './commands/update-practice-settings.slice.js';
export { EngagementProjector } from './read/engagement-projector.js';
export { withPreloadedFields } from './graphql/preloaded-fields.js';
export { ActivityProjection } from './read/activity-projection.js';
export {
  PracticeSettingsRepository,
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
export { HistorySnapshotter, HISTORY_SNAPSHOT_EVERY, HISTORY_FOLD_VERSION, writeHistorySnapshot, forgetHistorySnapshots } from './history/history-snapshots.js';
export { PageInfo } from './graphql/types/pagination.types.js';
export { personReadModelRows, MAX_PERSON_ENGAGEMENTS, MAX_EXPORT_EVENTS, TooManyEngagements } from './history/person-rows.js';
export { MAX_CHANGES } from './history/changes.js';
export { GraphQLJSON } from './graphql/types/scalars.js';
export { ENGAGEMENT_PERSONAL_DATA } from './history/personal-data.js';
export { PERSON_ERASED, erasureStreamId, engagementsOfPerson, refoldEngagements, type PersonErasedData } from './history/person-erasure.js';

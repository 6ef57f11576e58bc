// The public face of the engagement lib.
export { EngagementWriteModule, EngagementGraphqlModule } from './engagement.module.js';
export * from './domain/types.js';
export * from './domain/events.js';
export type { EngagementCommand } from './domain/commands.js';
export { decide, evolve, fold, initialState } from './domain/decider.js';
export type { EngagementState } from './domain/state.js';
export { LIMITS } from './domain/limits.js';
export { CommandExecutor, type CommandOrigin, type CommandOutcome } from './write/command-executor.js';
export { EngagementProjector } from './read/engagement-projector.js';
export { ActivityProjection } from './read/activity-projection.js';
export { RecordReminderSentCommand } from './write/handlers/record-reminder-sent.handler.js';
export { OpenEngagementCommand } from './write/handlers/open-engagement.handler.js';
export { RecordIntakeCommand } from './write/handlers/record-intake.handler.js';
export { AssignHomeworkCommand, CancelHomeworkCommand } from './write/handlers/homework.handlers.js';
export { SubmitDraftCommand, GiveFeedbackCommand } from './write/handlers/drafts.handlers.js';
export { LogCoachingSessionCommand, LogJobSearchActivityCommand } from './write/handlers/activity.handlers.js';
export { PauseEngagementCommand, ResumeEngagementCommand, CloseEngagementCommand } from './write/handlers/lifecycle.handlers.js';
export {
  PracticeSettingsRepository,
  UpdatePracticeSettingsCommand,
  DEFAULT_SETTINGS,
  practiceStream,
  type PracticeSettingsModel,
} from './practice/practice-settings.js';
export { ReadModelRebuild, ENGAGEMENT_READ_MODELS, type RebuildOptions, type RebuildReport, type RebuildHooks, type TableComparison } from './rebuild/read-model-rebuild.js';

import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { PostgresEventStore } from '#event-store';
import { ENGAGEMENT_PERSONAL_DATA } from './history/personal-data.js';
import { AccessAuditModule, MetricsModule } from '#platform';
import { AccessAuditResolver } from './graphql/access-audit.resolver.js';
import { DashboardFiguresResolver } from './graphql/dashboard-figures.resolver.js';
import { EngagementEventFeed } from './graphql/engagement-event-feed.js';
import { ActivityProjection } from './read/activity-projection.js';
import { HistorySnapshotter } from './history/history-snapshots.js';
import { EngagementEventsResolver } from './graphql/engagement-events.resolver.js';
import { EngagementConnectionResolver, EngagementResolver } from './graphql/engagement.resolver.js';
import { DraftResolver, FeedbackResolver, HomeworkResolver } from './graphql/homework.resolver.js';
import { PracticeDashboardResolver, PracticeResolver } from './graphql/practice.resolver.js';
import { PracticeSettingsRepository } from './practice/practice-settings.js';
import { UpdatePracticeSettingsHandler, UpdatePracticeSettingsResolver } from './commands/update-practice-settings.slice.js';
import { CommandExecutor } from './write/command-executor.js';
import { AssignHomeworkResolver } from './commands/assign-homework.slice.js';
import { CancelHomeworkResolver } from './commands/cancel-homework.slice.js';
import { EngagementLifecycleResolver } from './commands/engagement-lifecycle.slice.js';
import { GiveFeedbackResolver } from './commands/give-feedback.slice.js';
import { LogCoachingSessionResolver } from './commands/log-coaching-session.slice.js';
import { LogJobSearchActivityResolver } from './commands/log-job-search-activity.slice.js';
import { OpenEngagementResolver } from './commands/open-engagement.slice.js';
import { RecordIntakeResolver } from './commands/record-intake.slice.js';
import { RescheduleHomeworkResolver } from './commands/reschedule-homework.slice.js';
import { SubmitDraftResolver } from './commands/submit-draft.slice.js';

/** The bus's handlers besides the executor, which handles every engagement command: the practice's settings. */
const HANDLERS = [UpdatePracticeSettingsHandler];

/** Every command slice's mutations (commands/*.slice.ts). */
const COMMAND_SLICES = [
  OpenEngagementResolver,
  RecordIntakeResolver,
  AssignHomeworkResolver,
  RescheduleHomeworkResolver,
  CancelHomeworkResolver,
  SubmitDraftResolver,
  GiveFeedbackResolver,
  LogCoachingSessionResolver,
  LogJobSearchActivityResolver,
  EngagementLifecycleResolver,
  UpdatePracticeSettingsResolver,
];

/** The write side: commands on the bus, decided and stored with their read models. (api and worker) */
@Module({
  imports: [CqrsModule.forRoot(), MetricsModule],
  providers: [CommandExecutor, PracticeSettingsRepository, ActivityProjection, HistorySnapshotter, ...HANDLERS],
  exports: [CqrsModule, CommandExecutor, PracticeSettingsRepository, ActivityProjection, HistorySnapshotter],
})
export class EngagementWriteModule {
  constructor(store: PostgresEventStore) {
    // every append of an engagement event seals its personal fields (history/personal-data.ts)
    store.sealing.register(ENGAGEMENT_PERSONAL_DATA);
  }
}

/** The GraphQL face of engagements: queries, mutations, live events. (api) */
@Module({
  imports: [EngagementWriteModule, AccessAuditModule],
  providers: [
    EngagementResolver,
    EngagementConnectionResolver,
    HomeworkResolver,
    DraftResolver,
    FeedbackResolver,
    ...COMMAND_SLICES,
    PracticeResolver,
    PracticeDashboardResolver,
    DashboardFiguresResolver,
    EngagementEventsResolver,
    EngagementEventFeed,
    AccessAuditResolver,
  ],
})
export class EngagementGraphqlModule {}

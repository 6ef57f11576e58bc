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
import { MutationsResolver } from './graphql/mutations.resolver.js';
import { PracticeDashboardResolver, PracticeResolver } from './graphql/practice.resolver.js';
import { PracticeSettingsRepository, UpdatePracticeSettingsHandler } from './practice/practice-settings.js';
import { CommandExecutor } from './write/command-executor.js';
import { EngagementCommandHandler } from './write/engagement-commands.js';
import { EngagementLookup } from './write/engagement-lookup.js';

const HANDLERS = [EngagementCommandHandler, UpdatePracticeSettingsHandler];

/** The write side: commands on the bus, decided and stored with their read models. (api and worker) */
@Module({
  imports: [CqrsModule.forRoot(), MetricsModule],
  providers: [CommandExecutor, EngagementLookup, PracticeSettingsRepository, ActivityProjection, HistorySnapshotter, ...HANDLERS],
  exports: [CqrsModule, CommandExecutor, EngagementLookup, PracticeSettingsRepository, ActivityProjection, HistorySnapshotter],
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
    MutationsResolver,
    PracticeResolver,
    PracticeDashboardResolver,
    DashboardFiguresResolver,
    EngagementEventsResolver,
    EngagementEventFeed,
    AccessAuditResolver,
  ],
})
export class EngagementGraphqlModule {}

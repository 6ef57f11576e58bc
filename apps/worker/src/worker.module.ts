import { Module } from '@nestjs/common';
import { AuthModule, ConfigModule, DatabaseModule, LoggingModule, MetricsModule, SubscriptionsModule } from '#platform';
import { ActivityProjection } from '#engagement';
import { ReminderScheduler, RemindersModule } from '#reminders';

/** Asynchronous projections and reminder processing; run one or more copies. */
@Module({
  imports: [
    ConfigModule.forRoot(),
    LoggingModule,
    DatabaseModule,
    MetricsModule,
    AuthModule,
    RemindersModule,
    SubscriptionsModule.forRoot({ imports: [RemindersModule], subscribers: [ReminderScheduler, ActivityProjection] }),
  ],
})
export class WorkerModule {}

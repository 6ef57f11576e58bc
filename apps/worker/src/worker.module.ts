import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import {
  AuthModule,
  ConfigModule,
  DatabaseModule,
  LoggingModule,
  MetricsController,
  MetricsModule,
  OpsHealth,
  QueueMetrics,
  QueueProbe,
  SubscriberLag,
  SubscriptionMetrics,
  SubscriptionsModule,
} from '#platform';
import { ActivityProjection, HistorySnapshotter } from '#engagement';
import { EventWebhookFanout, ReminderClock, ReminderScheduler, RemindersModule } from '#reminders';
import { WorkerHealthController } from './health/worker-health.controller.js';

/**
 * Asynchronous projections and reminder processing; run one or more copies.
 * A small HTTP server (WORKER_HTTP_PORT) answers /health/live, /health/ready
 * and /metrics.
 */
@Module({
  imports: [
    ConfigModule.forRoot(),
    LoggingModule,
    DatabaseModule,
    MetricsModule,
    AuthModule,
    RemindersModule,
    SubscriptionsModule.forRoot({ imports: [RemindersModule], subscribers: [ReminderScheduler, ActivityProjection, EventWebhookFanout, HistorySnapshotter] }),
    TerminusModule.forRoot({ errorLogStyle: 'json' }),
  ],
  controllers: [WorkerHealthController, MetricsController],
  providers: [
    OpsHealth,
    SubscriberLag,
    SubscriptionMetrics,
    QueueMetrics,
    { provide: QueueProbe, inject: [ReminderClock], useFactory: (clock: ReminderClock) => QueueProbe.of(clock.queues) },
  ],
})
export class WorkerModule {}

import { Module } from '@nestjs/common';
import { EngagementWriteModule } from '#engagement';
import { ReminderClock } from './reminder-clock.js';
import { ReminderTime } from './reminder-time.js';
import { DigestRunner } from './digest-runner.js';
import { ReminderProcessor } from './reminder-processor.js';
import { ReminderReconciler } from './reminder-reconciler.js';
import { ReminderScheduler } from './reminder-scheduler.js';
import { EventWebhookDispatcher } from './event-webhooks/event-webhook-dispatcher.js';
import { EventWebhookFanout } from './event-webhooks/event-webhook-fanout.js';
import { EventWebhookPruner } from './event-webhooks/event-webhook-pruner.js';

/** The queue alone: for processes that only look at it (the API's queue dashboard). */
@Module({ providers: [ReminderClock, ReminderTime], exports: [ReminderClock, ReminderTime] })
export class ReminderQueueModule {}

/** Scheduling (an event-log subscriber), delivery (a BullMQ worker) and reconciliation: the worker's part. */
@Module({
  imports: [EngagementWriteModule, ReminderQueueModule],
  providers: [ReminderScheduler, ReminderProcessor, ReminderReconciler, DigestRunner, EventWebhookFanout, EventWebhookDispatcher, EventWebhookPruner],
  exports: [ReminderScheduler, ReminderProcessor, ReminderReconciler, DigestRunner, ReminderQueueModule, EventWebhookFanout, EventWebhookDispatcher, EventWebhookPruner],
})
export class RemindersModule {}

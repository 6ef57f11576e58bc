// The public face of the reminders lib.
export { RemindersModule, ReminderQueueModule } from './reminders.module.js';
export { ReminderScheduler } from './reminder-scheduler.js';
export { ReminderProcessor } from './reminder-processor.js';
export { ReminderReconciler, stillWaiting, type ReconcileResult } from './reminder-reconciler.js';
export { WebhookReplay, type ReplayReport, type ReplayWindow } from './webhook-replay.js';
export { ReminderClock, REMINDER_QUEUE } from './reminder-clock.js';
export { clockJobs, WAKE_JOB, wakeIdOf, wakeSlotOf, type ReminderJobData, type WakeJobData } from './reminder-clock-jobs.js';
export { ReminderTime } from './reminder-time.js';
export { DigestRunner } from './digest-runner.js';
export { desiredReminders, reminderId, DUE_SOON_GRACE_MS, type ReminderSpec } from './reminder-policy.js';
export { signBody, verifySignature, buildWebhookBody, standardWebhookHeaders, standardWebhooksKey, standardWebhooksSecret } from './delivery/webhook-payload.js';
export { WebhookSender, type WebhookAttempt } from './delivery/webhook-sender.js';
export type { ReminderMessage } from './delivery/reminder-message.js';
export { remindersOfHomework, sentReminderCount, reminderOutcomesByDay, remindersOfPerson, type ReminderModel } from './reminder-queries.js';
export { REMINDER_MIGRATIONS } from './migrations/index.js';
// event webhooks (issue 12): the subscriptions' store, the fan-out subscriber, the dispatcher, replay
export { EventWebhookFanout } from './event-webhooks/event-webhook-fanout.js';
export { EventWebhookDispatcher } from './event-webhooks/event-webhook-dispatcher.js';
export { EventWebhookPruner, PRUNE_BATCH } from './event-webhooks/event-webhook-pruner.js';
export { replaySubscription, MAX_REPLAY } from './event-webhooks/event-webhook-replay.js';
export { buildEventWebhookBody } from './event-webhooks/event-webhook-body.js';
export {
  insertSubscription,
  MAX_SUBSCRIPTIONS,
  MAX_EVENT_TYPES,
  updateSubscription,
  deleteSubscription,
  subscriptionsOf,
  backlogs,
  deliveriesPage,
  type WebhookSubscriptionRow,
  type WebhookDeliveryRow,
} from './event-webhooks/event-webhook-store.js';
export { eraseReminderRecipient, rewriteEventWebhookBodies } from './person-erasure.js';

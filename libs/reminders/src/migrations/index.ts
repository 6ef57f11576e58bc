import { Reminders1764000000002 } from './1764000000002-reminders.js';
import { ReminderLeases1764000000003 } from './1764000000003-reminder-leases.js';
import { WebhookBodies1764000000020 } from './1764000000020-webhook-bodies.js';
import { EventWebhooks1764000000200 } from './1764000000200-event-webhooks.js';
import { EscalatedReminders1764000000301 } from './1764000000301-escalated-reminders.js';
import { HeldReminders1764000000303 } from './1764000000303-held-reminders.js';
import { ReminderDigests1764000000321 } from './1764000000321-reminder-digests.js';
import { WebhookDeliveryRetention1764000000420 } from './1764000000420-webhook-delivery-retention.js';
import { WebhookPendingStreams1764000000427 } from './1764000000427-webhook-pending-streams.js';
import { DueRemindersInSweepOrder1764000000460 } from './1764000000460-due-reminders-in-sweep-order.js';
import { ReconcileChangedReminders1764000000470 } from './1764000000470-reconcile-changed-reminders.js';
import { RemindersByEngagement1764000000480 } from './1764000000480-reminders-by-engagement.js';
import { ReminderRowRoom1764000000490 } from './1764000000490-reminder-row-room.js';

/** The reminders lib's schema changes; TypeORM runs every lib's in timestamp order. */
export const REMINDER_MIGRATIONS = [
  Reminders1764000000002,
  ReminderLeases1764000000003,
  WebhookBodies1764000000020,
  EventWebhooks1764000000200,
  EscalatedReminders1764000000301,
  HeldReminders1764000000303,
  ReminderDigests1764000000321,
  WebhookDeliveryRetention1764000000420,
  WebhookPendingStreams1764000000427,
  DueRemindersInSweepOrder1764000000460,
  ReconcileChangedReminders1764000000470,
  RemindersByEngagement1764000000480,
  ReminderRowRoom1764000000490,
];

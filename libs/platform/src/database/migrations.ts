import { EventStore1764000000000 } from './migrations/1764000000000-event-store.js';
import { EngagementReadModels1764000000001 } from './migrations/1764000000001-engagement-read-models.js';
import { Reminders1764000000002 } from './migrations/1764000000002-reminders.js';
import { ReminderLeases1764000000003 } from './migrations/1764000000003-reminder-leases.js';
import { RowLevelSecurity1764000000004 } from './migrations/1764000000004-row-level-security.js';
import { BatchAppendsAndLeaseTokens1764000000005 } from './migrations/1764000000005-batch-appends-and-lease-tokens.js';
import { AccessAudit1764000000006 } from './migrations/1764000000006-access-audit.js';
import { ActivityByDay1764000000010 } from './migrations/1764000000010-activity-by-day.js';
import { OperatorReaders1764000000007 } from './migrations/1764000000007-operator-readers.js';
import { RowLevelSecurityInitPlans1764000000011 } from './migrations/1764000000011-row-level-security-initplans.js';
import { WebhookBodies1764000000020 } from './migrations/1764000000020-webhook-bodies.js';
import { PracticeInEveryKey1764000000100 } from './migrations/1764000000100-practice-in-every-key.js';

/** Every schema change, in order. Add new migrations at the end; never edit a shipped one. */
export const MIGRATIONS = [
  EventStore1764000000000,
  EngagementReadModels1764000000001,
  Reminders1764000000002,
  ReminderLeases1764000000003,
  RowLevelSecurity1764000000004,
  BatchAppendsAndLeaseTokens1764000000005,
  ActivityByDay1764000000010,
  OperatorReaders1764000000007,
  AccessAudit1764000000006,
  RowLevelSecurityInitPlans1764000000011,
  WebhookBodies1764000000020,
  PracticeInEveryKey1764000000100,
];

import { EventStore1764000000000 } from './migrations/1764000000000-event-store.js';
import { EngagementReadModels1764000000001 } from './migrations/1764000000001-engagement-read-models.js';
import { Reminders1764000000002 } from './migrations/1764000000002-reminders.js';
import { ReminderLeases1764000000003 } from './migrations/1764000000003-reminder-leases.js';

/** Every schema change, in order. Add new migrations at the end; never edit a shipped one. */
export const MIGRATIONS = [
  EventStore1764000000000,
  EngagementReadModels1764000000001,
  Reminders1764000000002,
  ReminderLeases1764000000003,
];

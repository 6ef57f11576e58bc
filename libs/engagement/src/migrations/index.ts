import { EngagementReadModels1764000000001 } from './1764000000001-engagement-read-models.js';
import { ActivityByDay1764000000010 } from './1764000000010-activity-by-day.js';
import { EscalationLadder1764000000300 } from './1764000000300-escalation-ladder.js';
import { QuietHoursTimeZones1764000000302 } from './1764000000302-quiet-hours-time-zones.js';
import { ReminderBudgetSettings1764000000320 } from './1764000000320-reminder-budget-settings.js';
import { EngagementHistorySnapshots1764000000421 } from './1764000000421-engagement-history-snapshots.js';
import { HomeworkByPracticeEngagement1764000000431 } from './1764000000431-homework-by-practice-engagement.js';

/** The engagement lib's schema changes (its read models and snapshots); TypeORM runs every lib's in timestamp order. */
export const ENGAGEMENT_MIGRATIONS = [
  EngagementReadModels1764000000001,
  ActivityByDay1764000000010,
  EscalationLadder1764000000300,
  QuietHoursTimeZones1764000000302,
  ReminderBudgetSettings1764000000320,
  EngagementHistorySnapshots1764000000421,
  HomeworkByPracticeEngagement1764000000431,
];

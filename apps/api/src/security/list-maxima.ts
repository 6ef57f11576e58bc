import { ENGAGEMENT_EVENT_TYPES, JOB_SEARCH_CHANNELS, LIMITS, MAX_CHANGES, MAX_EXPORT_EVENTS, MAX_PERSON_ENGAGEMENTS } from '#engagement';
import { MAX_EVENT_TYPES, MAX_SUBSCRIPTIONS } from '#reminders';

/**
 * The most items each unpaged list of the schema can hold (`Type.field`),
 * from the domain's caps (libs/engagement/src/domain/limits.ts) and enum
 * sizes. The cost estimate multiplies what a list holds by this number, so
 * `engagement { homework { engagement { homework { ... } } } }` costs what it
 * could really return. A list that is not here must be a connection's
 * `edges` (sized by `first`): list-maxima.spec.ts fails on any other.
 */
export const LIST_MAXIMA: Readonly<Record<string, number>> = {
  'Engagement.homework': LIMITS.homeworkPerEngagement,
  'Engagement.sessions': LIMITS.sessionsPerEngagement,
  'Homework.drafts': LIMITS.draftsPerHomework,
  'Homework.reminders': LIMITS.remindersPerHomework,
  'Intake.baseline': LIMITS.baselineEntries,
  'Intake.goals': LIMITS.goals,
  'JobSearchFunnel.channels': JOB_SEARCH_CHANNELS.length,
  'PracticeDashboard.activity': LIMITS.activityDays * ENGAGEMENT_EVENT_TYPES.length,
  'PracticeDashboard.coaches': LIMITS.dashboardCoaches,
  'PracticeDashboard.reminderOutcomes': LIMITS.activityDays,
  'PracticeDashboard.engagementsByStatus': 4, // EngagementStatus: INTAKE, ACTIVE, PAUSED, CLOSED
  'PracticeSettings.dueSoonOffsetsMinutes': LIMITS.dueSoonOffsets,
  // issue 12: the history
  'Engagement.changes': MAX_CHANGES,
  'PersonExport.engagementIds': MAX_PERSON_ENGAGEMENTS,
  'PersonExport.events': MAX_EXPORT_EVENTS,
  'ErasureReceipt.engagementIds': MAX_PERSON_ENGAGEMENTS,
  'Query.webhookSubscriptions': MAX_SUBSCRIPTIONS,
  'WebhookSubscription.eventTypes': MAX_EVENT_TYPES,
  // issue 13: the reminder ladder
  'PracticeSettings.escalation': LIMITS.escalationSteps,
};

/** A connection's `edges` asked for without `first` (and no default): the largest page a list serves. */
export const MAX_PAGE_SIZE = LIMITS.pageSize;

/** Whether `field` of `type` is a connection's page (sized by the `first` of the field that returned the connection). */
export function isPagedList(typeName: string, fieldName: string): boolean {
  return fieldName === 'edges' && typeName.endsWith('Connection');
}

import type { EngagementStatus, HomeworkStatus, Person } from './types.js';

export interface HomeworkState {
  id: string;
  title: string;
  status: HomeworkStatus;
  /** ISO-8601 instant or null */
  dueAt: string | null;
  /** in submission order */
  draftIds: string[];
  latestDraftId: string | null;
}

export interface DraftState {
  id: string;
  homeworkId: string;
  revision: number;
  feedbackGiven: boolean;
}

/**
 * What the decider needs to know about one engagement, folded from its stream.
 * Only what a rule reads lives here; read models hold the rest.
 */
export interface EngagementState {
  status: 'NONE' | EngagementStatus;
  id: string | null;
  practiceId: string | null;
  coach: Person | null;
  client: Person | null;
  title: string | null;
  homework: Record<string, HomeworkState>;
  drafts: Record<string, DraftState>;
  /** ids already used, so a reused id is refused (DUPLICATE_ID) */
  feedbackIds: Record<string, true>;
  sessionIds: Record<string, true>;
  activityIds: Record<string, true>;
  /** reminder ids already recorded (RecordReminderSent is idempotent on them) */
  remindersSent: Record<string, true>;
}

export const initialState = (): EngagementState => ({
  status: 'NONE',
  id: null,
  practiceId: null,
  coach: null,
  client: null,
  title: null,
  homework: {},
  drafts: {},
  feedbackIds: {},
  sessionIds: {},
  activityIds: {},
  remindersSent: {},
});

// The decider specs' fixtures and their given / when / then: fixed time,
// people and ids, builders of every command and event, named histories.
import type { EngagementCommand } from './commands.js';
import { decide, fold } from './decider.js';
import type { RuleName } from './errors.js';
import type { EngagementEvent } from './events.js';
import type { Actor, Person } from './types.js';

// ---------------------------------------------------------------------------
// Fixtures: fixed time, fixed people, fixed ids. Never the real clock.
// ---------------------------------------------------------------------------

export const NOW = new Date('2026-01-01T10:00:00Z');
export const minutesFromNow = (minutes: number): Date => new Date(NOW.getTime() + minutes * 60_000);

export const COACH: Person = { id: 'coach-1', name: 'Casey Coach', email: 'casey@example.test' };
export const CLIENT: Person = { id: 'client-1', name: 'Sam Senior', email: 'sam@example.test' };

export const as = {
  admin: { id: 'admin-1', role: 'ADMIN' },
  coach: { id: COACH.id, role: 'COACH' },
  otherCoach: { id: 'coach-2', role: 'COACH' },
  client: { id: CLIENT.id, role: 'CLIENT' },
  otherClient: { id: 'client-2', role: 'CLIENT' },
  system: { id: 'reminder-scheduler', role: 'SYSTEM' },
  // the right id with the wrong role is still the wrong person
  coachIdAsClient: { id: COACH.id, role: 'CLIENT' },
  clientIdAsCoach: { id: CLIENT.id, role: 'COACH' },
  coachIdAsSystem: { id: COACH.id, role: 'SYSTEM' },
} satisfies Record<string, Actor>;
export type ActorKey = keyof typeof as;
export const ACTOR_KEYS = Object.keys(as) as ActorKey[];

export type CommandType = EngagementCommand['type'];
export type CommandOf<T extends CommandType> = Extract<EngagementCommand, { type: T }>;
export type DataOf<T extends CommandType> = CommandOf<T>['data'];

/** A builder of one command type: defaults for every field, overridable. */
export function builder<T extends CommandType>(type: T, defaults: DataOf<T>, defaultActor: Actor) {
  // TypeScript cannot tie `type` to its `data` inside a generic; the builders' call sites are checked.
  return (over: Partial<DataOf<T>> = {}, actor: Actor = defaultActor, now: Date = NOW): CommandOf<T> =>
    ({ type, data: { ...defaults, ...over }, context: { actor, now } }) as unknown as CommandOf<T>;
}

export const DUE = new Date('2026-01-08T10:00:00Z');

export const cmd = {
  open: builder(
    'OpenEngagement',
    { engagementId: 'eng-1', practiceId: 'practice-1', coach: COACH, client: CLIENT, title: 'From job boards to networking' },
    as.coach,
  ),
  recordIntake: builder(
    'RecordIntake',
    {
      presentingQuestion: 'What am I doing wrong?',
      background: 'Senior IT professional',
      goals: ['Land a senior role'],
      currentStrategy: 'Job boards only',
      baseline: [{ channel: 'JOB_BOARD', applications: 500, interviews: 8, offers: 0 }],
    },
    as.coach,
  ),
  assignHomework: builder(
    'AssignHomework',
    { homeworkId: 'hw-1', title: 'Script your elevator pitch', instructions: 'Find your hook.', dueAt: DUE },
    as.coach,
  ),
  submitDraft: builder('SubmitDraft', { homeworkId: 'hw-1', draftId: 'draft-1', content: 'My pitch' }, as.client),
  giveFeedback: builder(
    'GiveFeedback',
    { draftId: 'draft-1', feedbackId: 'fb-1', verdict: 'CHANGES_REQUESTED', comments: 'Sharpen the hook' },
    as.coach,
  ),
  cancelHomework: builder('CancelHomework', { homeworkId: 'hw-1', reason: 'No longer relevant' }, as.coach),
  reschedule: builder('RescheduleHomework', { homeworkId: 'hw-1', dueAt: new Date('2026-01-15T10:00:00Z') }, as.coach),
  logSession: builder(
    'LogCoachingSession',
    { sessionId: 'session-1', heldAt: minutesFromNow(-60), durationMinutes: 60, summary: 'Reviewed the pitch' },
    as.coach,
  ),
  logActivity: builder(
    'LogJobSearchActivity',
    { activityId: 'activity-1', channel: 'NETWORKING', applications: 0, interviews: 2, offers: 0, note: 'Two coffees' },
    as.client,
  ),
  recordReminder: builder(
    'RecordReminderSent',
    {
      reminderId: 'reminder-1',
      kind: 'HOMEWORK_DUE_SOON',
      recipient: CLIENT,
      channels: ['WEBHOOK'],
      homeworkId: 'hw-1',
      draftId: null,
    },
    as.system,
  ),
  pause: builder('PauseEngagement', { reason: 'Client on holiday' }, as.coach),
  resume: builder('ResumeEngagement', { reason: 'Back from holiday' }, as.coach),
  close: builder('CloseEngagement', { outcome: 'GOALS_MET', note: null }, as.coach),
};

export const ev = {
  opened: (): EngagementEvent => ({
    type: 'EngagementOpened',
    data: { engagementId: 'eng-1', practiceId: 'practice-1', coach: COACH, client: CLIENT, title: 'From job boards to networking' },
  }),
  intake: (): EngagementEvent => ({
    type: 'IntakeRecorded',
    data: { presentingQuestion: 'q', background: 'b', goals: [], currentStrategy: 's', baseline: [] },
  }),
  assigned: (homeworkId: string, dueAt: string | null = null): EngagementEvent => ({
    type: 'HomeworkAssigned',
    data: { homeworkId, title: `Homework ${homeworkId}`, instructions: 'Do it', dueAt },
  }),
  submitted: (homeworkId: string, draftId: string, revision: number): EngagementEvent => ({
    type: 'DraftSubmitted',
    data: { homeworkId, draftId, revision, content: `Content of ${draftId}` },
  }),
  feedback: (
    homeworkId: string,
    draftId: string,
    verdict: 'CHANGES_REQUESTED' | 'ACCEPTED',
    feedbackId = `fb-${draftId}`,
  ): EngagementEvent => ({
    type: 'FeedbackGiven',
    data: { feedbackId, draftId, homeworkId, verdict, comments: 'Comments' },
  }),
  cancelled: (homeworkId: string): EngagementEvent => ({ type: 'HomeworkCancelled', data: { homeworkId, reason: 'r' } }),
  session: (sessionId: string): EngagementEvent => ({
    type: 'CoachingSessionLogged',
    data: { sessionId, heldAt: '2025-12-30T10:00:00.000Z', durationMinutes: 45, summary: 's' },
  }),
  activity: (activityId: string): EngagementEvent => ({
    type: 'JobSearchActivityLogged',
    data: { activityId, channel: 'JOB_BOARD', applications: 10, interviews: 0, offers: 0, note: null },
  }),
  reminder: (reminderId: string): EngagementEvent => ({
    type: 'ReminderSent',
    data: {
      reminderId,
      kind: 'HOMEWORK_DUE_SOON',
      recipient: CLIENT,
      channel: 'EMAIL',
      channels: ['EMAIL'],
      homeworkId: 'hw-1',
      draftId: null,
    },
  }),
  paused: (): EngagementEvent => ({ type: 'EngagementPaused', data: { reason: 'r' } }),
  resumed: (): EngagementEvent => ({ type: 'EngagementResumed', data: { reason: null } }),
  closed: (): EngagementEvent => ({ type: 'EngagementClosed', data: { outcome: 'OTHER', note: null } }),
};

// Histories, each named by the state it leaves the engagement in.
export const NONE: EngagementEvent[] = [];
export const INTAKE = [ev.opened()];
export const ACTIVE = [...INTAKE, ev.intake()];
export const PAUSED = [...ACTIVE, ev.paused()];
export const CLOSED = [...ACTIVE, ev.closed()];
export const CLOSED_FROM_INTAKE = [...INTAKE, ev.closed()];
export const HW_ASSIGNED = [...ACTIVE, ev.assigned('hw-1')];
export const HW_SUBMITTED = [...HW_ASSIGNED, ev.submitted('hw-1', 'draft-1', 1)];
export const HW_CHANGES_REQUESTED = [...HW_SUBMITTED, ev.feedback('hw-1', 'draft-1', 'CHANGES_REQUESTED')];
export const HW_ACCEPTED = [...HW_SUBMITTED, ev.feedback('hw-1', 'draft-1', 'ACCEPTED')];
export const HW_CANCELLED = [...HW_ASSIGNED, ev.cancelled('hw-1')];

// ---------------------------------------------------------------------------
// given / when / then
// ---------------------------------------------------------------------------

// `then` makes the `when` result thenable: never `await` it or return it from a test.
export function given(history: EngagementEvent[]) {
  const state = fold(history);
  return {
    when(command: EngagementCommand) {
      const run = (): EngagementEvent[] => decide(command, state);
      return {
        then(expected: EngagementEvent[]): void {
          expect(run()).toEqual(expected);
        },
        thenThrows<E extends Error>(errorClass: abstract new (...args: never[]) => E, rule?: RuleName): E {
          let thrown: unknown = undefined;
          try {
            run();
          } catch (error) {
            thrown = error;
          }
          expect(thrown).toBeInstanceOf(errorClass);
          if (rule !== undefined) expect(thrown).toMatchObject({ rule });
          return thrown as E;
        },
      };
    },
  };
}

/** Runs commands one after the other, each decided against the fold of what came before. */
export function play(commands: EngagementCommand[]): EngagementEvent[] {
  return commands.reduce<EngagementEvent[]>((events, command) => [...events, ...decide(command, fold(events))], []);
}

// ---------------------------------------------------------------------------
// Commands that every engagement shares
// ---------------------------------------------------------------------------

/** Every command but OpenEngagement, each from an actor and state that would allow it. */
export const EVERY_LATER_COMMAND: Array<{
  type: CommandType;
  produces: EngagementEvent['type'];
  history: EngagementEvent[];
  command: (actor?: Actor) => EngagementCommand;
}> = [
  { type: 'RecordIntake', produces: 'IntakeRecorded', history: INTAKE, command: (a) => cmd.recordIntake({}, a) },
  { type: 'AssignHomework', produces: 'HomeworkAssigned', history: ACTIVE, command: (a) => cmd.assignHomework({}, a) },
  { type: 'SubmitDraft', produces: 'DraftSubmitted', history: HW_ASSIGNED, command: (a) => cmd.submitDraft({}, a) },
  { type: 'GiveFeedback', produces: 'FeedbackGiven', history: HW_SUBMITTED, command: (a) => cmd.giveFeedback({}, a) },
  { type: 'CancelHomework', produces: 'HomeworkCancelled', history: HW_ASSIGNED, command: (a) => cmd.cancelHomework({}, a) },
  { type: 'RescheduleHomework', produces: 'HomeworkRescheduled', history: HW_ASSIGNED, command: (a) => cmd.reschedule({}, a) },
  { type: 'LogCoachingSession', produces: 'CoachingSessionLogged', history: ACTIVE, command: (a) => cmd.logSession({}, a) },
  { type: 'LogJobSearchActivity', produces: 'JobSearchActivityLogged', history: ACTIVE, command: (a) => cmd.logActivity({}, a) },
  { type: 'RecordReminderSent', produces: 'ReminderSent', history: ACTIVE, command: (a) => cmd.recordReminder({}, a) },
  {
    type: 'RecordRemindersSent',
    produces: 'ReminderSent',
    history: ACTIVE,
    command: (a = as.system) =>
      ({ type: 'RecordRemindersSent', data: { reminders: [cmd.recordReminder().data] }, context: { actor: a, now: NOW } }) as EngagementCommand,
  },
  {
    type: 'RecordRemindersHeld',
    produces: 'ReminderHeld',
    history: ACTIVE,
    command: (a = as.system) =>
      ({
        type: 'RecordRemindersHeld',
        data: {
          reminders: [
            {
              reminderId: cmd.recordReminder().data.reminderId,
              kind: 'HOMEWORK_OVERDUE',
              recipient: cmd.recordReminder().data.recipient,
              homeworkId: null,
              heldUntil: '2026-03-02T19:00:00.000Z',
              reason: 'quiet hours (21:00–08:00 in Pacific/Auckland)',
            },
          ],
        },
        context: { actor: a, now: NOW },
      }) as EngagementCommand,
  },
  {
    type: 'RecordDigestSent',
    produces: 'DigestSent',
    history: ACTIVE,
    command: (a = as.system) =>
      ({
        type: 'RecordDigestSent',
        data: {
          digestId: '0b9b7b5e-8f0e-5a39-9c55-3c1f3a7d4e21',
          kind: 'HELD_REMINDERS',
          recipient: cmd.recordReminder().data.recipient,
          channels: ['WEBHOOK'],
          reminderIds: [cmd.recordReminder().data.reminderId],
          draftIds: [],
        },
        context: { actor: a, now: NOW },
      }) as EngagementCommand,
  },
  { type: 'PauseEngagement', produces: 'EngagementPaused', history: ACTIVE, command: (a) => cmd.pause({}, a) },
  { type: 'ResumeEngagement', produces: 'EngagementResumed', history: PAUSED, command: (a) => cmd.resume({}, a) },
  { type: 'CloseEngagement', produces: 'EngagementClosed', history: ACTIVE, command: (a) => cmd.close({}, a) },
];

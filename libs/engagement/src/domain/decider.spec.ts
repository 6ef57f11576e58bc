import type { EngagementCommand } from './commands.js';
import { decide, fold } from './decider.js';
import { DomainError, Forbidden, NotFound, RuleViolated } from './errors.js';
import type { RuleName } from './errors.js';
import type { EngagementEvent } from './events.js';
import { LIMITS } from './limits.js';
import type { Actor, Person } from './types.js';

// ---------------------------------------------------------------------------
// Fixtures: fixed time, fixed people, fixed ids. Never the real clock.
// ---------------------------------------------------------------------------

const NOW = new Date('2026-01-01T10:00:00Z');
const minutesFromNow = (minutes: number): Date => new Date(NOW.getTime() + minutes * 60_000);

const COACH: Person = { id: 'coach-1', name: 'Casey Coach', email: 'casey@example.test' };
const CLIENT: Person = { id: 'client-1', name: 'Sam Senior', email: 'sam@example.test' };

const as = {
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
type ActorKey = keyof typeof as;
const ACTOR_KEYS = Object.keys(as) as ActorKey[];

type CommandType = EngagementCommand['type'];
type CommandOf<T extends CommandType> = Extract<EngagementCommand, { type: T }>;
type DataOf<T extends CommandType> = CommandOf<T>['data'];

/** A builder of one command type: defaults for every field, overridable. */
function builder<T extends CommandType>(type: T, defaults: DataOf<T>, defaultActor: Actor) {
  // TypeScript cannot tie `type` to its `data` inside a generic; the builders' call sites are checked.
  return (over: Partial<DataOf<T>> = {}, actor: Actor = defaultActor, now: Date = NOW): CommandOf<T> =>
    ({ type, data: { ...defaults, ...over }, context: { actor, now } }) as unknown as CommandOf<T>;
}

const DUE = new Date('2026-01-08T10:00:00Z');

const cmd = {
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

const ev = {
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
const NONE: EngagementEvent[] = [];
const INTAKE = [ev.opened()];
const ACTIVE = [...INTAKE, ev.intake()];
const PAUSED = [...ACTIVE, ev.paused()];
const CLOSED = [...ACTIVE, ev.closed()];
const CLOSED_FROM_INTAKE = [...INTAKE, ev.closed()];
const HW_ASSIGNED = [...ACTIVE, ev.assigned('hw-1')];
const HW_SUBMITTED = [...HW_ASSIGNED, ev.submitted('hw-1', 'draft-1', 1)];
const HW_CHANGES_REQUESTED = [...HW_SUBMITTED, ev.feedback('hw-1', 'draft-1', 'CHANGES_REQUESTED')];
const HW_ACCEPTED = [...HW_SUBMITTED, ev.feedback('hw-1', 'draft-1', 'ACCEPTED')];
const HW_CANCELLED = [...HW_ASSIGNED, ev.cancelled('hw-1')];

// ---------------------------------------------------------------------------
// given / when / then
// ---------------------------------------------------------------------------

// `then` makes the `when` result thenable: never `await` it or return it from a test.
function given(history: EngagementEvent[]) {
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
function play(commands: EngagementCommand[]): EngagementEvent[] {
  return commands.reduce<EngagementEvent[]>((events, command) => [...events, ...decide(command, fold(events))], []);
}

// ---------------------------------------------------------------------------
// Commands that every engagement shares
// ---------------------------------------------------------------------------

/** Every command but OpenEngagement, each from an actor and state that would allow it. */
const EVERY_LATER_COMMAND: Array<{
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
  { type: 'PauseEngagement', produces: 'EngagementPaused', history: ACTIVE, command: (a) => cmd.pause({}, a) },
  { type: 'ResumeEngagement', produces: 'EngagementResumed', history: PAUSED, command: (a) => cmd.resume({}, a) },
  { type: 'CloseEngagement', produces: 'EngagementClosed', history: ACTIVE, command: (a) => cmd.close({}, a) },
];

describe('an engagement that does not exist', () => {
  it.each(EVERY_LATER_COMMAND)('refuses $type with NotFound(Engagement)', ({ command }) => {
    const error = given(NONE).when(command()).thenThrows(NotFound);
    expect(error.entity).toBe('Engagement');
    expect(error.id).toBe('');
  });

  it('answers NotFound before looking at the actor', () => {
    given(NONE).when(cmd.recordIntake({}, as.otherClient)).thenThrows(NotFound);
  });
});

describe('a CLOSED engagement', () => {
  const refused = EVERY_LATER_COMMAND.filter(({ type }) => type !== 'RecordReminderSent' && type !== 'RecordRemindersSent');

  it.each(refused)('refuses $type with ENGAGEMENT_CLOSED', ({ command }) => {
    given(CLOSED).when(command()).thenThrows(RuleViolated, 'ENGAGEMENT_CLOSED');
  });

  const adminMay = refused.filter(({ type }) => type !== 'SubmitDraft' && type !== 'GiveFeedback');
  it.each(adminMay)('refuses $type with ENGAGEMENT_CLOSED even from an admin', ({ command }) => {
    given(CLOSED).when(command(as.admin)).thenThrows(RuleViolated, 'ENGAGEMENT_CLOSED');
  });

  it.each(refused)('refuses $type from someone who may not issue it with Forbidden: the status stays unrevealed', ({ command }) => {
    given(CLOSED).when(command(as.otherClient)).thenThrows(Forbidden);
  });

  it('refuses work on homework that was open when it closed', () => {
    const history = [...HW_SUBMITTED, ev.closed()];
    given(history).when(cmd.giveFeedback()).thenThrows(RuleViolated, 'ENGAGEMENT_CLOSED');
    given(history).when(cmd.cancelHomework()).thenThrows(RuleViolated, 'ENGAGEMENT_CLOSED');
  });

  it('still records a reminder that was sent (a fact)', () => {
    given(CLOSED)
      .when(cmd.recordReminder())
      .then([
        {
          type: 'ReminderSent',
          data: {
            reminderId: 'reminder-1',
            kind: 'HOMEWORK_DUE_SOON',
            recipient: CLIENT,
            channel: 'WEBHOOK',
            channels: ['WEBHOOK'],
            homeworkId: 'hw-1',
            draftId: null,
          },
        },
      ]);
  });
});

describe('who may do what', () => {
  const allowedActors: Record<Exclude<CommandType, 'OpenEngagement'>, ActorKey[]> = {
    RecordIntake: ['admin', 'coach'],
    AssignHomework: ['admin', 'coach'],
    CancelHomework: ['admin', 'coach'],
    RescheduleHomework: ['admin', 'coach'],
    LogCoachingSession: ['admin', 'coach'],
    PauseEngagement: ['admin', 'coach'],
    ResumeEngagement: ['admin', 'coach'],
    CloseEngagement: ['admin', 'coach'],
    SubmitDraft: ['client'],
    GiveFeedback: ['coach'],
    LogJobSearchActivity: ['admin', 'coach', 'client'],
    // any SYSTEM actor: the scheduler is not a person of the engagement
    RecordReminderSent: ['system', 'coachIdAsSystem'],
    RecordRemindersSent: ['system', 'coachIdAsSystem'],
  };
  const rows = EVERY_LATER_COMMAND.flatMap(({ type, produces, history, command }) =>
    ACTOR_KEYS.map((actor) => ({
      type,
      produces,
      history,
      command,
      actor,
      allowed: allowedActors[type as Exclude<CommandType, 'OpenEngagement'>].includes(actor),
    })),
  );

  it.each(rows.filter((row) => row.allowed))('$type by $actor is allowed', ({ produces, history, command, actor }) => {
    expect(decide(command(as[actor]), fold(history)).map((e) => e.type)).toEqual([produces]);
  });

  it.each(rows.filter((row) => !row.allowed))('$type by $actor is Forbidden', ({ history, command, actor }) => {
    given(history).when(command(as[actor])).thenThrows(Forbidden);
  });

  it('checks the actor before the status', () => {
    given(ACTIVE).when(cmd.recordIntake({}, as.client)).thenThrows(Forbidden);
    given(INTAKE).when(cmd.assignHomework({}, as.otherCoach)).thenThrows(Forbidden);
    given(PAUSED).when(cmd.pause({}, as.system)).thenThrows(Forbidden);
    given(ACTIVE).when(cmd.resume({}, as.client)).thenThrows(Forbidden);
  });

  it('checks the actor before the entity exists', () => {
    given(ACTIVE).when(cmd.giveFeedback({ draftId: 'nope' }, as.admin)).thenThrows(Forbidden);
    given(ACTIVE).when(cmd.submitDraft({ homeworkId: 'nope' }, as.otherClient)).thenThrows(Forbidden);
    given(ACTIVE).when(cmd.cancelHomework({ homeworkId: 'nope' }, as.client)).thenThrows(Forbidden);
  });

  it('checks the actor before a reminder is found to be recorded already', () => {
    given([...ACTIVE, ev.reminder('reminder-1')]).when(cmd.recordReminder({}, as.admin)).thenThrows(Forbidden);
  });

  it('Forbidden is a DomainError with code FORBIDDEN', () => {
    const error = given(ACTIVE).when(cmd.pause({}, as.client)).thenThrows(Forbidden);
    expect(error).toBeInstanceOf(DomainError);
    expect(error.code).toBe('FORBIDDEN');
  });
});

// ---------------------------------------------------------------------------
// One command at a time
// ---------------------------------------------------------------------------

describe('OpenEngagement', () => {
  const opened: EngagementEvent = {
    type: 'EngagementOpened',
    data: {
      engagementId: 'eng-1',
      practiceId: 'practice-1',
      coach: COACH,
      client: CLIENT,
      title: 'From job boards to networking',
    },
  };

  it('a coach opens an engagement as its coach', () => {
    given(NONE).when(cmd.open()).then([opened]);
  });

  it('an admin opens an engagement for any coach', () => {
    given(NONE).when(cmd.open({}, as.admin)).then([opened]);
  });

  it('a coach may not open an engagement for another coach', () => {
    given(NONE).when(cmd.open({}, as.otherCoach)).thenThrows(Forbidden);
  });

  it.each<ActorKey>(['client', 'otherClient', 'system', 'coachIdAsClient', 'coachIdAsSystem'])(
    '%s may not open an engagement',
    (actor) => {
      given(NONE).when(cmd.open({}, as[actor])).thenThrows(Forbidden);
    },
  );

  it('refuses a coach who is their own client (COACH_IS_CLIENT)', () => {
    given(NONE)
      .when(cmd.open({ client: { id: COACH.id, name: 'Casey again', email: null } }, as.admin))
      .thenThrows(RuleViolated, 'COACH_IS_CLIENT');
    given(NONE)
      .when(cmd.open({ client: { ...COACH } }, as.coach))
      .thenThrows(RuleViolated, 'COACH_IS_CLIENT');
  });

  it.each([
    ['INTAKE', INTAKE],
    ['ACTIVE', ACTIVE],
    ['PAUSED', PAUSED],
    ['CLOSED', CLOSED],
  ])('refuses to open an engagement that already exists (%s) with ENGAGEMENT_ALREADY_EXISTS', (_status, history) => {
    given(history).when(cmd.open()).thenThrows(RuleViolated, 'ENGAGEMENT_ALREADY_EXISTS');
  });

  it('reports ENGAGEMENT_ALREADY_EXISTS before looking at the actor', () => {
    given(ACTIVE).when(cmd.open({}, as.client)).thenThrows(RuleViolated, 'ENGAGEMENT_ALREADY_EXISTS');
  });

  it('checks the actor before COACH_IS_CLIENT', () => {
    given(NONE)
      .when(cmd.open({ client: { ...COACH } }, as.client))
      .thenThrows(Forbidden);
  });

  it('stores only the fields of a person', () => {
    const coach = { ...COACH, password: 'secret' } as Person;
    const [event] = decide(cmd.open({ coach }), fold(NONE));
    expect(event).toEqual(opened);
  });
});

describe('RecordIntake', () => {
  it('records the intake of a new engagement', () => {
    given(INTAKE)
      .when(cmd.recordIntake())
      .then([
        {
          type: 'IntakeRecorded',
          data: {
            presentingQuestion: 'What am I doing wrong?',
            background: 'Senior IT professional',
            goals: ['Land a senior role'],
            currentStrategy: 'Job boards only',
            baseline: [{ channel: 'JOB_BOARD', applications: 500, interviews: 8, offers: 0 }],
          },
        },
      ]);
  });

  it('makes the engagement ACTIVE', () => {
    expect(fold([...INTAKE, ...decide(cmd.recordIntake(), fold(INTAKE))]).status).toBe('ACTIVE');
  });

  it.each([
    ['ACTIVE', ACTIVE],
    ['PAUSED', PAUSED],
  ])('refuses a second intake (%s) with INTAKE_ALREADY_RECORDED', (_status, history) => {
    given(history).when(cmd.recordIntake()).thenThrows(RuleViolated, 'INTAKE_ALREADY_RECORDED');
  });

  it('copies goals and baseline so a later change of the command does not reach the event', () => {
    const command = cmd.recordIntake();
    const [event] = decide(command, fold(INTAKE));
    command.data.goals.push('changed');
    const first = command.data.baseline[0];
    if (first) first.applications = 1;
    expect(event).toMatchObject({ data: { goals: ['Land a senior role'], baseline: [{ applications: 500 }] } });
  });
});

describe('AssignHomework', () => {
  it('assigns homework with a due time, stored as an ISO instant', () => {
    given(ACTIVE)
      .when(cmd.assignHomework())
      .then([
        {
          type: 'HomeworkAssigned',
          data: {
            homeworkId: 'hw-1',
            title: 'Script your elevator pitch',
            instructions: 'Find your hook.',
            dueAt: '2026-01-08T10:00:00.000Z',
          },
        },
      ]);
  });

  it('assigns homework without a due time', () => {
    given(ACTIVE)
      .when(cmd.assignHomework({ dueAt: null }))
      .then([
        {
          type: 'HomeworkAssigned',
          data: { homeworkId: 'hw-1', title: 'Script your elevator pitch', instructions: 'Find your hook.', dueAt: null },
        },
      ]);
  });

  it('accepts a due time one millisecond in the future', () => {
    const dueAt = new Date(NOW.getTime() + 1);
    given(ACTIVE)
      .when(cmd.assignHomework({ dueAt }))
      .then([
        {
          type: 'HomeworkAssigned',
          data: { homeworkId: 'hw-1', title: 'Script your elevator pitch', instructions: 'Find your hook.', dueAt: '2026-01-01T10:00:00.001Z' },
        },
      ]);
  });

  it('refuses homework before the intake (INTAKE_REQUIRED)', () => {
    given(INTAKE).when(cmd.assignHomework()).thenThrows(RuleViolated, 'INTAKE_REQUIRED');
  });

  it('refuses homework while paused (ENGAGEMENT_PAUSED)', () => {
    given(PAUSED).when(cmd.assignHomework()).thenThrows(RuleViolated, 'ENGAGEMENT_PAUSED');
  });

  it('takes homework again once resumed', () => {
    const events = decide(cmd.assignHomework(), fold([...PAUSED, ev.resumed()]));
    expect(events.map((e) => e.type)).toEqual(['HomeworkAssigned']);
  });

  it.each([
    ['now', NOW],
    ['a minute ago', minutesFromNow(-1)],
    ['last year', new Date('2025-01-01T00:00:00Z')],
  ])('refuses a due time of %s (DUE_DATE_IN_PAST)', (_when, dueAt) => {
    given(ACTIVE).when(cmd.assignHomework({ dueAt })).thenThrows(RuleViolated, 'DUE_DATE_IN_PAST');
  });

  it('judges the due time against the command time, not the clock', () => {
    const later = new Date('2030-01-01T00:00:00Z');
    given(ACTIVE)
      .when(cmd.assignHomework({ dueAt: DUE }, as.coach, later))
      .thenThrows(RuleViolated, 'DUE_DATE_IN_PAST');
  });

  it.each([
    ['assigned', HW_ASSIGNED],
    ['accepted', HW_ACCEPTED],
    ['cancelled', HW_CANCELLED],
  ])('refuses a homework id already used (%s) with DUPLICATE_ID', (_status, history) => {
    given(history).when(cmd.assignHomework()).thenThrows(RuleViolated, 'DUPLICATE_ID');
  });

  it('checks status before the due time, and the due time before the id', () => {
    given(INTAKE).when(cmd.assignHomework({ dueAt: minutesFromNow(-1) })).thenThrows(RuleViolated, 'INTAKE_REQUIRED');
    given([...HW_ASSIGNED, ev.paused()]).when(cmd.assignHomework()).thenThrows(RuleViolated, 'ENGAGEMENT_PAUSED');
    given(HW_ASSIGNED).when(cmd.assignHomework({ dueAt: NOW })).thenThrows(RuleViolated, 'DUE_DATE_IN_PAST');
  });
});

describe('SubmitDraft', () => {
  it('submits the first draft as revision 1', () => {
    given(HW_ASSIGNED)
      .when(cmd.submitDraft())
      .then([{ type: 'DraftSubmitted', data: { homeworkId: 'hw-1', draftId: 'draft-1', revision: 1, content: 'My pitch' } }]);
  });

  it('submits a new revision after CHANGES_REQUESTED', () => {
    given(HW_CHANGES_REQUESTED)
      .when(cmd.submitDraft({ draftId: 'draft-2', content: 'Sharper pitch' }))
      .then([
        { type: 'DraftSubmitted', data: { homeworkId: 'hw-1', draftId: 'draft-2', revision: 2, content: 'Sharper pitch' } },
      ]);
  });

  it('numbers revisions across several CHANGES_REQUESTED cycles', () => {
    const events = play([
      cmd.open(),
      cmd.recordIntake(),
      cmd.assignHomework(),
      cmd.submitDraft({ draftId: 'd1' }),
      cmd.giveFeedback({ draftId: 'd1', feedbackId: 'f1', verdict: 'CHANGES_REQUESTED' }),
      cmd.submitDraft({ draftId: 'd2' }),
      cmd.giveFeedback({ draftId: 'd2', feedbackId: 'f2', verdict: 'CHANGES_REQUESTED' }),
      cmd.submitDraft({ draftId: 'd3' }),
      cmd.giveFeedback({ draftId: 'd3', feedbackId: 'f3', verdict: 'CHANGES_REQUESTED' }),
      cmd.submitDraft({ draftId: 'd4' }),
      cmd.giveFeedback({ draftId: 'd4', feedbackId: 'f4', verdict: 'ACCEPTED' }),
    ]);
    const revisions = events.flatMap((e) => (e.type === 'DraftSubmitted' ? [[e.data.draftId, e.data.revision]] : []));
    expect(revisions).toEqual([
      ['d1', 1],
      ['d2', 2],
      ['d3', 3],
      ['d4', 4],
    ]);
    expect(fold(events).homework['hw-1']?.status).toBe('ACCEPTED');
  });

  it('numbers revisions per homework', () => {
    const history = [...HW_SUBMITTED, ev.assigned('hw-2')];
    given(history)
      .when(cmd.submitDraft({ homeworkId: 'hw-2', draftId: 'draft-2' }))
      .then([{ type: 'DraftSubmitted', data: { homeworkId: 'hw-2', draftId: 'draft-2', revision: 1, content: 'My pitch' } }]);
  });

  it('is allowed while the engagement is paused', () => {
    given([...HW_ASSIGNED, ev.paused()])
      .when(cmd.submitDraft())
      .then([{ type: 'DraftSubmitted', data: { homeworkId: 'hw-1', draftId: 'draft-1', revision: 1, content: 'My pitch' } }]);
  });

  it('refuses unknown homework with NotFound(Homework)', () => {
    const error = given(ACTIVE).when(cmd.submitDraft({ homeworkId: 'hw-x' })).thenThrows(NotFound);
    expect(error.entity).toBe('Homework');
    expect(error.id).toBe('hw-x');
  });

  it('refuses homework of a name that Object.prototype knows', () => {
    given(ACTIVE).when(cmd.submitDraft({ homeworkId: 'constructor' })).thenThrows(NotFound);
  });

  it('no homework exists before the intake', () => {
    given(INTAKE).when(cmd.submitDraft()).thenThrows(NotFound);
  });

  it.each([
    ['SUBMITTED', HW_SUBMITTED],
    ['ACCEPTED', HW_ACCEPTED],
    ['CANCELLED', HW_CANCELLED],
  ])('refuses a draft to %s homework with HOMEWORK_NOT_OPEN', (_status, history) => {
    given(history).when(cmd.submitDraft({ draftId: 'draft-9' })).thenThrows(RuleViolated, 'HOMEWORK_NOT_OPEN');
  });

  it('refuses a draft id already used (DUPLICATE_ID), on the same or another homework', () => {
    given(HW_CHANGES_REQUESTED).when(cmd.submitDraft({ draftId: 'draft-1' })).thenThrows(RuleViolated, 'DUPLICATE_ID');
    given([...HW_SUBMITTED, ev.assigned('hw-2')])
      .when(cmd.submitDraft({ homeworkId: 'hw-2', draftId: 'draft-1' }))
      .thenThrows(RuleViolated, 'DUPLICATE_ID');
  });

  it('checks the homework is open before the draft id', () => {
    given(HW_SUBMITTED).when(cmd.submitDraft({ draftId: 'draft-1' })).thenThrows(RuleViolated, 'HOMEWORK_NOT_OPEN');
  });
});

describe('GiveFeedback', () => {
  it('requests changes on the latest draft', () => {
    given(HW_SUBMITTED)
      .when(cmd.giveFeedback())
      .then([
        {
          type: 'FeedbackGiven',
          data: {
            feedbackId: 'fb-1',
            draftId: 'draft-1',
            homeworkId: 'hw-1',
            verdict: 'CHANGES_REQUESTED',
            comments: 'Sharpen the hook',
          },
        },
      ]);
  });

  it('accepts the latest draft', () => {
    given(HW_SUBMITTED)
      .when(cmd.giveFeedback({ verdict: 'ACCEPTED', comments: 'Great hook' }))
      .then([
        {
          type: 'FeedbackGiven',
          data: { feedbackId: 'fb-1', draftId: 'draft-1', homeworkId: 'hw-1', verdict: 'ACCEPTED', comments: 'Great hook' },
        },
      ]);
  });

  it('moves the homework to the verdict', () => {
    const accepted = fold([...HW_SUBMITTED, ...decide(cmd.giveFeedback({ verdict: 'ACCEPTED' }), fold(HW_SUBMITTED))]);
    expect(accepted.homework['hw-1']?.status).toBe('ACCEPTED');
    const changes = fold([...HW_SUBMITTED, ...decide(cmd.giveFeedback(), fold(HW_SUBMITTED))]);
    expect(changes.homework['hw-1']?.status).toBe('CHANGES_REQUESTED');
  });

  it('is allowed while the engagement is paused', () => {
    const events = decide(cmd.giveFeedback(), fold([...HW_SUBMITTED, ev.paused()]));
    expect(events.map((e) => e.type)).toEqual(['FeedbackGiven']);
  });

  it('refuses an unknown draft with NotFound(Draft)', () => {
    const error = given(HW_ASSIGNED).when(cmd.giveFeedback({ draftId: 'draft-x' })).thenThrows(NotFound);
    expect(error.entity).toBe('Draft');
    expect(error.id).toBe('draft-x');
  });

  it.each([
    ['CHANGES_REQUESTED', HW_CHANGES_REQUESTED],
    ['ACCEPTED', HW_ACCEPTED],
  ])('refuses a second feedback on a draft (%s) with FEEDBACK_ALREADY_GIVEN', (_verdict, history) => {
    given(history)
      .when(cmd.giveFeedback({ feedbackId: 'fb-2', verdict: 'ACCEPTED' }))
      .thenThrows(RuleViolated, 'FEEDBACK_ALREADY_GIVEN');
  });

  it('refuses feedback on an older draft: FEEDBACK_ALREADY_GIVEN comes first', () => {
    const history = [...HW_CHANGES_REQUESTED, ev.submitted('hw-1', 'draft-2', 2)];
    given(history).when(cmd.giveFeedback({ feedbackId: 'fb-2' })).thenThrows(RuleViolated, 'FEEDBACK_ALREADY_GIVEN');
  });

  it('refuses feedback on a draft that is not the latest (NOT_LATEST_DRAFT)', () => {
    // The decider never lets two drafts wait at once, but the stream is the truth.
    const history = [...HW_SUBMITTED, ev.submitted('hw-1', 'draft-2', 2)];
    given(history).when(cmd.giveFeedback()).thenThrows(RuleViolated, 'NOT_LATEST_DRAFT');
    given(history)
      .when(cmd.giveFeedback({ draftId: 'draft-2' }))
      .then([
        {
          type: 'FeedbackGiven',
          data: { feedbackId: 'fb-1', draftId: 'draft-2', homeworkId: 'hw-1', verdict: 'CHANGES_REQUESTED', comments: 'Sharpen the hook' },
        },
      ]);
  });

  it('refuses feedback on a draft of cancelled homework (HOMEWORK_NOT_OPEN)', () => {
    given([...HW_SUBMITTED, ev.cancelled('hw-1')]).when(cmd.giveFeedback()).thenThrows(RuleViolated, 'HOMEWORK_NOT_OPEN');
  });

  it('refuses a feedback id already used (DUPLICATE_ID)', () => {
    const history = [...HW_CHANGES_REQUESTED, ev.submitted('hw-1', 'draft-2', 2)];
    given(history)
      .when(cmd.giveFeedback({ draftId: 'draft-2', feedbackId: 'fb-draft-1' }))
      .thenThrows(RuleViolated, 'DUPLICATE_ID');
  });

  it('is given by the coach only, not by an admin', () => {
    given(HW_SUBMITTED).when(cmd.giveFeedback({}, as.admin)).thenThrows(Forbidden);
  });
});

describe('CancelHomework', () => {
  it.each([
    ['ASSIGNED', HW_ASSIGNED],
    ['SUBMITTED', HW_SUBMITTED],
    ['CHANGES_REQUESTED', HW_CHANGES_REQUESTED],
  ])('cancels %s homework', (_status, history) => {
    given(history)
      .when(cmd.cancelHomework())
      .then([{ type: 'HomeworkCancelled', data: { homeworkId: 'hw-1', reason: 'No longer relevant' } }]);
  });

  it('is allowed while the engagement is paused', () => {
    given([...HW_ASSIGNED, ev.paused()])
      .when(cmd.cancelHomework())
      .then([{ type: 'HomeworkCancelled', data: { homeworkId: 'hw-1', reason: 'No longer relevant' } }]);
  });

  it('refuses unknown homework with NotFound(Homework)', () => {
    const error = given(HW_ASSIGNED).when(cmd.cancelHomework({ homeworkId: 'hw-x' })).thenThrows(NotFound);
    expect(error.entity).toBe('Homework');
    expect(error.id).toBe('hw-x');
  });

  it.each([
    ['ACCEPTED', HW_ACCEPTED],
    ['CANCELLED', HW_CANCELLED],
  ])('refuses to cancel %s homework with HOMEWORK_NOT_OPEN', (_status, history) => {
    given(history).when(cmd.cancelHomework()).thenThrows(RuleViolated, 'HOMEWORK_NOT_OPEN');
  });
});

describe('LogCoachingSession', () => {
  const logged: EngagementEvent = {
    type: 'CoachingSessionLogged',
    data: { sessionId: 'session-1', heldAt: '2026-01-01T09:00:00.000Z', durationMinutes: 60, summary: 'Reviewed the pitch' },
  };

  it.each([
    ['INTAKE', INTAKE],
    ['ACTIVE', ACTIVE],
    ['PAUSED', PAUSED],
  ])('logs a session held before now (%s)', (_status, history) => {
    given(history).when(cmd.logSession()).then([logged]);
  });

  it('logs a session held right now', () => {
    given(ACTIVE)
      .when(cmd.logSession({ heldAt: NOW }))
      .then([{ ...logged, data: { ...logged.data, heldAt: '2026-01-01T10:00:00.000Z' } } as EngagementEvent]);
  });

  it('refuses a session in the future (SESSION_IN_FUTURE)', () => {
    given(ACTIVE).when(cmd.logSession({ heldAt: new Date(NOW.getTime() + 1) })).thenThrows(RuleViolated, 'SESSION_IN_FUTURE');
  });

  it('refuses a session id already used (DUPLICATE_ID)', () => {
    given([...ACTIVE, ev.session('session-1')]).when(cmd.logSession()).thenThrows(RuleViolated, 'DUPLICATE_ID');
  });
});

describe('LogJobSearchActivity', () => {
  const logged: EngagementEvent = {
    type: 'JobSearchActivityLogged',
    data: { activityId: 'activity-1', channel: 'NETWORKING', applications: 0, interviews: 2, offers: 0, note: 'Two coffees' },
  };

  it.each([
    ['INTAKE', INTAKE],
    ['ACTIVE', ACTIVE],
    ['PAUSED', PAUSED],
  ])('logs activity (%s)', (_status, history) => {
    given(history).when(cmd.logActivity()).then([logged]);
  });

  it('logs activity without a note', () => {
    given(ACTIVE)
      .when(cmd.logActivity({ note: null }, as.coach))
      .then([{ type: 'JobSearchActivityLogged', data: { ...cmd.logActivity().data, note: null } }]);
  });

  it('refuses an activity id already used (DUPLICATE_ID)', () => {
    given([...ACTIVE, ev.activity('activity-1')]).when(cmd.logActivity()).thenThrows(RuleViolated, 'DUPLICATE_ID');
  });
});

describe('RecordReminderSent', () => {
  it('records the first channel as `channel` and all of them as `channels`', () => {
    given(HW_ASSIGNED)
      .when(cmd.recordReminder({ channels: ['EMAIL', 'WEBHOOK'], kind: 'HOMEWORK_OVERDUE' }))
      .then([
        {
          type: 'ReminderSent',
          data: {
            reminderId: 'reminder-1',
            kind: 'HOMEWORK_OVERDUE',
            recipient: CLIENT,
            channel: 'EMAIL',
            channels: ['EMAIL', 'WEBHOOK'],
            homeworkId: 'hw-1',
            draftId: null,
          },
        },
      ]);
  });

  it('records a feedback reminder to the coach', () => {
    given(HW_SUBMITTED)
      .when(cmd.recordReminder({ kind: 'FEEDBACK_PENDING', recipient: COACH, draftId: 'draft-1' }))
      .then([
        {
          type: 'ReminderSent',
          data: {
            reminderId: 'reminder-1',
            kind: 'FEEDBACK_PENDING',
            recipient: COACH,
            channel: 'WEBHOOK',
            channels: ['WEBHOOK'],
            homeworkId: 'hw-1',
            draftId: 'draft-1',
          },
        },
      ]);
  });

  it.each([
    ['INTAKE', INTAKE],
    ['PAUSED', PAUSED],
    ['CLOSED', CLOSED],
    ['CLOSED from INTAKE', CLOSED_FROM_INTAKE],
  ])('records a reminder that went out (%s)', (_status, history) => {
    expect(decide(cmd.recordReminder(), fold(history)).map((e) => e.type)).toEqual(['ReminderSent']);
  });

  it('records the same reminder only once (idempotent)', () => {
    given([...ACTIVE, ev.reminder('reminder-1')]).when(cmd.recordReminder()).then([]);
    given([...CLOSED, ev.reminder('reminder-1')]).when(cmd.recordReminder()).then([]);
    given([...ACTIVE, ev.reminder('reminder-1')])
      .when(cmd.recordReminder({ reminderId: 'reminder-2' }))
      .then([
        {
          type: 'ReminderSent',
          data: {
            reminderId: 'reminder-2',
            kind: 'HOMEWORK_DUE_SOON',
            recipient: CLIENT,
            channel: 'WEBHOOK',
            channels: ['WEBHOOK'],
            homeworkId: 'hw-1',
            draftId: null,
          },
        },
      ]);
  });

  it('treats empty channels as a programming error, not a domain refusal', () => {
    const error = given(ACTIVE).when(cmd.recordReminder({ channels: [] })).thenThrows(Error);
    expect(error).not.toBeInstanceOf(DomainError);
  });
});

describe('PauseEngagement', () => {
  it('pauses an ACTIVE engagement', () => {
    given(ACTIVE).when(cmd.pause()).then([{ type: 'EngagementPaused', data: { reason: 'Client on holiday' } }]);
  });

  it.each([
    ['INTAKE', INTAKE],
    ['PAUSED', PAUSED],
  ])('refuses to pause an engagement in %s (ENGAGEMENT_NOT_ACTIVE)', (_status, history) => {
    given(history).when(cmd.pause()).thenThrows(RuleViolated, 'ENGAGEMENT_NOT_ACTIVE');
  });
});

describe('ResumeEngagement', () => {
  it('resumes a PAUSED engagement', () => {
    given(PAUSED).when(cmd.resume()).then([{ type: 'EngagementResumed', data: { reason: 'Back from holiday' } }]);
    given(PAUSED).when(cmd.resume({ reason: null })).then([{ type: 'EngagementResumed', data: { reason: null } }]);
  });

  it.each([
    ['INTAKE', INTAKE],
    ['ACTIVE', ACTIVE],
    ['ACTIVE (resumed)', [...PAUSED, ev.resumed()]],
  ])('refuses to resume an engagement in %s (ENGAGEMENT_NOT_PAUSED)', (_status, history) => {
    given(history).when(cmd.resume()).thenThrows(RuleViolated, 'ENGAGEMENT_NOT_PAUSED');
  });
});

describe('CloseEngagement', () => {
  it.each([
    ['INTAKE', INTAKE],
    ['ACTIVE', ACTIVE],
    ['PAUSED', PAUSED],
    ['ACTIVE with open homework', HW_SUBMITTED],
  ])('closes an engagement in %s', (_status, history) => {
    given(history).when(cmd.close()).then([{ type: 'EngagementClosed', data: { outcome: 'GOALS_MET', note: null } }]);
  });

  it('closes with a note', () => {
    given(ACTIVE)
      .when(cmd.close({ outcome: 'CLIENT_WITHDREW', note: 'Moved abroad' }))
      .then([{ type: 'EngagementClosed', data: { outcome: 'CLIENT_WITHDREW', note: 'Moved abroad' } }]);
  });
});

describe('decide is pure', () => {
  it('does not change the state it decides against', () => {
    const state = fold(HW_CHANGES_REQUESTED);
    const before = structuredClone(state);
    decide(cmd.submitDraft({ draftId: 'draft-2' }), state);
    decide(cmd.assignHomework({ homeworkId: 'hw-2' }), state);
    expect(state).toEqual(before);
  });

  it('gives the same answer twice', () => {
    const state = fold(HW_SUBMITTED);
    expect(decide(cmd.giveFeedback(), state)).toEqual(decide(cmd.giveFeedback(), state));
  });
});

// ---------------------------------------------------------------------------
// The seed story: the coach's own account, start to finish
// ---------------------------------------------------------------------------

describe('the seed story', () => {
  const day = (n: number, hour = 10): Date => new Date(Date.UTC(2026, 0, n, hour));
  const pitch = 'hw-pitch';
  const ask = 'hw-ask';

  const commands: EngagementCommand[] = [
    cmd.open({}, as.coach, day(1)),
    cmd.recordIntake(
      {
        presentingQuestion: 'I sent 500 résumés through job boards and got 8 interviews. What am I doing wrong?',
        background: 'Senior IT professional, twenty years in infrastructure',
        goals: ['Move the search toward networking and the hidden job market'],
        currentStrategy: 'Applying through job boards',
        baseline: [{ channel: 'JOB_BOARD', applications: 500, interviews: 8, offers: 0 }],
      },
      as.coach,
      day(2),
    ),
    cmd.assignHomework(
      { homeworkId: pitch, title: 'Script your elevator pitch', instructions: 'Find your hook.', dueAt: day(9) },
      as.coach,
      day(2),
    ),
    cmd.assignHomework(
      { homeworkId: ask, title: 'Ask for help', instructions: 'Write how you will ask so people answer yes.', dueAt: null },
      as.coach,
      day(2),
    ),
    cmd.submitDraft({ homeworkId: pitch, draftId: 'pitch-1', content: 'I am a senior engineer.' }, as.client, day(4)),
    cmd.giveFeedback(
      { draftId: 'pitch-1', feedbackId: 'fb-pitch-1', verdict: 'CHANGES_REQUESTED', comments: 'Where is the hook?' },
      as.coach,
      day(5),
    ),
    cmd.submitDraft({ homeworkId: pitch, draftId: 'pitch-2', content: 'I cut outage time in half.' }, as.client, day(6)),
    cmd.giveFeedback(
      { draftId: 'pitch-2', feedbackId: 'fb-pitch-2', verdict: 'ACCEPTED', comments: 'That is the hook.' },
      as.coach,
      day(7),
    ),
    cmd.submitDraft({ homeworkId: ask, draftId: 'ask-1', content: 'Could you spare 20 minutes?' }, as.client, day(8)),
    cmd.giveFeedback(
      { draftId: 'ask-1', feedbackId: 'fb-ask-1', verdict: 'ACCEPTED', comments: 'Easy to say yes to.' },
      as.coach,
      day(9),
    ),
    cmd.logSession(
      { sessionId: 'session-1', heldAt: day(9, 9), durationMinutes: 60, summary: 'Rehearsed the pitch' },
      as.coach,
      day(9, 11),
    ),
    cmd.logActivity(
      { activityId: 'activity-1', channel: 'NETWORKING', applications: 2, interviews: 3, offers: 1, note: 'Referral via a former colleague' },
      as.client,
      day(20),
    ),
    cmd.close({ outcome: 'ROLE_ACCEPTED', note: 'Accepted a role found through networking' }, as.coach, day(30)),
  ];

  it('produces the events of the story, in order', () => {
    const events = play(commands);
    expect(events.map((e) => e.type)).toEqual([
      'EngagementOpened',
      'IntakeRecorded',
      'HomeworkAssigned',
      'HomeworkAssigned',
      'DraftSubmitted',
      'FeedbackGiven',
      'DraftSubmitted',
      'FeedbackGiven',
      'DraftSubmitted',
      'FeedbackGiven',
      'CoachingSessionLogged',
      'JobSearchActivityLogged',
      'EngagementClosed',
    ]);
    expect(events[2]).toEqual({
      type: 'HomeworkAssigned',
      data: { homeworkId: pitch, title: 'Script your elevator pitch', instructions: 'Find your hook.', dueAt: '2026-01-09T10:00:00.000Z' },
    });
    expect(events.filter((e) => e.type === 'DraftSubmitted').map((e) => e.data)).toEqual([
      { homeworkId: pitch, draftId: 'pitch-1', revision: 1, content: 'I am a senior engineer.' },
      { homeworkId: pitch, draftId: 'pitch-2', revision: 2, content: 'I cut outage time in half.' },
      { homeworkId: ask, draftId: 'ask-1', revision: 1, content: 'Could you spare 20 minutes?' },
    ]);
    expect(events.filter((e) => e.type === 'FeedbackGiven').map((e) => e.data)).toEqual([
      { feedbackId: 'fb-pitch-1', draftId: 'pitch-1', homeworkId: pitch, verdict: 'CHANGES_REQUESTED', comments: 'Where is the hook?' },
      { feedbackId: 'fb-pitch-2', draftId: 'pitch-2', homeworkId: pitch, verdict: 'ACCEPTED', comments: 'That is the hook.' },
      { feedbackId: 'fb-ask-1', draftId: 'ask-1', homeworkId: ask, verdict: 'ACCEPTED', comments: 'Easy to say yes to.' },
    ]);
    expect(events.at(-2)).toEqual({
      type: 'JobSearchActivityLogged',
      data: { activityId: 'activity-1', channel: 'NETWORKING', applications: 2, interviews: 3, offers: 1, note: 'Referral via a former colleague' },
    });
    expect(events.at(-1)).toEqual({
      type: 'EngagementClosed',
      data: { outcome: 'ROLE_ACCEPTED', note: 'Accepted a role found through networking' },
    });
  });

  it('leaves the engagement CLOSED with both homework accepted', () => {
    const state = fold(play(commands));
    expect(state.status).toBe('CLOSED');
    expect(state.homework[pitch]).toEqual({
      id: pitch,
      title: 'Script your elevator pitch',
      status: 'ACCEPTED',
      dueAt: '2026-01-09T10:00:00.000Z',
      draftIds: ['pitch-1', 'pitch-2'],
      latestDraftId: 'pitch-2',
    });
    expect(state.homework[ask]?.status).toBe('ACCEPTED');
    expect(state.drafts['pitch-2']).toEqual({ id: 'pitch-2', homeworkId: pitch, revision: 2, feedbackGiven: true });
  });

  it('takes nothing more once closed, except a reminder that was sent', () => {
    const history = play(commands);
    given(history)
      .when(cmd.logActivity({ activityId: 'activity-2' }, as.client, day(31)))
      .thenThrows(RuleViolated, 'ENGAGEMENT_CLOSED');
    expect(decide(cmd.recordReminder({}, as.system, day(31)), fold(history))).toHaveLength(1);
  });
});

describe('RecordRemindersSent (a batch for one engagement)', () => {
  const reminder = (reminderId: string) => ({
    reminderId,
    kind: 'HOMEWORK_DUE_SOON' as const,
    recipient: CLIENT,
    channels: ['WEBHOOK' as const],
    homeworkId: 'hw-1',
    draftId: null,
  });
  const batch = (ids: string[], actor: Actor = as.system) =>
    ({ type: 'RecordRemindersSent', data: { reminders: ids.map(reminder) }, context: { actor, now: NOW } }) as const;

  it('records each reminder not recorded yet, once, in order', () => {
    const events = decide(batch(['r-2', 'r-1', 'r-3', 'r-2']), fold([...ACTIVE, ev.reminder('r-1')]));
    expect(events.map((e) => (e.data as { reminderId: string }).reminderId)).toEqual(['r-2', 'r-3']);
    expect(events.every((e) => e.type === 'ReminderSent')).toBe(true);
  });

  it('records on a CLOSED engagement too (the sends happened)', () => {
    expect(decide(batch(['r-1']), fold(CLOSED))).toHaveLength(1);
  });

  it('is for the reminder system only', () => {
    expect(() => decide(batch(['r-1'], as.coach), fold(ACTIVE))).toThrow(Forbidden);
  });

  it('needs an engagement', () => {
    expect(() => decide(batch(['r-1']), fold([]))).toThrow(NotFound);
  });
});

describe('hard maxima of the lists an engagement holds (limits.ts)', () => {
  it(`refuses homework number ${LIMITS.homeworkPerEngagement + 1}: HOMEWORK_LIMIT`, () => {
    const full = [...ACTIVE, ...Array.from({ length: LIMITS.homeworkPerEngagement }, (_, i) => ev.assigned(`hw-${i}`))];
    given(full).when(cmd.assignHomework({ homeworkId: 'hw-last' })).thenThrows(RuleViolated, 'HOMEWORK_LIMIT');
    given(full.slice(0, -1)).when(cmd.assignHomework({ homeworkId: 'hw-last' })).then([expect.objectContaining({ type: 'HomeworkAssigned' })]);
  });

  it(`refuses draft number ${LIMITS.draftsPerHomework + 1} of a homework: DRAFT_LIMIT`, () => {
    const history = [...HW_ASSIGNED];
    for (let r = 1; r <= LIMITS.draftsPerHomework; r++) {
      history.push(ev.submitted('hw-1', `d-${r}`, r), ev.feedback('hw-1', `d-${r}`, 'CHANGES_REQUESTED'));
    }
    given(history).when(cmd.submitDraft({ draftId: 'd-last' })).thenThrows(RuleViolated, 'DRAFT_LIMIT');
    given(history.slice(0, -2)).when(cmd.submitDraft({ draftId: 'd-last' })).then([expect.objectContaining({ type: 'DraftSubmitted' })]);
  });

  it(`refuses coaching session number ${LIMITS.sessionsPerEngagement + 1}: SESSION_LIMIT`, () => {
    const full = [...ACTIVE, ...Array.from({ length: LIMITS.sessionsPerEngagement }, (_, i) => ev.session(`s-${i}`))];
    given(full).when(cmd.logSession({ sessionId: 's-last' })).thenThrows(RuleViolated, 'SESSION_LIMIT');
    given(full.slice(0, -1)).when(cmd.logSession({ sessionId: 's-last' })).then([expect.objectContaining({ type: 'CoachingSessionLogged' })]);
  });
});

describe('RescheduleHomework', () => {
  it('moves the due time of open homework', () => {
    given(HW_ASSIGNED)
      .when(cmd.reschedule())
      .then([{ type: 'HomeworkRescheduled', data: { homeworkId: 'hw-1', dueAt: '2026-01-15T10:00:00.000Z' } }]);
    given(HW_CHANGES_REQUESTED).when(cmd.reschedule({}, as.admin)).then([expect.objectContaining({ type: 'HomeworkRescheduled' })]);
  });

  it('is a no-op at the due time it already has', () => {
    given([...ACTIVE, ev.assigned('hw-1', '2026-01-15T10:00:00.000Z')]).when(cmd.reschedule()).then([]);
  });

  it('refuses a due time in the past: DUE_DATE_IN_PAST', () => {
    given(HW_ASSIGNED).when(cmd.reschedule({ dueAt: NOW })).thenThrows(RuleViolated, 'DUE_DATE_IN_PAST');
  });

  it('refuses homework that is no longer open: HOMEWORK_NOT_OPEN', () => {
    given(HW_ACCEPTED).when(cmd.reschedule()).thenThrows(RuleViolated, 'HOMEWORK_NOT_OPEN');
    given(HW_CANCELLED).when(cmd.reschedule()).thenThrows(RuleViolated, 'HOMEWORK_NOT_OPEN');
  });

  it('refuses homework the engagement does not hold: NOT_FOUND', () => {
    given(HW_ASSIGNED).when(cmd.reschedule({ homeworkId: 'hw-x' })).thenThrows(NotFound);
  });

  it('evolves the state to the new due time', () => {
    const state = fold([...HW_ASSIGNED, { type: 'HomeworkRescheduled', data: { homeworkId: 'hw-1', dueAt: '2026-01-15T10:00:00.000Z' } }]);
    expect(state.homework['hw-1']!.dueAt).toBe('2026-01-15T10:00:00.000Z');
  });
});

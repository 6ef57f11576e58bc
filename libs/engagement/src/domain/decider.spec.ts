// What holds for every command: existence, the CLOSED rule, who may do what, purity, the seed story, the lists' maxima.
import type { EngagementCommand } from './commands.js';
import { decide, fold } from './decider.js';
import { DomainError, Forbidden, NotFound, RuleViolated } from './errors.js';
import { LIMITS } from './limits.js';
import { CLIENT, as, ACTOR_KEYS, cmd, ev, NONE, INTAKE, ACTIVE, PAUSED, CLOSED, HW_ASSIGNED, HW_SUBMITTED, HW_CHANGES_REQUESTED, given, play, EVERY_LATER_COMMAND, type ActorKey, type CommandType } from './decider.spec-helper.js';

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

  // RecordRemindersHeld is the reminder system's alone: an admin is Forbidden before the status counts
  const adminMay = refused.filter(({ type }) => type !== 'SubmitDraft' && type !== 'GiveFeedback' && type !== 'RecordRemindersHeld' && type !== 'RecordDigestSent');
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
    RecordRemindersHeld: ['system', 'coachIdAsSystem'],
    RecordDigestSent: ['system', 'coachIdAsSystem'],
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

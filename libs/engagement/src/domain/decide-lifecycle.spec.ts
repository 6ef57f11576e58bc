// The engagement's lifecycle: open, intake, pause, resume, close.
import { decide, fold } from './decider.js';
import { Forbidden, RuleViolated } from './errors.js';
import type { EngagementEvent } from './events.js';
import type { Person } from './types.js';
import { COACH, CLIENT, as, cmd, ev, NONE, INTAKE, ACTIVE, PAUSED, CLOSED, HW_SUBMITTED, given, type ActorKey } from './decider.spec-helper.js';

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

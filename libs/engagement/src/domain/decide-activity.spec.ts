// Coaching sessions and job-search activity.
import { RuleViolated } from './errors.js';
import type { EngagementEvent } from './events.js';
import { NOW, as, cmd, ev, INTAKE, ACTIVE, PAUSED, given } from './decider.spec-helper.js';

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

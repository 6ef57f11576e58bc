import { evolve, fold, initialState } from './decider.js';
import type { EngagementEvent } from './events.js';
import { ENGAGEMENT_EVENT_TYPES } from './events.js';
import type { EngagementState } from './decider.js';
import type { Person } from './types.js';

const COACH: Person = { id: 'coach-1', name: 'Casey Coach', email: 'casey@example.test' };
const CLIENT: Person = { id: 'client-1', name: 'Sam Senior', email: null };

const opened: EngagementEvent = {
  type: 'EngagementOpened',
  data: { engagementId: 'eng-1', practiceId: 'practice-1', coach: COACH, client: CLIENT, title: 'Hidden job market' },
};
const intake: EngagementEvent = {
  type: 'IntakeRecorded',
  data: {
    presentingQuestion: 'What am I doing wrong?',
    background: 'Senior IT',
    goals: ['Networking'],
    currentStrategy: 'Job boards',
    baseline: [{ channel: 'JOB_BOARD', applications: 500, interviews: 8, offers: 0 }],
  },
};
const assigned = (homeworkId: string, dueAt: string | null = null): EngagementEvent => ({
  type: 'HomeworkAssigned',
  data: { homeworkId, title: `Homework ${homeworkId}`, instructions: 'Do it', dueAt },
});
const submitted = (homeworkId: string, draftId: string, revision: number): EngagementEvent => ({
  type: 'DraftSubmitted',
  data: { homeworkId, draftId, revision, content: 'c' },
});
const feedback = (homeworkId: string, draftId: string, verdict: 'CHANGES_REQUESTED' | 'ACCEPTED'): EngagementEvent => ({
  type: 'FeedbackGiven',
  data: { feedbackId: `fb-${draftId}`, draftId, homeworkId, verdict, comments: 'ok' },
});
const cancelled = (homeworkId: string): EngagementEvent => ({ type: 'HomeworkCancelled', data: { homeworkId, reason: 'r' } });
const session: EngagementEvent = {
  type: 'CoachingSessionLogged',
  data: { sessionId: 'session-1', heldAt: '2026-01-01T09:00:00.000Z', durationMinutes: 60, summary: 's' },
};
const activity: EngagementEvent = {
  type: 'JobSearchActivityLogged',
  data: { activityId: 'activity-1', channel: 'NETWORKING', applications: 1, interviews: 1, offers: 0, note: null },
};
const reminder: EngagementEvent = {
  type: 'ReminderSent',
  data: {
    reminderId: 'reminder-1',
    kind: 'HOMEWORK_DUE_SOON',
    recipient: CLIENT,
    channel: 'EMAIL',
    channels: ['EMAIL'],
    homeworkId: 'hw-1',
    draftId: null,
  },
};
const held: EngagementEvent = {
  type: 'ReminderHeld',
  data: {
    reminderId: 'reminder-2',
    kind: 'HOMEWORK_OVERDUE',
    recipient: CLIENT,
    homeworkId: 'hw-1',
    heldUntil: '2026-03-02T19:00:00.000Z',
    reason: 'quiet hours (21:00–08:00 in Pacific/Auckland)',
  },
};
const digested: EngagementEvent = {
  type: 'DigestSent',
  data: {
    digestId: 'digest-1',
    kind: 'HELD_REMINDERS',
    recipient: CLIENT,
    channels: ['WEBHOOK', 'EMAIL'],
    reminderIds: ['reminder-2'],
    draftIds: [],
  },
};
const paused: EngagementEvent = { type: 'EngagementPaused', data: { reason: 'holiday' } };
const resumed: EngagementEvent = { type: 'EngagementResumed', data: { reason: null } };
const closed: EngagementEvent = { type: 'EngagementClosed', data: { outcome: 'GOALS_MET', note: null } };

/** One of every event type, in an order the decider would allow. */
const EVERY_EVENT: EngagementEvent[] = [
  opened,
  session,
  intake,
  assigned('hw-1', '2026-01-08T10:00:00.000Z'),
  assigned('hw-2'),
  { type: 'HomeworkRescheduled', data: { homeworkId: 'hw-1', dueAt: '2026-01-09T10:00:00.000Z' } },
  submitted('hw-1', 'draft-1', 1),
  feedback('hw-1', 'draft-1', 'CHANGES_REQUESTED'),
  reminder,
  held,
  digested,
  submitted('hw-1', 'draft-2', 2),
  feedback('hw-1', 'draft-2', 'ACCEPTED'),
  cancelled('hw-2'),
  activity,
  paused,
  resumed,
  closed,
];

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

describe('initialState', () => {
  it('is an engagement that does not exist yet', () => {
    expect(initialState()).toEqual({
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
  });

  it('is a fresh object every time', () => {
    const a = initialState();
    const b = initialState();
    expect(a).not.toBe(b);
    expect(a.homework).not.toBe(b.homework);
    expect(a.remindersSent).not.toBe(b.remindersSent);
  });

  it('is what folding no events gives', () => {
    expect(fold([])).toEqual(initialState());
  });
});

describe('evolve: engagement status', () => {
  const statuses = (events: EngagementEvent[]): string[] => {
    let state = initialState();
    return events.map((event) => {
      state = evolve(state, event);
      return state.status;
    });
  };

  it('goes NONE → INTAKE → ACTIVE → PAUSED → ACTIVE → CLOSED', () => {
    expect(initialState().status).toBe('NONE');
    expect(statuses([opened, intake, paused, resumed, closed])).toEqual(['INTAKE', 'ACTIVE', 'PAUSED', 'ACTIVE', 'CLOSED']);
  });

  it('closes straight from INTAKE and from PAUSED', () => {
    expect(statuses([opened, closed])).toEqual(['INTAKE', 'CLOSED']);
    expect(statuses([opened, intake, paused, closed])).toEqual(['INTAKE', 'ACTIVE', 'PAUSED', 'CLOSED']);
  });

  it('records who the engagement is between', () => {
    expect(fold([opened])).toMatchObject({
      status: 'INTAKE',
      id: 'eng-1',
      practiceId: 'practice-1',
      coach: COACH,
      client: CLIENT,
      title: 'Hidden job market',
    });
  });

  it('does not change status for events that are not about status', () => {
    const active = fold([opened, intake]);
    for (const event of [assigned('hw-1'), session, activity, reminder]) {
      expect(evolve(active, event).status).toBe('ACTIVE');
    }
  });
});

describe('evolve: homework and drafts', () => {
  const base = [opened, intake, assigned('hw-1', '2026-01-08T10:00:00.000Z')];

  it('assigns homework as ASSIGNED with no drafts', () => {
    expect(fold(base).homework).toEqual({
      'hw-1': {
        id: 'hw-1',
        title: 'Homework hw-1',
        status: 'ASSIGNED',
        dueAt: '2026-01-08T10:00:00.000Z',
        draftIds: [],
        latestDraftId: null,
      },
    });
  });

  it('goes ASSIGNED → SUBMITTED → CHANGES_REQUESTED → SUBMITTED → ACCEPTED', () => {
    const steps = [
      submitted('hw-1', 'd1', 1),
      feedback('hw-1', 'd1', 'CHANGES_REQUESTED'),
      submitted('hw-1', 'd2', 2),
      feedback('hw-1', 'd2', 'ACCEPTED'),
    ];
    let state = fold(base);
    const seen = [state.homework['hw-1']?.status];
    for (const event of steps) {
      state = evolve(state, event);
      seen.push(state.homework['hw-1']?.status);
    }
    expect(seen).toEqual(['ASSIGNED', 'SUBMITTED', 'CHANGES_REQUESTED', 'SUBMITTED', 'ACCEPTED']);
    expect(state.homework['hw-1']).toMatchObject({ draftIds: ['d1', 'd2'], latestDraftId: 'd2' });
    expect(state.drafts).toEqual({
      d1: { id: 'd1', homeworkId: 'hw-1', revision: 1, feedbackGiven: true },
      d2: { id: 'd2', homeworkId: 'hw-1', revision: 2, feedbackGiven: true },
    });
    expect(state.feedbackIds).toEqual({ 'fb-d1': true, 'fb-d2': true });
  });

  it('records a submitted draft as awaiting feedback', () => {
    const state = fold([...base, submitted('hw-1', 'd1', 1)]);
    expect(state.drafts['d1']).toEqual({ id: 'd1', homeworkId: 'hw-1', revision: 1, feedbackGiven: false });
    expect(state.homework['hw-1']).toMatchObject({ status: 'SUBMITTED', draftIds: ['d1'], latestDraftId: 'd1' });
  });

  it.each([
    ['ASSIGNED', []],
    ['SUBMITTED', [submitted('hw-1', 'd1', 1)]],
    ['CHANGES_REQUESTED', [submitted('hw-1', 'd1', 1), feedback('hw-1', 'd1', 'CHANGES_REQUESTED')]],
  ])('cancels %s homework', (_status, events) => {
    expect(fold([...base, ...events, cancelled('hw-1')]).homework['hw-1']?.status).toBe('CANCELLED');
  });

  it('keeps homework apart from each other', () => {
    const state = fold([...base, assigned('hw-2'), submitted('hw-2', 'd1', 1), cancelled('hw-1')]);
    expect(state.homework['hw-1']).toMatchObject({ status: 'CANCELLED', draftIds: [] });
    expect(state.homework['hw-2']).toMatchObject({ status: 'SUBMITTED', draftIds: ['d1'] });
  });

  it('leaves homework alone when an event names homework it does not know', () => {
    const state = fold(base);
    expect(evolve(state, cancelled('hw-x')).homework).toEqual(state.homework);
    expect(evolve(state, cancelled('constructor')).homework).toEqual(state.homework);
    expect(evolve(state, feedback('hw-x', 'd-x', 'ACCEPTED')).homework).toEqual(state.homework);
  });
});

describe('evolve: ids already used', () => {
  it('remembers sessions, activities and reminders', () => {
    const state = fold([opened, session, activity, reminder]);
    expect(state.sessionIds).toEqual({ 'session-1': true });
    expect(state.activityIds).toEqual({ 'activity-1': true });
    expect(state.remindersSent).toEqual({ 'reminder-1': true });
  });
});

describe('evolve is pure', () => {
  it('covers every event type in these tests', () => {
    expect(new Set(EVERY_EVENT.map((e) => e.type))).toEqual(new Set(ENGAGEMENT_EVENT_TYPES));
  });

  it('never mutates the state (or the event) it is given', () => {
    let state: EngagementState = deepFreeze(initialState());
    for (const event of EVERY_EVENT) {
      const before = structuredClone(state);
      const frozenEvent = deepFreeze(structuredClone(event));
      // a write to a frozen object throws in an ES module (strict mode)
      const next = evolve(state, frozenEvent);
      expect(state).toEqual(before);
      expect(next).not.toBe(state);
      state = deepFreeze(next);
    }
    expect(state.status).toBe('CLOSED');
  });

  it('does not share the people of the event with the state', () => {
    const event = structuredClone(opened);
    const state = evolve(initialState(), event);
    if (event.type === 'EngagementOpened') event.data.coach.name = 'changed';
    expect(state.coach?.name).toBe('Casey Coach');
  });

  it('folds the same events to the same state', () => {
    expect(fold(EVERY_EVENT)).toEqual(fold(EVERY_EVENT));
  });
});

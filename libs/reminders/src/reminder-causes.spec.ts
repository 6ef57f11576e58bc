import { causesOf, homeworkOf } from './reminder-causes.js';

// A batch's events as the scheduler's causes, by table: which engagements are looked at again, with
// which homework (or all of it), under which event's correlation id. No database.

const T0 = new Date('2026-03-01T12:00:00Z');
let n = 0;
const event = (streamId: string, type: string, data: Record<string, unknown> = {}, practiceId = 'p1') => ({
  streamId,
  type,
  data,
  metadata: { practiceId, correlationId: `c${++n}` },
  occurredAt: new Date(T0.getTime() + n * 1000),
});

it.each([
  ['HomeworkAssigned', { homeworkId: 'h1' }, 'h1'],
  ['DraftSubmitted', { homeworkId: 'h1', draftId: 'd1' }, 'h1'],
  ['FeedbackGiven', { homeworkId: 'h1', draftId: 'd1' }, 'h1'],
  ['HomeworkCancelled', { homeworkId: 'h1' }, 'h1'],
  ['HomeworkRescheduled', { homeworkId: 'h1' }, 'h1'],
  ['EngagementPaused', { homeworkId: 'h1' }, null],
  ['EngagementClosed', {}, null],
  ['DigestSent', {}, null],
  ['HomeworkAssigned', {}, null],
  ['HomeworkAssigned', { homeworkId: '' }, null],
  ['HomeworkAssigned', { homeworkId: 42 }, null],
])('%s %j is about homework %s', (type, data, homework) => {
  expect(homeworkOf({ type, data })).toBe(homework);
});

it.each([
  { name: 'one assignment: that homework', events: [['e1', 'HomeworkAssigned', { homeworkId: 'h1' }]], scopes: { e1: ['h1'] } },
  {
    name: 'two homework events: both homework',
    events: [['e1', 'HomeworkAssigned', { homeworkId: 'h1' }], ['e1', 'DraftSubmitted', { homeworkId: 'h2' }]],
    scopes: { e1: ['h1', 'h2'] },
  },
  { name: 'a pause after an assignment: the whole engagement', events: [['e1', 'HomeworkAssigned', { homeworkId: 'h1' }], ['e1', 'EngagementPaused', {}]], scopes: { e1: null } },
  { name: 'an assignment after a resume: still whole', events: [['e1', 'EngagementResumed', {}], ['e1', 'HomeworkAssigned', { homeworkId: 'h1' }]], scopes: { e1: null } },
  {
    name: 'engagements apart',
    events: [['e1', 'HomeworkAssigned', { homeworkId: 'h1' }], ['e2', 'EngagementClosed', {}], ['e3', 'FeedbackGiven', { homeworkId: 'h3' }]],
    scopes: { e1: ['h1'], e2: null, e3: ['h3'] },
  },
] as const)('$name', ({ events, scopes }) => {
  const { engagements, practices } = causesOf(events.map(([stream, type, data]) => event(stream, type, data)));
  expect(practices.size).toBe(0);
  expect(Object.fromEntries([...engagements].map(([id, c]) => [id, c.homework && [...c.homework].sort()]))).toEqual(scopes);
});

it("keeps each engagement's latest event as its cause, and a settings change as its practice's", () => {
  const first = event('e1', 'HomeworkAssigned', { homeworkId: 'h1' });
  const settings = event('p1', 'PracticeSettingsUpdated', {}, 'p1');
  const last = event('e1', 'DraftSubmitted', { homeworkId: 'h1' });
  const { engagements, practices } = causesOf([first, settings, last]);
  expect(engagements.get('e1')).toEqual({ practiceId: 'p1', correlationId: last.metadata.correlationId, at: last.occurredAt, homework: new Set(['h1']) });
  expect(practices.get('p1')).toEqual({ practiceId: 'p1', correlationId: settings.metadata.correlationId, at: settings.occurredAt });
  expect(engagements.has('p1')).toBe(false);
});

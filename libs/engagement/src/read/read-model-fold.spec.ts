import type { StoredEvent } from '#event-store';
import type { EngagementEvent } from '../domain/events.js';
import { arrayLiteral, insertStatements, ReadModelFold, UnsupportedEvent, UnsupportedValue } from './read-model-fold.js';

// The fold's rows, event by event, as EngagementProjector's statements leave
// them. Equality with the projector itself on a real log is proven by
// test/ops/rebuild-projection.e2e-spec.ts (--verify); these pin the rules.

const E1 = '00000000-0000-4000-8000-000000000001';
const E2 = '00000000-0000-4000-8000-000000000002';
const H1 = '00000000-0000-4000-8000-0000000000a1';
const H2 = '00000000-0000-4000-8000-0000000000a2';
const D1 = '00000000-0000-4000-8000-0000000000d1';
const D2 = '00000000-0000-4000-8000-0000000000d2';
const F1 = '00000000-0000-4000-8000-0000000000f1';
const S1 = '00000000-0000-4000-8000-0000000000c1';
const T0 = Date.parse('2026-01-01T09:00:00.000Z');

let position = 0;
function stored(streamId: string, version: number, event: EngagementEvent, minutes = version): StoredEvent {
  position += 1;
  return {
    eventId: `event-${position}`,
    streamId,
    version,
    position,
    transactionId: '1',
    type: event.type,
    schemaVersion: 1,
    data: event.data,
    metadata: { practiceId: 'practice-1', actorId: 'coach-1', actorRole: 'COACH', correlationId: 'c', causationId: 'c', occurredAt: '' } as never,
    occurredAt: new Date(T0 + minutes * 60_000),
  };
}

const at = (minutes: number) => new Date(T0 + minutes * 60_000);
const opened = (title = 'Hidden job market'): EngagementEvent => ({
  type: 'EngagementOpened',
  data: {
    engagementId: E1,
    practiceId: 'practice-1',
    coach: { id: 'coach-1', name: 'Casey Coach', email: 'casey@example.test' },
    client: { id: 'client-1', name: 'Sam Senior', email: null },
    title,
  },
});
const intake: EngagementEvent = {
  type: 'IntakeRecorded',
  data: {
    presentingQuestion: 'q',
    background: 'b',
    goals: ['g'],
    currentStrategy: 's',
    baseline: [{ channel: 'JOB_BOARD', applications: 500, interviews: 8, offers: 0 }],
  },
};
const assigned = (homeworkId: string): EngagementEvent => ({
  type: 'HomeworkAssigned',
  data: { homeworkId, title: 'hw', instructions: 'do it', dueAt: '2026-01-02T09:00:00.000Z' },
});
const submitted = (homeworkId: string, draftId: string, revision = 1): EngagementEvent => ({
  type: 'DraftSubmitted',
  data: { homeworkId, draftId, revision, content: 'c' },
});
const feedback = (homeworkId: string, draftId: string, feedbackId = F1): EngagementEvent => ({
  type: 'FeedbackGiven',
  data: { feedbackId, draftId, homeworkId, verdict: 'ACCEPTED', comments: 'ok' },
});
const reminder: EngagementEvent = {
  type: 'ReminderSent',
  data: { reminderId: 'r', kind: 'FEEDBACK_PENDING', recipient: { id: 'c', name: 'c', email: null }, channel: 'WEBHOOK', channels: ['WEBHOOK'], homeworkId: null, draftId: null },
};

function foldOf(events: StoredEvent[]): ReadModelFold {
  const fold = new ReadModelFold();
  for (const e of events) fold.apply(e);
  return fold;
}

it('folds a history into the rows the projector leaves, counts and versions included', () => {
  const fold = foldOf([
    stored(E1, 1, opened()),
    stored(E1, 2, intake),
    stored(E1, 3, assigned(H1)),
    stored(E1, 4, assigned(H2)),
    stored(E1, 5, submitted(H1, D1)),
    stored(E1, 6, feedback(H1, D1)),
    stored(E1, 7, { type: 'HomeworkCancelled', data: { homeworkId: H2, reason: 'r' } }),
    stored(E1, 8, { type: 'CoachingSessionLogged', data: { sessionId: S1, heldAt: '2026-01-01T08:00:00Z', durationMinutes: 45, summary: 's' } }),
    stored(E1, 9, { type: 'JobSearchActivityLogged', data: { activityId: 'a', channel: 'JOB_BOARD', applications: 3, interviews: 1, offers: 1, note: null } }),
    stored(E1, 10, { type: 'EngagementPaused', data: { reason: 'r' } }),
    stored(E1, 11, { type: 'EngagementResumed', data: { reason: null } }),
    stored(E1, 12, { type: 'EngagementClosed', data: { outcome: 'GOALS_MET', note: 'done' } }),
  ]);
  expect(fold.engagements.get(E1)).toEqual({
    id: E1,
    practice_id: 'practice-1',
    title: 'Hidden job market',
    status: 'CLOSED',
    coach_id: 'coach-1',
    coach_name: 'Casey Coach',
    coach_email: 'casey@example.test',
    client_id: 'client-1',
    client_name: 'Sam Senior',
    client_email: null,
    intake: JSON.stringify({ ...intake.data, recordedAt: at(2).toISOString() }),
    outcome: 'GOALS_MET',
    close_note: 'done',
    open_homework_count: 0,
    awaiting_feedback_count: 0,
    opened_at: at(1),
    updated_at: at(12),
    closed_at: at(12),
    version: 12,
    // events without time zones: UTC
    coach_timezone: 'UTC',
    client_timezone: 'UTC',
  });
  expect(fold.homework.get(H1)).toMatchObject({ status: 'ACCEPTED', latest_draft_id: D1, draft_count: 1, assigned_at: at(3), updated_at: at(6) });
  expect(fold.homework.get(H2)).toMatchObject({ status: 'CANCELLED', draft_count: 0, latest_draft_id: null, updated_at: at(7) });
  expect(fold.feedback).toMatchObject([{ id: F1, draft_id: D1, given_by_id: 'coach-1', given_by_email: 'casey@example.test', given_at: at(6), submitted_at: at(5) }]);
  expect(fold.sessions).toMatchObject([{ id: S1, held_at: '2026-01-01T08:00:00Z', logged_at: at(8) }]);
  // the intake's baseline and the activity on the same channel: one row, summed (ON CONFLICT DO UPDATE)
  expect([...fold.jobSearch.values()]).toEqual([
    { engagement_id: E1, practice_id: 'practice-1', channel: 'JOB_BOARD', applications: 503, interviews: 9, offers: 1 },
  ]);
});

it('recounts open and awaiting homework at every homework event', () => {
  const fold = foldOf([stored(E1, 1, opened()), stored(E1, 2, assigned(H1)), stored(E1, 3, assigned(H2)), stored(E1, 4, submitted(H1, D1))]);
  expect(fold.engagements.get(E1)).toMatchObject({ open_homework_count: 2, awaiting_feedback_count: 1, version: 4, updated_at: at(4) });
  expect(fold.homework.get(H1)).toMatchObject({ status: 'SUBMITTED', draft_count: 1 });
});

it('moves version and updated_at only forward on ReminderSent, as the projector\'s greatest() does', () => {
  // a reminder stored later than the event before it, but stamped earlier
  const fold = foldOf([stored(E1, 1, opened()), stored(E1, 2, assigned(H1), 10), stored(E1, 3, reminder, 5)]);
  expect(fold.engagements.get(E1)).toMatchObject({ version: 3, updated_at: at(10) });
  const later = foldOf([stored(E1, 1, opened()), stored(E1, 2, reminder, 7)]);
  expect(later.engagements.get(E1)).toMatchObject({ version: 2, updated_at: at(7) });
});

it('does what the projector\'s statements do when a row they need is missing', () => {
  // feedback on an unknown draft: no feedback row (INSERT ... SELECT joins the draft), the homework still updated
  const fold = foldOf([stored(E1, 1, opened()), stored(E1, 2, assigned(H1)), stored(E1, 3, feedback(H1, D2))]);
  expect(fold.feedback).toHaveLength(0);
  expect(fold.homework.get(H1)).toMatchObject({ status: 'ACCEPTED', updated_at: at(3) });
  // events of a stream without an engagement row: UPDATEs of nothing, INSERTs of their own rows
  const orphan = foldOf([stored(E2, 1, intake), stored(E2, 2, assigned(H2))]);
  expect(orphan.engagements.size).toBe(0);
  expect(orphan.homework.get(H2)).toMatchObject({ engagement_id: E2 });
  expect(orphan.jobSearch.size).toBe(1);
});

it('refuses what it cannot mirror, so the caller applies the log event by event', () => {
  expect(() => foldOf([stored(E1, 1, opened()), stored(E1, 2, opened())])).toThrow(UnsupportedEvent);
  expect(() => foldOf([stored(E1, 1, opened()), stored(E1, 2, assigned(H1)), stored(E1, 3, assigned(H1))])).toThrow(UnsupportedEvent);
  // an id PostgreSQL would not take as a uuid; one in upper case is the same uuid, and the same key (lower-cased)
  expect(() => foldOf([stored('not-a-uuid', 1, opened())])).toThrow(/not a uuid/);
  expect(foldOf([stored(E1.toUpperCase(), 1, opened())]).engagements.has(E1)).toBe(true);
  expect(() => foldOf([stored(E1, 1, opened()), stored(E1, 2, assigned(H1)), stored(E1, 3, assigned(H1.toUpperCase()))])).toThrow(UnsupportedEvent);
  expect(() =>
    foldOf([stored(E1, 1, opened()), stored(E1, 2, { type: 'JobSearchActivityLogged', data: { activityId: 'a', channel: 'OTHER', applications: 1.5, interviews: 0, offers: 0, note: null } })]),
  ).toThrow(/not a whole number/);
  expect(() => foldOf([stored(E1, 1, { type: 'Unheard', data: {} } as never)])).toThrow(UnsupportedEvent);
});

it('writes every row once, in INSERTs of at most `chunk` rows; the rows no event changes while the log is still read', () => {
  const events = [stored(E1, 1, opened()), stored(E1, 2, intake)];
  for (let i = 0; i < 5; i++) events.push(stored(E1, 3 + i, assigned(`00000000-0000-4000-8000-00000000010${i}`)));
  for (let i = 0; i < 3; i++) events.push(stored(E1, 8 + i, submitted('00000000-0000-4000-8000-000000000100', `00000000-0000-4000-8000-00000000020${i}`, i + 1)));
  const fold = foldOf(events);
  expect([...fold.takeFinished('rebuild', 2)].map((s) => [s.table, s.rows])).toEqual([['drafts', 2]]);
  expect([...fold.takeFinished('rebuild', 2)]).toEqual([]);
  const statements = [...insertStatements(fold, 'rebuild', 2)];
  expect(statements.map((s) => [s.table, s.rows])).toEqual([
    ['drafts', 1],
    ['engagements', 1],
    ['homework', 2],
    ['homework', 2],
    ['homework', 1],
    ['job_search_stats', 1],
  ]);
  const homework = statements[2]!;
  expect(homework.text).toMatch(/^INSERT INTO rebuild\.homework \(id, engagement_id, .*\) SELECT id, engagement_id, .* FROM unnest\(\$1::uuid\[\], \$2::uuid\[\]/);
  expect(homework.values).toHaveLength(11);
  expect(homework.values[0]).toBe('{00000000-0000-4000-8000-000000000100,00000000-0000-4000-8000-000000000101}');
  expect(homework.values[3]).toBe('{"hw","hw"}'); // title
  expect(homework.values[7]).toBe(`{${at(3).toISOString()},${at(4).toISOString()}}`); // assigned_at
  expect(homework.values[8]).toBe('{00000000-0000-4000-8000-000000000202,NULL}'); // latest_draft_id
  // the feedback's turnaround is left to PostgreSQL, with the projector's expression
  const withFeedback = foldOf([stored(E1, 1, opened()), stored(E1, 2, assigned(H1)), stored(E1, 3, submitted(H1, D1)), stored(E1, 4, feedback(H1, D1))]);
  const feedbackInsert = [...insertStatements(withFeedback, 'rebuild', 10)].find((s) => s.table === 'feedback')!;
  expect(feedbackInsert.text).toContain(', turnaround_hours) SELECT id, draft_id, ');
  expect(feedbackInsert.text).toContain('greatest(0, extract(epoch FROM (given_at - submitted_at)) / 3600.0) FROM unnest(');
});

it('spells array literals as node-postgres spells lone parameters', () => {
  expect(arrayLiteral(['a', null, undefined, '', 'NULL', 'x,"y"}', 'back\\slash', 7, 1.5, true, new Date(T0)])).toBe(
    '{"a",NULL,NULL,"","NULL","x,\\"y\\"}","back\\\\slash","7","1.5","true","2026-01-01T09:00:00.000Z"}',
  );
  // bare where nothing needs quoting; anything unexpected in such a column quoted as text would be
  expect(arrayLiteral([7, null, '8', 'x y'], 'int')).toBe('{7,NULL,"8","x y"}');
  expect(arrayLiteral([new Date(T0), '2026-01-01 10:00+01'], 'timestamptz')).toBe('{2026-01-01T09:00:00.000Z,"2026-01-01 10:00+01"}');
  expect(arrayLiteral([H1, 'not a uuid', H1.toUpperCase()], 'uuid')).toBe(`{${H1},"not a uuid","${H1.toUpperCase()}"}`);
  expect(() => arrayLiteral([{ an: 'object' }])).toThrow(UnsupportedValue);
});

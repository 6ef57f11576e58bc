import type { StoredEvent } from '#event-store';
import type { EngagementEvent } from '../domain/events.js';
import { ReadModelFold } from '../read/read-model-fold.js';
import { foldOnto, PastView, type FoldPoint } from './past-view.js';

// A past view started from a time-travel snapshot (the fold and the decider's
// state after some version, through JSON as the jsonb column keeps them) is
// the same view as the whole stream folded: at every version, from every
// earlier snapshot, by version and by instant.

const PRACTICE = 'practice-1';
const E1 = '00000000-0000-4000-8000-000000000001';
const hw = (n: number) => `00000000-0000-4000-8000-0000000000${(0xa0 + n).toString(16)}`;
const dr = (n: number) => `00000000-0000-4000-8000-0000000001${(0xa0 + n).toString(16)}`;
const fb = (n: number) => `00000000-0000-4000-8000-0000000002${(0xa0 + n).toString(16)}`;
const se = (n: number) => `00000000-0000-4000-8000-0000000003${(0xa0 + n).toString(16)}`;
const T0 = Date.parse('2026-01-01T09:00:00.000Z');

function stream(): StoredEvent[] {
  const events: EngagementEvent[] = [
    {
      type: 'EngagementOpened',
      data: {
        engagementId: E1,
        practiceId: PRACTICE,
        coach: { id: 'coach-1', name: 'Casey Coach', email: 'casey@example.test' },
        client: { id: 'client-1', name: 'Sam Senior', email: null },
        title: 'Hidden job market',
      },
    },
    {
      type: 'IntakeRecorded',
      data: { presentingQuestion: 'q', background: 'b', goals: ['g'], currentStrategy: 's', baseline: [{ channel: 'JOB_BOARD', applications: 500, interviews: 8, offers: 0 }] },
    },
  ];
  for (let n = 0; n < 4; n++) {
    events.push({ type: 'HomeworkAssigned', data: { homeworkId: hw(n), title: `hw ${n}`, instructions: 'do it', dueAt: n % 2 ? null : '2026-01-02T09:00:00.000Z' } });
    events.push({ type: 'DraftSubmitted', data: { homeworkId: hw(n), draftId: dr(n), revision: 1, content: `draft ${n}` } });
    events.push({ type: 'FeedbackGiven', data: { feedbackId: fb(n), draftId: dr(n), homeworkId: hw(n), verdict: n === 3 ? 'CHANGES_REQUESTED' : 'ACCEPTED', comments: `fb ${n}` } });
    events.push({ type: 'CoachingSessionLogged', data: { sessionId: se(n), heldAt: `2026-01-0${n + 1}T08:00:00Z`, durationMinutes: 45, summary: `s ${n}` } });
    events.push({ type: 'JobSearchActivityLogged', data: { activityId: `a${n}`, channel: n % 2 ? 'NETWORKING' : 'JOB_BOARD', applications: 3, interviews: 1, offers: n === 2 ? 1 : 0, note: null } });
  }
  events.push({ type: 'HomeworkRescheduled', data: { homeworkId: hw(3), dueAt: '2026-02-01T09:00:00.000Z' } });
  events.push({
    type: 'ReminderSent',
    data: { reminderId: 'r', kind: 'FEEDBACK_PENDING', recipient: { id: 'c', name: 'c', email: null }, channel: 'WEBHOOK', channels: ['WEBHOOK'], homeworkId: null, draftId: null },
  } as EngagementEvent);
  events.push({ type: 'EngagementPaused', data: { reason: 'holiday' } });
  events.push({ type: 'EngagementResumed', data: { reason: null } });
  events.push({ type: 'HomeworkCancelled', data: { homeworkId: hw(3), reason: 'r' } });
  events.push({ type: 'EngagementClosed', data: { outcome: 'GOALS_MET', note: 'done' } });
  return events.map((event, i) => ({
    eventId: `event-${i + 1}`,
    streamId: E1,
    version: i + 1,
    position: i + 1,
    transactionId: '1',
    type: event.type,
    schemaVersion: 1,
    data: event.data,
    metadata: { practiceId: PRACTICE, actorId: 'coach-1', actorRole: 'COACH', correlationId: 'c', causationId: 'c', occurredAt: '' } as never,
    occurredAt: new Date(T0 + (i + 1) * 60_000),
  }));
}

/** A snapshot after `version`, through JSON as engagement_history_snapshots keeps it. */
function snapshotAt(events: StoredEvent[], version: number): FoldPoint {
  const { point } = foldOnto(null, PRACTICE, events.slice(0, version));
  const json = JSON.parse(
    JSON.stringify({ state: point.state, fold: point.fold.snapshot(), lastOccurredAt: point.lastOccurredAt, maxOccurredAt: point.maxOccurredAt }),
  ) as { state: FoldPoint['state']; fold: unknown; lastOccurredAt: string; maxOccurredAt: string };
  return { version, state: json.state, fold: ReadModelFold.restore(json.fold), lastOccurredAt: new Date(json.lastOccurredAt), maxOccurredAt: new Date(json.maxOccurredAt) };
}

/** Everything a past view answers with (GraphQL's models), timeline aside. */
function shown(v: PastView | null) {
  if (!v) return null;
  return {
    document: v.document(),
    engagement: { ...v.engagement },
    state: v.state,
    homework: v.homework.map((h) => ({ ...h, drafts: v.draftsOf(h.id).map((d) => ({ ...d, feedback: v.feedbackOf(d.id) && { ...v.feedbackOf(d.id) } })) })),
    sessions: v.sessions.map((s) => ({ ...s })),
    jobSearch: v.jobSearch,
    overdueCount: v.overdueCount,
    asOf: v.asOf,
  };
}

describe('a past view from a snapshot', () => {
  const events = stream();
  const last = events.length;

  it('equals the whole stream folded, at every version, from every earlier snapshot', () => {
    for (let to = 1; to <= last; to++) {
      const full = PastView.fold(E1, PRACTICE, events, { asOfVersion: to });
      for (let from = 1; from <= to; from++) {
        const view = PastView.fold(E1, PRACTICE, events.slice(from), { asOfVersion: to }, snapshotAt(events, from));
        expect(shown(view)).toEqual(shown(full));
        expect(view!.fromVersion).toBe(from);
        expect(view!.events.map((e) => e.version)).toEqual(events.slice(from, to).map((e) => e.version));
      }
    }
  });

  it('equals it for an asOf instant too, and a snapshot after the instant is not one the view may start from', () => {
    const asOf = new Date(T0 + 15.5 * 60_000); // after version 15, before 16
    const full = PastView.fold(E1, PRACTICE, events, { asOf });
    const fromTen = PastView.fold(E1, PRACTICE, events.slice(10), { asOf }, snapshotAt(events, 10));
    expect(shown(fromTen)).toEqual(shown(full));
    expect(fromTen!.engagement.version).toBe(15);
    expect(snapshotAt(events, 15).maxOccurredAt!.getTime()).toBeLessThanOrEqual(asOf.getTime());
    expect(snapshotAt(events, 16).maxOccurredAt!.getTime()).toBeGreaterThan(asOf.getTime());
  });

  it('restores a fold that goes on as the original would', () => {
    const original = foldOnto(null, PRACTICE, events.slice(0, 12)).point.fold;
    const restored = ReadModelFold.restore(JSON.parse(JSON.stringify(original.snapshot())));
    for (const e of events.slice(12)) {
      original.apply(e);
      restored.apply(e);
    }
    expect(restored.snapshot()).toEqual(original.snapshot());
    expect(restored.engagements.get(E1)!.updated_at).toBeInstanceOf(Date);
  });
});

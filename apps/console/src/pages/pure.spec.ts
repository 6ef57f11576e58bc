import { activityByDay, funnelAgainstBaseline, reminderOutcomesByDay } from './overview';
import { waitedFor, waitingDrafts } from './queue';
import { parseOffsetsHours } from './settings';
import { filterOf } from './engagements';

describe('overview: activity by day', () => {
  it('pivots (day, type) rows into one series per type over sorted days, zeros where a type had none', () => {
    const pivot = activityByDay([
      { day: '2026-11-29', eventType: 'DraftSubmitted', events: 3 },
      { day: '2026-11-28', eventType: 'FeedbackGiven', events: 2 },
      { day: '2026-11-28', eventType: 'DraftSubmitted', events: 1 },
    ]);
    expect(pivot.days).toEqual(['2026-11-28', '2026-11-29']);
    expect(pivot.series).toEqual([
      { label: 'DraftSubmitted', values: [1, 3] },
      { label: 'FeedbackGiven', values: [2, 0] },
    ]);
  });
});

describe('feedback queue', () => {
  it('lists every waiting draft, the longest wait first', () => {
    const node = (id: string, drafts: [string, string][]) => ({
      id,
      title: `T${id}`,
      client: { id: `c${id}`, name: `Client ${id}` },
      homework: drafts.map(([hw, at]) => ({ id: hw, title: hw, latestDraft: { id: `d-${hw}`, revision: 1, submittedAt: at } })),
    });
    const list = waitingDrafts({
      engagements: { edges: [{ node: node('1', [['late', '2026-11-29T10:00:00Z']]) }, { node: node('2', [['early', '2026-11-27T10:00:00Z'], ['mid', '2026-11-28T10:00:00Z']]) }] },
    });
    expect(list.map((w) => w.homework)).toEqual(['early', 'mid', 'late']);
  });

  it('says hours below two days, then days', () => {
    const now = Date.parse('2026-11-29T12:00:00Z');
    expect(waitedFor('2026-11-29T02:30:00Z', now)).toBe('9 h');
    expect(waitedFor('2026-11-25T12:00:00Z', now)).toBe('4 days');
  });
});

describe('settings: due-soon offsets', () => {
  it('turns whole hours into minutes and refuses anything else', () => {
    expect(parseOffsetsHours('24, 2')).toEqual([1440, 120]);
    expect(parseOffsetsHours('')).toEqual([]);
    expect(parseOffsetsHours('1.5')).toBeNull();
    expect(parseOffsetsHours('-1')).toBeNull();
  });
});

describe('engagements: filter', () => {
  it('sends only the fields that filter', () => {
    expect(filterOf({ status: '', coachId: '', overdue: false, search: '  ' })).toEqual({});
    expect(filterOf({ status: 'ACTIVE', coachId: 'coach-1', overdue: true, search: ' Price ' })).toEqual({
      status: ['ACTIVE'],
      coachId: 'coach-1',
      hasOverdueHomework: true,
      search: 'Price',
    });
  });
});

describe('overview: funnel against the intake baseline, reminder outcomes', () => {
  it('puts each channel\'s interview rate now beside its rate at intake (0 when it had none)', () => {
    const now = [
      { channel: 'JOB_BOARD', applications: 520, interviews: 9 },
      { channel: 'NETWORKING', applications: 20, interviews: 6 },
    ];
    const baseline = [{ channel: 'JOB_BOARD', applications: 500, interviews: 8 }];
    expect(funnelAgainstBaseline(now, baseline)).toEqual([
      { label: 'Interview rate at intake (%)', values: [1.6, 0] },
      { label: 'Interview rate now (%)', values: [1.7, 30] },
    ]);
  });

  it('orders reminder outcomes oldest day first', () => {
    const r = reminderOutcomesByDay([
      { day: '2026-11-29', sent: 3, failed: 1, cancelled: 0 },
      { day: '2026-11-27', sent: 1, failed: 0, cancelled: 2 },
    ]);
    expect(r.days).toEqual(['2026-11-27', '2026-11-29']);
    expect(r.series).toEqual([
      { label: 'Sent', values: [1, 3] },
      { label: 'Failed', values: [0, 1] },
      { label: 'Cancelled', values: [2, 0] },
    ]);
  });
});

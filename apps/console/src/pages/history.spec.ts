import { changesRange, describePath, describeVersion, eventName, formatValue, namesOf, shownVersion } from './history';

const events = [
  { version: 1, type: 'EngagementOpened', actorId: 'admin-demo', actorRole: 'ADMIN', occurredAt: '2026-11-20T09:00:00Z' },
  { version: 2, type: 'HomeworkAssigned', actorId: 'coach-mark', actorRole: 'COACH', occurredAt: '2026-11-21T10:30:00Z' },
];

describe('time slider: which version the page shows', () => {
  it('reads ?asOfVersion=, and shows the live engagement at or past the live version or for anything else', () => {
    expect(shownVersion('', 12)).toBeNull();
    expect(shownVersion('?asOfVersion=3', 12)).toBe(3);
    expect(shownVersion('asOfVersion=3', 12)).toBe(3);
    expect(shownVersion('?asOfVersion=0', 12)).toBe(1);
    expect(shownVersion('?asOfVersion=12', 12)).toBeNull();
    expect(shownVersion('?asOfVersion=40', 12)).toBeNull();
    expect(shownVersion('?asOfVersion=-2', 12)).toBeNull();
    expect(shownVersion('?asOfVersion=two', 12)).toBeNull();
  });

  it('reads a version out as its event, who made it and when; the last one as now', () => {
    expect(describeVersion(2, 12, events)).toBe('Version 2 of 12: Homework assigned by coach coach-mark, 21 Nov 2026, 10:30 UTC');
    expect(describeVersion(12, 12, events)).toBe('Now: version 12 of 12');
    expect(describeVersion(7, 12, events)).toBe('Version 7 of 12');
    expect(eventName('DraftSubmitted')).toBe('Draft submitted');
  });

  it('asks for the changes from the past view to now, at most the API range at a time', () => {
    expect(changesRange(3, 12)).toEqual({ toVersion: 12, truncated: false });
    expect(changesRange(3, 2000)).toEqual({ toVersion: 1003, truncated: true });
  });
});

describe('what changed since: paths in words', () => {
  const names = namesOf({
    homework: [{ id: 'hw-1', title: 'Ask for help', drafts: [{ id: 'd-1', revision: 1 }, { id: 'd-2', revision: 2 }] }],
    sessions: [{ id: 's-1', heldAt: '2026-11-22T15:00:00Z' }],
  });

  it('names homework, drafts and sessions by what the page shows of them', () => {
    expect(describePath('homework.hw-1.status', names)).toBe('Homework “Ask for help” › status');
    expect(describePath('homework.hw-1.drafts.d-2', names)).toBe('Homework “Ask for help” › draft 2');
    expect(describePath('homework.hw-1.drafts.d-1.feedback', names)).toBe('Homework “Ask for help” › draft 1 › feedback');
    expect(describePath('homework.hw-9.dueAt', names)).toBe('Homework › due');
    expect(describePath('sessions.s-1', names)).toBe('Session of 22 Nov 2026, 15:00 UTC');
    expect(describePath('jobSearch.NETWORKING.applications', names)).toBe('Job search › Networking › applications');
    expect(describePath('intake.presentingQuestion', names)).toBe('Intake › presenting question');
    expect(describePath('awaitingFeedbackCount', names)).toBe('Drafts awaiting feedback');
  });

  it('shows values as a person reads them', () => {
    expect(formatValue(null)).toBe('—');
    expect(formatValue('SUBMITTED')).toBe('“SUBMITTED”');
    expect(formatValue(3)).toBe('3');
    expect(formatValue({ verdict: 'CHANGES_REQUESTED', comments: 'Name the person.' })).toBe('“Name the person.”');
    expect(formatValue({ revision: 2, content: 'My list' })).toBe('“My list”');
    expect(formatValue(['a', 'b'])).toBe('["a","b"]');
    expect(formatValue('x'.repeat(200), 20)).toBe(`“${'x'.repeat(18)}…`);
  });
});

import { clockJobs, jobIdOf, WAKE_JOB, wakeIdOf, wakeSlotOf, wakeSlotStart } from './reminder-clock-jobs.js';

// The clock's jobs by table: a reminder's own job (its backstop) and the wake-ups of the slots its
// reminders fall in. No queue, no clock.

const T = Date.parse('2026-03-01T12:00:00.000Z');
const times = { leadMs: 5_000, backstopMs: 15_000 };

describe('wake-up slots', () => {
  it.each([
    // [reminder at (ms after T), lead, slot end (ms after T)]
    [0, 5_000, 0],
    [1, 5_000, 250],
    [249, 5_000, 250],
    [250, 5_000, 250],
    [251, 5_000, 500],
    // a lead shorter than a slot: slots as long as the lead, so a slot's rows are still taken up before their time
    [51, 100, 100],
    // no lead: a wake-up at each reminder's own time
    [7, 0, 7],
  ])('a reminder at T+%i ms with a lead of %i ms is woken for the slot ending at T+%i ms', (offset, leadMs, end) => {
    expect(wakeSlotOf(new Date(T + offset), leadMs) - T).toBe(end);
    // the slot's start is before the reminder: a sweep from it takes the reminder
    expect(wakeSlotStart(T + end, leadMs).getTime()).toBeLessThan(T + offset || T + 1);
  });
});

describe('clockJobs', () => {
  it('gives each reminder its own job at its time plus the backstop, and each practice one wake-up per slot, a lead before the slot ends', () => {
    const now = T - 60_000;
    const entries = [
      { id: 'r1', practiceId: 'p1', at: new Date(T + 10), correlationId: 'c1' },
      { id: 'r2', practiceId: 'p1', at: new Date(T + 200) },
      { id: 'r3', practiceId: 'p1', at: new Date(T + 300) },
      { id: 'r4', practiceId: 'p2', at: new Date(T + 10) },
    ];
    const jobs = clockJobs(entries, now, times, { attempts: 6 });
    expect(jobs.filter((j) => j.name === 'deliver').map((j) => [j.opts.jobId, j.opts.delay, j.opts.attempts, j.data])).toEqual([
      [jobIdOf('r1', entries[0]!.at), 60_000 + 10 + 15_000, 6, { reminderId: 'r1', practiceId: 'p1', scheduledFor: T + 10, correlationId: 'c1' }],
      [jobIdOf('r2', entries[1]!.at), 60_000 + 200 + 15_000, 6, { reminderId: 'r2', practiceId: 'p1', scheduledFor: T + 200 }],
      [jobIdOf('r3', entries[2]!.at), 60_000 + 300 + 15_000, 6, { reminderId: 'r3', practiceId: 'p1', scheduledFor: T + 300 }],
      [jobIdOf('r4', entries[3]!.at), 60_000 + 10 + 15_000, 6, { reminderId: 'r4', practiceId: 'p2', scheduledFor: T + 10 }],
    ]);
    expect(jobs.filter((j) => j.name === WAKE_JOB).map((j) => [j.opts.jobId, j.opts.delay, j.data])).toEqual([
      [wakeIdOf('p1', T + 250), 60_000 + 250 - 5_000, { practiceId: 'p1', scheduledFor: T + 250 }],
      [wakeIdOf('p1', T + 500), 60_000 + 500 - 5_000, { practiceId: 'p1', scheduledFor: T + 500 }],
      [wakeIdOf('p2', T + 250), 60_000 + 250 - 5_000, { practiceId: 'p2', scheduledFor: T + 250 }],
    ]);
  });

  it('fires at once what is due already (a reminder whose time has passed: its wake-up now, its backstop when the backstop is due)', () => {
    const jobs = clockJobs([{ id: 'r1', practiceId: 'p1', at: new Date(T) }], T + 20_000, times, {});
    expect(jobs.map((j) => [j.name, j.opts.delay])).toEqual([
      ['deliver', 0],
      [WAKE_JOB, 0],
    ]);
    expect(clockJobs([{ id: 'r1', practiceId: 'p1', at: new Date(T) }], T + 1_000, times, {})[0]!.opts.delay).toBe(14_000);
  });
});

import { DateTime } from 'luxon';
import { waitFor } from '../support/wait.js';
import { activeEngagement, anotherEngagement, assignHomework, ok, ReminderRig, waitForRows, type ReminderRow } from './harness.js';

// Quiet hours in the recipient's own time zone (issue 13), through GraphQL with the real
// receivers, on the reminders' controllable time (rig.advanceTo): homework is due at 23:00 on the
// client's wall clock, inside the practice's 21:00–08:00 window, so its reminder is HELD to 08:00
// the next morning in the client's zone; a UTC client of the same practice, whose wall clock reads
// hours away from the window then, is not held. Nothing waits for the wall clock: a loaded
// machine only makes the tests slower. The tests run one after another (the reminder time only
// goes forward). The DST changes are in quiet-hours-dst.e2e-spec.ts and quiet-hours.spec.ts.

let rig: ReminderRig;
beforeAll(async () => {
  rig = await ReminderRig.start();
});
afterAll(async () => {
  await rig?.close();
});

const QUIET = { start: '21:00', end: '08:00' };

/** The next 23:00 on the zone's wall clock at least an hour ahead of the reminder time, and the 08:00 after it. */
function lateEvening(zone: string): { due: Date; ends: Date } {
  const from = DateTime.fromJSDate(rig.now()).setZone(zone).plus({ hours: 1 });
  let due = from.set({ hour: 23, minute: 0, second: 0, millisecond: 0 });
  if (due < from) due = due.plus({ days: 1 });
  return { due: due.toJSDate(), ends: due.plus({ days: 1 }).set({ hour: 8 }).toJSDate() };
}

const overdueOf = (rows: ReminderRow[]) => rows.find((r) => r.kind === 'HOMEWORK_OVERDUE');
const PEOPLE = `query ($id: ID!) { engagement(id: $id) { client { timezone } coach { timezone }
  homework { reminders { id kind status heldUntil note sentAt } }
  timeline(first: 100) { edges { node { type actorRole data } } } } }`;

describe('quiet hours, in the recipient time zone', () => {
  it.each([
    ['a client in UTC+13', 'Pacific/Tongatapu'],
    ['a client in UTC−10', 'Pacific/Honolulu'],
  ])('%s: held to the end of the window in their zone, then sent; a UTC client of the same practice is not held', async (_who, zone) => {
    const { due, ends } = lateEvening(zone);
    const reason = `quiet hours (${QUIET.start}–${QUIET.end} in ${zone})`;
    const s = await activeEngagement(rig, { dueSoonOffsetsMinutes: [], overdueAfterMinutes: 0, quietHours: QUIET }, { clientTimezone: zone });
    const utc = await anotherEngagement(rig, s);
    const hw = await assignHomework(rig, s, 'Update LinkedIn', due);
    // the UTC client's: one due with the held one, one a minute before the hold ends (the "not before" control)
    const control = await assignHomework(rig, utc, 'Update LinkedIn', due);
    const lateControl = await assignHomework(rig, utc, 'Ask for help', new Date(ends.getTime() - 60_000));
    await waitForRows(rig, 'the overdue reminder SCHEDULED', s.engagementId, (r) => overdueOf(r)?.status === 'SCHEDULED');
    await waitForRows(rig, 'the UTC client reminders SCHEDULED', utc.engagementId, (r) => r.length === 2 && r.every((x) => x.status === 'SCHEDULED'));

    // the zone is kept on the engagement
    const people = await ok<any>(rig.api.gql(PEOPLE, { id: s.engagementId }, s.coach));
    expect(people.engagement.client.timezone).toBe(zone);
    expect(people.engagement.coach.timezone).toBe('UTC');

    // 23:00 in the client's zone comes
    await rig.advanceTo(new Date(due.getTime() + 2_000));
    const held = await waitForRows(rig, 'the overdue reminder HELD', s.engagementId, (r) => overdueOf(r)?.status === 'HELD');
    expect(overdueOf(held)).toMatchObject({ held_until: ends, note: reason });
    const shown = await ok<any>(rig.api.gql(PEOPLE, { id: s.engagementId }, s.coach));
    expect(shown.engagement.homework[0].reminders.find((r: any) => r.kind === 'HOMEWORK_OVERDUE')).toMatchObject({
      status: 'HELD',
      heldUntil: ends.toISOString(),
      sentAt: null,
    });
    // on the timeline: ReminderHeld, by the reminder system, with when and why
    const timeline = shown.engagement.timeline.edges.map((e: any) => e.node);
    expect(timeline.filter((n: any) => n.type === 'ReminderHeld')).toEqual([
      {
        type: 'ReminderHeld',
        actorRole: 'SYSTEM',
        data: expect.objectContaining({ reminderId: overdueOf(held)!.id, kind: 'HOMEWORK_OVERDUE', heldUntil: ends.toISOString(), reason }),
      },
    ]);

    // the UTC client's wall clock is hours away from the window: sent at once, no hold
    const sentNow = await waitForRows(rig, 'the UTC client reminder SENT', utc.engagementId, (r) => overdueOf(r)?.status === 'SENT', { homeworkId: control });
    expect(overdueOf(sentNow)!.note).toBeNull();
    expect(rig.deliveries(s.practiceId).filter((d) => d.json.homework?.id === hw)).toEqual([]);

    // a minute before the hold ends: the UTC control due then is delivered by the same worker (the
    // held reminder's job, promoted with it, ran too), and the held one is still HELD, not delivered
    await rig.advanceTo(new Date(ends.getTime() - 30_000));
    await waitForRows(rig, 'the late UTC control SENT', utc.engagementId, (r) => overdueOf(r)?.status === 'SENT', { homeworkId: lateControl });
    await waitFor('the late control delivered', () => rig.deliveries(s.practiceId).some((d) => d.json.homework?.id === lateControl));
    expect(overdueOf(await rig.reminders(s.engagementId))!.status).toBe('HELD');
    expect(rig.deliveries(s.practiceId).filter((d) => d.json.homework?.id === hw)).toEqual([]);

    // at 08:00 in the client's zone it goes, once
    await rig.advanceTo(ends);
    const sent = await waitForRows(rig, 'the held reminder SENT', s.engagementId, (r) => overdueOf(r)?.status === 'SENT');
    expect(overdueOf(sent)!.sent_at!.getTime()).toBeGreaterThanOrEqual(ends.getTime());
    const delivered = await waitFor('its delivery', () => {
      const got = rig.deliveries(s.practiceId).filter((d) => d.json.homework?.id === hw);
      return got.length ? got : null;
    });
    expect(delivered).toHaveLength(1);
    expect(Date.parse(delivered[0]!.json.sentAt)).toBeGreaterThanOrEqual(ends.getTime());
  });

  it('refuses an unknown time zone and a time of day that is none, naming the field; nothing stored', async () => {
    const s = await activeEngagement(rig, { quietHours: { start: '22:00', end: '07:00' } });
    const open = await rig.api.gql(
      `mutation ($input: OpenEngagementInput!) { openEngagement(input: $input) { id } }`,
      {
        input: {
          coach: { id: 'coach-1', name: 'Mark Coach' },
          client: { id: 'client-9', name: 'Nowhere Client', timezone: 'Mars/Olympus_Mons' },
          title: 'Lost in space',
        },
      },
      s.coach,
    );
    expect(open.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.client.timezone' });
    const update = `mutation ($input: UpdatePracticeSettingsInput!) { updatePracticeSettings(input: $input) { webhookSecretSet } }`;
    const bad = await rig.api.gql(update, { input: { quietHours: { start: '25:00', end: '07:00' } } }, s.admin);
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.quietHours.start' });
    const read = await ok<any>(rig.api.gql(`{ practiceSettings { quietHours { start end } } }`, {}, s.admin));
    expect(read.practiceSettings.quietHours).toEqual({ start: '22:00', end: '07:00' });
  });
});

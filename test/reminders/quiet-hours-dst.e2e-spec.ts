import { waitFor } from '../support/wait.js';
import { activeEngagement, assignHomework, ok, ReminderRig, waitForRows, type ReminderRow } from './harness.js';

// Quiet hours across a DST change, through GraphQL with the real webhook receiver, on the
// reminders' controllable time (rig.advanceTo): a reminder due at 22:00 the evening before the
// clocks change is held to 08:00 the next morning as the recipient's wall clock reads it, one hour
// nearer (spring) or further (autumn) in UTC than a fixed offset would say. The tests run in order:
// the rig's reminder time only goes forward (March 2027, then November 2027).

let rig: ReminderRig;
beforeAll(async () => {
  rig = await ReminderRig.start();
});
afterAll(async () => {
  await rig?.close();
});

const QUIET = { start: '21:00', end: '08:00' };
const overdueOf = (rows: ReminderRow[]) => rows.find((r) => r.kind === 'HOMEWORK_OVERDUE');

describe('quiet hours across a DST change, in the recipient time zone', () => {
  it.each([
    // Europe/Berlin springs forward on 28 Mar 2027 (CET UTC+1 → CEST UTC+2): Sat 22:00 CET is 21:00Z; Sun 08:00 CEST is 06:00Z
    ['Europe/Berlin, spring forward', 'Europe/Berlin', '2027-03-27T21:00:00Z', '2027-03-28T06:00:00.000Z'],
    // America/New_York falls back on 7 Nov 2027 (EDT UTC−4 → EST UTC−5): Sat 22:00 EDT is 02:00Z; Sun 08:00 EST is 13:00Z
    ['America/New_York, fall back', 'America/New_York', '2027-11-07T02:00:00Z', '2027-11-07T13:00:00.000Z'],
  ])('%s: held to 08:00 local after the change, then sent', async (_what, zone, dueIso, heldUntilIso) => {
    const s = await activeEngagement(rig, { dueSoonOffsetsMinutes: [], overdueAfterMinutes: 0, quietHours: QUIET }, { clientTimezone: zone });
    const due = new Date(dueIso);
    const hw = await assignHomework(rig, s, 'Update LinkedIn', due);
    await waitForRows(rig, 'the overdue reminder SCHEDULED', s.engagementId, (r) => overdueOf(r)?.status === 'SCHEDULED');

    await rig.advanceTo(new Date(due.getTime() + 2_000));
    const held = await waitForRows(rig, 'the overdue reminder HELD', s.engagementId, (r) => overdueOf(r)?.status === 'HELD');
    expect(overdueOf(held)).toMatchObject({ held_until: new Date(heldUntilIso), note: `quiet hours (21:00–08:00 in ${zone})` });
    const shown = await ok<any>(
      rig.api.gql(`query ($id: ID!) { engagement(id: $id) { homework { reminders { kind status heldUntil note } } } }`, { id: s.engagementId }, s.coach),
    );
    expect(shown.engagement.homework[0].reminders.find((r: any) => r.kind === 'HOMEWORK_OVERDUE')).toMatchObject({ status: 'HELD', heldUntil: heldUntilIso });

    // a minute before the hold ends: still held, nothing delivered
    await rig.advanceTo(new Date(Date.parse(heldUntilIso) - 60_000));
    expect(overdueOf(await rig.reminders(s.engagementId))!.status).toBe('HELD');
    expect(rig.deliveries(s.practiceId)).toEqual([]);

    // at 08:00 local: sent once
    await rig.advanceTo(new Date(heldUntilIso));
    const sent = await waitForRows(rig, 'the held reminder SENT', s.engagementId, (r) => overdueOf(r)?.status === 'SENT');
    expect(overdueOf(sent)!.sent_at!.getTime()).toBeGreaterThanOrEqual(Date.parse(heldUntilIso));
    const delivered = await waitFor('its delivery', () => {
      const got = rig.deliveries(s.practiceId).filter((d) => d.json.homework?.id === hw);
      return got.length ? got : null;
    });
    expect(delivered).toHaveLength(1);
  });
});

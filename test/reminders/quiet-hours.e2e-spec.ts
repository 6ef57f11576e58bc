import { DateTime } from 'luxon';
import { waitFor } from '../support/wait.js';
import { activeEngagement, anotherEngagement, assignHomework, inSeconds, ok, ReminderRig, waitForRows, type ReminderRow } from './harness.js';

// Quiet hours in the recipient's own time zone (issue 13), through GraphQL with the real
// receivers. The practice's window is set to the minute the client's wall clock reads now
// (up to the next minute, at least 10 s ahead), so the reminder, due in a second, falls
// inside it and is HELD to the window's end: that exact instant, in the client's zone.
// The DST-changes are in the table of quiet-hours.spec.ts (Luxon's zone rules).

let rig: ReminderRig;
beforeAll(async () => {
  rig = await ReminderRig.start();
});
afterAll(async () => {
  await rig?.close();
});

/** A window from the zone's current minute to a minute at least 10 s ahead, and that end as an instant. */
function windowAroundNow(zone: string): { quietHours: { start: string; end: string }; ends: Date } {
  const now = DateTime.now().setZone(zone);
  const start = now.startOf('minute');
  let end = start.plus({ minutes: 1 });
  if (end.diff(now).as('seconds') < 10) end = end.plus({ minutes: 1 });
  return { quietHours: { start: start.toFormat('HH:mm'), end: end.toFormat('HH:mm') }, ends: end.toJSDate() };
}

const overdueOf = (rows: ReminderRow[]) => rows.find((r) => r.kind === 'HOMEWORK_OVERDUE');
const PEOPLE = `query ($id: ID!) { engagement(id: $id) { client { timezone } coach { timezone }
  homework { reminders { id kind status heldUntil note sentAt } }
  timeline(first: 100) { edges { node { type actorRole data } } } } }`;

describe('quiet hours, in the recipient time zone', () => {
  it.concurrent.each([
    ['a client in UTC+13', 'Pacific/Tongatapu'],
    ['a client in UTC−10', 'Pacific/Honolulu'],
  ])(
    '%s: held to the end of the window in their zone, then sent; a UTC client of the same practice is not held',
    async (_who, zone) => {
      const { quietHours, ends } = windowAroundNow(zone);
      const s = await activeEngagement(rig, { dueSoonOffsetsMinutes: [], overdueAfterMinutes: 0, quietHours }, { clientTimezone: zone });
      const utc = await anotherEngagement(rig, s);
      const hw = await assignHomework(rig, s, 'Update LinkedIn', inSeconds(1));
      const control = await assignHomework(rig, utc, 'Update LinkedIn', inSeconds(1));

      // the zone is kept on the engagement
      const people = await ok<any>(rig.api.gql(PEOPLE, { id: s.engagementId }, s.coach));
      expect(people.engagement.client.timezone).toBe(zone);
      expect(people.engagement.coach.timezone).toBe('UTC');

      const held = await waitForRows(rig, 'the overdue reminder HELD', s.engagementId, (r) => overdueOf(r)?.status === 'HELD');
      expect(overdueOf(held)).toMatchObject({ held_until: ends, note: `quiet hours (${quietHours.start}–${quietHours.end} in ${zone})` });
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
          data: expect.objectContaining({
            reminderId: overdueOf(held)!.id,
            kind: 'HOMEWORK_OVERDUE',
            heldUntil: ends.toISOString(),
            reason: `quiet hours (${quietHours.start}–${quietHours.end} in ${zone})`,
          }),
        },
      ]);

      // the UTC client's wall clock is hours away from the window: sent at once, no hold
      const sentNow = await waitForRows(rig, 'the UTC client reminder SENT', utc.engagementId, (r) => overdueOf(r)?.status === 'SENT', { homeworkId: control });
      expect(overdueOf(sentNow)!.note).toBeNull();
      expect(rig.deliveries(s.practiceId).filter((d) => d.json.homework?.id === hw)).toEqual([]);

      // at the end of the hold it goes, once, and not before
      const sent = await waitForRows(rig, 'the held reminder SENT', s.engagementId, (r) => overdueOf(r)?.status === 'SENT', { timeoutMs: 100_000 });
      expect(overdueOf(sent)!.sent_at!.getTime()).toBeGreaterThanOrEqual(ends.getTime());
      const delivered = await waitFor('its delivery', () => {
        const got = rig.deliveries(s.practiceId).filter((d) => d.json.homework?.id === hw);
        return got.length ? got : null;
      });
      expect(delivered).toHaveLength(1);
      expect(Date.parse(delivered[0]!.json.sentAt)).toBeGreaterThanOrEqual(ends.getTime());
    },
    150_000,
  );

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

import { DateTime } from 'luxon';
import { verifySignature } from '#reminders';
import { waitFor } from '../support/wait.js';
import { activeEngagement, assignHomework, ok, ReminderRig, SECRET, submitDraft, waitForRows, type ReminderRow } from './harness.js';

// The daily budget and the morning digests (issue 13), through GraphQL with the real webhook and
// SMTP receivers. Time is the reminders' controllable one (rig.advanceTo): homework is due on the
// client's next day, the test moves the reminder time to each due time and then to the next
// morning, and waits only on conditions. The tests run one after another: the rig's reminder
// time only goes forward, and each test starts from where the last one left it.

let rig: ReminderRig;
beforeAll(async () => {
  rig = await ReminderRig.start();
});
afterAll(async () => {
  await rig?.close();
});

const QUIET = { start: '21:00', end: '08:00' };
const REMINDERS = `query ($id: ID!) { engagement(id: $id) {
  homework { id title reminders { id kind status heldUntil note sentAt channel } }
  timeline(first: 100) { edges { node { type actorRole data } } } } }`;

/** The local day after the one the reminder time is in, in `zone`, at hh:mm. */
function nextDayAt(zone: string, hour: number, minute = 0): DateTime {
  return DateTime.fromJSDate(rig.now(), { zone }).plus({ days: 1 }).set({ hour, minute, second: 0, millisecond: 0 });
}

const overdueOf = (rows: ReminderRow[], homeworkId: string) => rows.find((r) => r.homework_id === homeworkId && r.kind === 'HOMEWORK_OVERDUE')!;

describe('a daily budget per recipient, and the digest the next morning', () => {
  it.each([
    ['a client in UTC+13', 'Pacific/Tongatapu'],
    ['a client in UTC−10', 'Pacific/Honolulu'],
  ])(
    '%s, a budget of 2 and 5 reminders in their day: 2 sent, 3 HELD, then DIGESTED in one digest the next morning, after quiet hours',
    async (_who, zone) => {
      const s = await activeEngagement(
        rig,
        { dueSoonOffsetsMinutes: [], overdueAfterMinutes: 0, emailReminders: true, quietHours: QUIET, maxRemindersPerDay: 2 },
        { clientTimezone: zone },
      );
      // five homework due 10:00, 11:00, … 14:00 on the client's next day: five overdue reminders that day
      const first = nextDayAt(zone, 10);
      const homework: string[] = [];
      for (let i = 0; i < 5; i++) homework.push(await assignHomework(rig, s, `Task ${i + 1}`, first.plus({ hours: i }).toJSDate()));
      await waitForRows(rig, 'five reminders scheduled', s.engagementId, (r) => r.length === 5 && r.every((x) => x.status === 'SCHEDULED'));

      for (const [i, hw] of homework.entries()) {
        await rig.advanceTo(first.plus({ hours: i, seconds: 2 }).toJSDate());
        await waitForRows(rig, `the reminder of task ${i + 1} decided`, s.engagementId, (r) => ['SENT', 'HELD'].includes(overdueOf(r, hw).status));
      }
      const morning = first.plus({ days: 1 }).set({ hour: 8, minute: 0 }).toJSDate();
      const rows = await rig.reminders(s.engagementId);
      expect(homework.map((hw) => overdueOf(rows, hw).status)).toEqual(['SENT', 'SENT', 'HELD', 'HELD', 'HELD']);
      const note = `daily budget of 2 reached on ${first.toISODate()} (${zone}): held for the next morning's digest`;
      for (const hw of homework.slice(2)) expect(overdueOf(rows, hw)).toMatchObject({ held_until: morning, note });
      expect(rig.deliveries(s.practiceId)).toHaveLength(2);

      // through GraphQL: HELD, until when and why; on the timeline, a ReminderHeld for each
      const before = await ok<any>(rig.api.gql(REMINDERS, { id: s.engagementId }, s.coach));
      const heldShown = before.engagement.homework.flatMap((h: any) => h.reminders).filter((r: any) => r.status === 'HELD');
      expect(heldShown).toHaveLength(3);
      for (const r of heldShown) expect(r).toMatchObject({ heldUntil: morning.toISOString(), note, sentAt: null });
      const holds = before.engagement.timeline.edges.map((e: any) => e.node).filter((n: any) => n.type === 'ReminderHeld');
      expect(holds.map((n: any) => [n.actorRole, n.data.heldUntil, n.data.reason])).toEqual(Array(3).fill(['SYSTEM', morning.toISOString(), note]));

      // a minute before the morning: still held, no digest
      await rig.advanceTo(new Date(morning.getTime() - 60_000));
      expect((await rig.reminders(s.engagementId)).filter((r) => r.status === 'HELD')).toHaveLength(3);

      // the morning: one digest, by webhook and by email, listing the three; each reminder DIGESTED with its id
      await rig.advanceTo(morning);
      const digested = await waitForRows(rig, 'three reminders DIGESTED', s.engagementId, (r) => r.filter((x) => x.status === 'DIGESTED').length === 3);
      const digests = rig.deliveries(s.practiceId).filter((d) => d.json.type === 'digest');
      expect(digests).toHaveLength(1);
      const digest = digests[0]!;
      expect(verifySignature(SECRET, digest.body, digest.headers['x-signature'] as string)).toBe(true);
      expect(digest.headers['x-delivery-id']).toBe(digest.json.id);
      expect(digest.json).toMatchObject({ kind: 'HELD_REMINDERS', practiceId: s.practiceId, recipient: { id: 'client-1', role: 'CLIENT' } });
      expect(digest.json.reminders.map((r: any) => r.homework.title)).toEqual(['Task 3', 'Task 4', 'Task 5']);
      for (const hw of homework.slice(2)) {
        expect(overdueOf(digested, hw)).toMatchObject({ status: 'DIGESTED', note: `in digest ${digest.json.id}`, digest_id: digest.json.id });
      }
      const mail = await waitFor('the digest email', () => rig.smtp.messages.find((m) => m.header('x-reminder-id') === digest.json.id) ?? null);
      expect(mail.envelope.rcptTo).toEqual(['sam@client.example']);
      expect(mail.subject).toBe('3 reminders from yesterday');
      for (const t of ['Task 3', 'Task 4', 'Task 5']) expect(mail.part('text/plain')!.body).toContain(`“${t}”`);

      // on the timeline: DigestSent with the reminders it carried; GraphQL shows them DIGESTED
      const after = await ok<any>(rig.api.gql(REMINDERS, { id: s.engagementId }, s.coach));
      const sent = after.engagement.timeline.edges.map((e: any) => e.node).filter((n: any) => n.type === 'DigestSent');
      expect(sent).toEqual([
        {
          type: 'DigestSent',
          actorRole: 'SYSTEM',
          data: expect.objectContaining({
            digestId: digest.json.id,
            kind: 'HELD_REMINDERS',
            channels: ['WEBHOOK', 'EMAIL'],
            reminderIds: homework.slice(2).map((hw) => overdueOf(digested, hw).id),
          }),
        },
      ]);
      const shown = after.engagement.homework.flatMap((h: any) => h.reminders);
      expect(shown.filter((r: any) => r.status === 'DIGESTED').map((r: any) => [r.heldUntil, r.note])).toEqual(
        Array(3).fill([null, `in digest ${digest.json.id}`]),
      );

      // another sweep later sends nothing more
      await rig.advanceTo(new Date(morning.getTime() + 3_600_000));
      expect(rig.deliveries(s.practiceId).filter((d) => d.json.type === 'digest')).toHaveLength(1);
    },
  );

  it('a reminder whose cause went before the morning drops out of the digest (CANCELLED, with the reason)', async () => {
    const zone = 'Europe/Berlin';
    const s = await activeEngagement(rig, { dueSoonOffsetsMinutes: [], overdueAfterMinutes: 0, quietHours: QUIET, maxRemindersPerDay: 1 }, { clientTimezone: zone });
    const first = nextDayAt(zone, 10);
    const homework: string[] = [];
    for (let i = 0; i < 3; i++) homework.push(await assignHomework(rig, s, `Task ${i + 1}`, first.plus({ hours: i }).toJSDate()));
    await waitForRows(rig, 'three reminders scheduled', s.engagementId, (r) => r.length === 3);
    await rig.advanceTo(first.plus({ hours: 2, seconds: 2 }).toJSDate());
    await waitForRows(rig, '1 sent, 2 held', s.engagementId, (r) => r.filter((x) => x.status === 'SENT').length === 1 && r.filter((x) => x.status === 'HELD').length === 2);
    const held = (await rig.reminders(s.engagementId)).filter((r) => r.status === 'HELD');

    // the client hands in one of the held tasks in the evening
    const handedIn = held[0]!.homework_id;
    await submitDraft(rig, s, handedIn);
    await waitForRows(rig, 'its reminder CANCELLED', s.engagementId, (r) => overdueOf(r, handedIn).status === 'CANCELLED');
    expect(overdueOf(await rig.reminders(s.engagementId), handedIn).cancel_reason).toBe('draft submitted');

    await rig.advanceTo(first.plus({ days: 1 }).set({ hour: 8 }).toJSDate());
    const rows = await waitForRows(rig, 'the other DIGESTED', s.engagementId, (r) => overdueOf(r, held[1]!.homework_id).status === 'DIGESTED');
    const digest = rig.deliveries(s.practiceId).find((d) => d.json.type === 'digest')!;
    expect(digest.json.reminders.map((r: any) => r.id)).toEqual([overdueOf(rows, held[1]!.homework_id).id]);
    expect(overdueOf(rows, handedIn).status).toBe('CANCELLED');
  });

  it('refuses a budget that is not a whole number from 1 to 100, naming the field; nothing stored', async () => {
    const s = await activeEngagement(rig, { maxRemindersPerDay: 3 });
    const update = `mutation ($input: UpdatePracticeSettingsInput!) { updatePracticeSettings(input: $input) { maxRemindersPerDay coachDigest } }`;
    for (const bad of [0, -1, 101]) {
      const r = await rig.api.gql(update, { input: { maxRemindersPerDay: bad } }, s.admin);
      expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.maxRemindersPerDay' });
    }
    const read = await ok<any>(rig.api.gql(`{ practiceSettings { maxRemindersPerDay coachDigest } }`, {}, s.admin));
    expect(read.practiceSettings).toEqual({ maxRemindersPerDay: 3, coachDigest: false });
    // null: no budget any more
    const cleared = await ok<any>(rig.api.gql(update, { input: { maxRemindersPerDay: null, coachDigest: true } }, s.admin));
    expect(cleared.updatePracticeSettings).toEqual({ maxRemindersPerDay: null, coachDigest: true });
  });
});

describe("the coach's morning digest", () => {
  it('lists the drafts waiting for feedback, once a day, at the morning in the coach zone (UTC−10), by webhook and email', async () => {
    const zone = 'Pacific/Honolulu';
    const s = await activeEngagement(
      rig,
      { dueSoonOffsetsMinutes: [], overdueAfterMinutes: 0, feedbackWindowMinutes: 7 * 24 * 60, emailReminders: true, quietHours: QUIET, coachDigest: true },
      { coachTimezone: zone, clientTimezone: 'Pacific/Tongatapu' },
    );
    const due = nextDayAt(zone, 12).plus({ days: 3 }).toJSDate();
    const a = await assignHomework(rig, s, 'Hook', due);
    const b = await assignHomework(rig, s, 'Ask for help', due);
    await assignHomework(rig, s, 'Not started', due);
    const draftA = await submitDraft(rig, s, a);
    const draftB = await submitDraft(rig, s, b);

    const morning = nextDayAt(zone, 8).toJSDate();
    await rig.advanceTo(new Date(morning.getTime() - 60_000));
    expect(rig.deliveries(s.practiceId).filter((d) => d.json.type === 'digest')).toEqual([]);

    await rig.advanceTo(morning);
    const digest = await waitFor('the coach digest', () => rig.deliveries(s.practiceId).find((d) => d.json.type === 'digest') ?? null);
    expect(verifySignature(SECRET, digest.body, digest.headers['x-signature'] as string)).toBe(true);
    expect(digest.json).toMatchObject({ kind: 'DRAFTS_AWAITING_FEEDBACK', recipient: { id: 'coach-1', role: 'COACH' }, reminders: [] });
    expect(digest.json.drafts.map((d: any) => [d.homework.title, d.draft.id, d.client.name])).toEqual([
      ['Hook', draftA, 'Sam Client'],
      ['Ask for help', draftB, 'Sam Client'],
    ]);
    const mail = await waitFor('the coach digest email', () => rig.smtp.messages.find((m) => m.header('x-reminder-id') === digest.json.id) ?? null);
    expect(mail.envelope.rcptTo).toEqual(['mark@coach.example']);
    expect(mail.subject).toBe('2 drafts waiting for your feedback');

    // on the timeline: DigestSent, naming the drafts
    const q = await ok<any>(rig.api.gql(REMINDERS, { id: s.engagementId }, s.coach));
    const events = q.engagement.timeline.edges.map((e: any) => e.node).filter((n: any) => n.type === 'DigestSent');
    expect(events).toEqual([
      {
        type: 'DigestSent',
        actorRole: 'SYSTEM',
        data: expect.objectContaining({ digestId: digest.json.id, kind: 'DRAFTS_AWAITING_FEEDBACK', draftIds: [draftA, draftB], reminderIds: [] }),
      },
    ]);

    // later that day: no second digest; the next morning: another one
    await rig.advanceTo(new Date(morning.getTime() + 6 * 3_600_000));
    expect(rig.deliveries(s.practiceId).filter((d) => d.json.type === 'digest')).toHaveLength(1);
    await rig.advanceTo(new Date(morning.getTime() + 24 * 3_600_000));
    await waitFor('the next morning digest', () => rig.deliveries(s.practiceId).filter((d) => d.json.type === 'digest').length === 2);
  });
});

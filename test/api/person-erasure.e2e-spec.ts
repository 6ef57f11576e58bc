// GDPR erasure by crypto-shredding (issue 12): personal fields are stored
// sealed under a per-person key from the first event; erasePerson deletes the
// key and records PersonErased. Afterwards no table and no Redis key of the
// run holds the person's text, every view (engagement, past view, timeline,
// export, webhook replay) shows "[erased]", the structure (counts, dates,
// verdicts, versions) is as it was, the other practice is untouched, and a
// blue/green rebuild from the log gives the same rows.
// Real API, real worker, real HTTP receiver, two practices.
import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { CommandBus } from '@nestjs/cqrs';
import { Redis } from 'ioredis';
import { RecordReminderSentCommand, type CommandOutcome } from '#engagement';
import { rebuildProjection } from '../../apps/cli/src/ops/rebuild-projection.command.js';
import type { Caller } from '../support/api.js';
import { codeOf, errorOf, M, newCast, ok, person, Q, type Cast } from '../support/engagements.js';
import type { HttpReceiver } from '../support/http-receiver.js';
import { RUN_REDIS_PREFIX } from '../support/redis.js';
import { waitFor } from '../support/wait.js';
import { ReminderRig } from '../reminders/harness.js';

jest.setTimeout(120_000);

const ERASE = `mutation ($personId: ID!, $reason: String!) { erasePerson(personId: $personId, reason: $reason) {
  personId practiceId erasedAt erasedBy reason position keyDestroyed engagementIds readModelRows reminders webhookDeliveries } }`;
const EXPORT = `query ($personId: ID!) { exportPersonData(personId: $personId) { engagementIds readModels events { version type schemaVersion data } } }`;
const CREATE_HOOK = `mutation ($input: CreateWebhookSubscriptionInput!) { createWebhookSubscription(input: $input) { id } }`;
const REPLAY = `mutation ($id: ID!, $fromPosition: String) { replayWebhookSubscription(id: $id, fromPosition: $fromPosition) }`;
const VIEW = `query ($id: ID!, $asOfVersion: Int) { engagement(id: $id, asOfVersion: $asOfVersion) {
  id version status openHomeworkCount awaitingFeedbackCount openedAt closedAt
  coach { id name email } client { id name email }
  intake { presentingQuestion background goals currentStrategy recordedAt baseline { channel applications interviews offers } }
  homework { id title status dueAt assignedAt drafts { id revision content submittedAt feedback { verdict comments givenAt givenBy { id name } } } }
  sessions { id heldAt durationMinutes summary }
  jobSearch { applications interviews offers }
} }`;

// the erased client's distinctive text, in every personal field; none of it may survive anywhere
const SAM = {
  name: 'Quintessa Vandermolen',
  email: 'quintessa.vandermolen@erasure.example',
  question: 'Zyxquestion why do my applications vanish',
  background: 'Zyxbackground twenty years running hospital IT',
  goals: ['Zyxgoal networking first', 'Zyxgoal hidden market'],
  strategy: 'Zyxstrategy answering postings',
  draft1: 'Zyxdraft I turn stalled programmes around',
  draft2: 'Zyxdraft I moved three hospitals without downtime',
  comments: 'Zyxcomment lead with the result, Quintessa',
  summary: 'Zyxsummary we practised the pitch',
  note: 'Zyxnote coffee with a former colleague',
  pause: 'Zyxpause surgery in March',
  later: 'Zyxlater session after the erasure',
};
const ALL_SAM = [SAM.name, SAM.email, SAM.question, SAM.background, ...SAM.goals, SAM.strategy, SAM.draft1, SAM.draft2, SAM.comments, SAM.summary, SAM.note, SAM.pause, SAM.later];
const COACH = { name: 'Marguerite Okonkwo-Coach', email: 'marguerite@erasure.example' };
const FOREIGN_TEXT = 'Keepme foreign draft of the other practice';

let rig: ReminderRig;
let redis: Redis;
beforeAll(async () => {
  rig = await ReminderRig.start({ EVENT_WEBHOOK_BACKOFF_MS: '100', EVENT_WEBHOOK_POLL_MS: '50', SUBSCRIPTION_POLL_MS: '100' });
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
});
afterAll(async () => {
  redis?.disconnect();
  await rig?.close();
});

/** Every row of every table of the database (any schema but the catalogs) whose text holds one of the strings: `table: n`. */
async function tablesHolding(strings: readonly string[]): Promise<Record<string, number>> {
  const { rows: tables } = await rig.pool.query<{ schema: string; name: string }>(
    `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
      WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2`,
  );
  const found: Record<string, number> = {};
  const patterns = strings.map((s) => `%${s.replace(/[%_\\]/g, '\\$&')}%`);
  for (const t of tables) {
    // the test pool is the superuser: row-level security does not hide other practices' rows from it
    const { rows } = await rig.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${t.schema}"."${t.name}" x WHERE x::text ILIKE ANY($1::text[])`, [patterns]);
    if (rows[0]!.n > 0) found[`${t.schema}.${t.name}`] = rows[0]!.n;
  }
  return found;
}

/** Every key and value of the run's Redis prefix that holds one of the strings. */
async function redisKeysHolding(strings: readonly string[]): Promise<string[]> {
  const hits: string[] = [];
  let cursor = '0';
  let keys = 0;
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${RUN_REDIS_PREFIX}*`, 'COUNT', 1000);
    cursor = next;
    for (const key of batch) {
      keys += 1;
      const type = await redis.type(key);
      const values: unknown =
        type === 'string' ? await redis.get(key)
        : type === 'hash' ? await redis.hgetall(key)
        : type === 'list' ? await redis.lrange(key, 0, -1)
        : type === 'set' ? await redis.smembers(key)
        : type === 'zset' ? await redis.zrange(key, 0, -1)
        : type === 'stream' ? await redis.xrange(key, '-', '+')
        : null;
      const text = `${key} ${JSON.stringify(values)}`.toLowerCase();
      if (strings.some((s) => text.includes(s.toLowerCase()))) hits.push(key);
    }
  } while (cursor !== '0');
  expect(keys).toBeGreaterThan(0); // the scan saw the run's queues
  return hits;
}

/** A cast whose coach and client carry the distinctive names and emails. */
function erasureCast(): Cast & { sam: Caller; coachM: Caller } {
  const cast = newCast('erasure');
  const sam = { ...cast.client, name: SAM.name, email: SAM.email };
  const coachM = { ...cast.coach, name: COACH.name, email: COACH.email };
  return { ...cast, client: sam, coach: coachM, sam, coachM };
}

describe('erasePerson', () => {
  const cast = erasureCast();
  let engagementId: string;
  let otherEngagementId: string;
  let foreignId: string;
  let hooks: HttpReceiver;
  let subscriptionId: string;
  let before: any;
  let firstPosition: string;

  beforeAll(async () => {
    hooks = await rig.extraReceiver(204);
    subscriptionId = ok(await rig.api.gql<any>(CREATE_HOOK, { input: { url: `${hooks.url}/crm`, secret: 'erasure-secret-aaaaaaaaaaaa' } }, cast.admin)).createWebhookSubscription.id;
    const { api } = rig;
    const { coach, client } = cast;
    engagementId = ok(await api.gql<any>(M.openEngagement, { input: { coach: person(coach), client: person(client), title: 'Senior IT: job search' } }, coach)).openEngagement.id;
    ok(
      await api.gql(
        M.recordIntake,
        {
          input: {
            engagementId,
            presentingQuestion: SAM.question,
            background: SAM.background,
            goals: SAM.goals,
            currentStrategy: SAM.strategy,
            baseline: [{ channel: 'JOB_BOARD', applications: 500, interviews: 8 }],
          },
        },
        coach,
      ),
    );
    const inADay = new Date(Date.now() + 24 * 3_600_000).toISOString();
    const hw = ok(await api.gql<any>(M.assignHomework, { input: { engagementId, title: 'Articulate your hook', instructions: 'One hook', dueAt: inADay } }, coach)).assignHomework;
    const d1 = ok(await api.gql<any>(M.submitDraft, { input: { homeworkId: hw.id, content: SAM.draft1 } }, client)).submitDraft;
    ok(await api.gql(M.giveFeedback, { input: { draftId: d1.id, verdict: 'CHANGES_REQUESTED', comments: SAM.comments } }, coach));
    const d2 = ok(await api.gql<any>(M.submitDraft, { input: { homeworkId: hw.id, content: SAM.draft2 } }, client)).submitDraft;
    ok(await api.gql(M.giveFeedback, { input: { draftId: d2.id, verdict: 'ACCEPTED', comments: 'Good.' } }, coach));
    // homework with a due time: the scheduler keeps reminder rows addressed to the client (name, email)
    ok(await api.gql(M.assignHomework, { input: { engagementId, title: 'Ask for help', instructions: 'Three asks', dueAt: inADay } }, coach));
    ok(await api.gql(M.logCoachingSession, { input: { engagementId, heldAt: new Date(Date.now() - 3_600_000).toISOString(), durationMinutes: 45, summary: SAM.summary } }, coach));
    ok(await api.gql(M.logJobSearchActivity, { input: { engagementId, channel: 'NETWORKING', applications: 3, interviews: 2, note: SAM.note } }, client));
    ok(await api.gql(M.pauseEngagement, { input: { engagementId, reason: SAM.pause } }, coach));
    ok(await api.gql(M.resumeEngagement, { input: { engagementId } }, coach));
    await api.app.get(CommandBus).execute<RecordReminderSentCommand, CommandOutcome>(
      new RecordReminderSentCommand(
        { actor: { id: 'reminders', role: 'SYSTEM' }, practiceId: cast.practiceId, correlationId: randomUUID(), causationId: 'test', now: new Date() },
        { engagementId, reminderId: randomUUID(), kind: 'HOMEWORK_DUE_SOON', recipient: person(client) as never, channels: ['WEBHOOK'], homeworkId: hw.id, draftId: null },
      ),
    );
    // the same coach's other client, and the other practice's people with the same ids: not erased
    otherEngagementId = ok(await api.gql<any>(M.openEngagement, { input: { coach: person(coach), client: person(cast.otherClient), title: 'Other client' } }, coach)).openEngagement.id;
    foreignId = ok(await api.gql<any>(M.openEngagement, { input: { coach: person(cast.foreignCoach), client: person(cast.foreignClient), title: 'Foreign' } }, cast.foreignAdmin)).openEngagement.id;
    ok(await api.gql(M.recordIntake, { input: { engagementId: foreignId, presentingQuestion: 'q', background: 'b', goals: [], currentStrategy: 's', baseline: [] } }, cast.foreignCoach));
    const fhw = ok(await api.gql<any>(M.assignHomework, { input: { engagementId: foreignId, title: 't', instructions: 'i', dueAt: null } }, cast.foreignCoach)).assignHomework;
    ok(await api.gql(M.submitDraft, { input: { homeworkId: fhw.id, content: FOREIGN_TEXT } }, cast.foreignClient));

    // every event of the engagement delivered to the CRM, reminder rows made for the client
    const version = ok(await api.gql<any>(Q.engagement, { id: engagementId }, cast.admin)).engagement.version;
    await waitFor('every event delivered', () => {
      const got = hooks.requests.map((r) => JSON.parse(r.body)).filter((b) => b.engagementId === engagementId);
      return got.length >= version ? got : null;
    });
    await waitFor('reminder rows for the client', async () => {
      const { rows } = await rig.pool.query('SELECT count(*)::int AS n FROM reminders WHERE practice_id = $1 AND recipient_id = $2', [cast.practiceId, client.id]);
      return rows[0].n > 0 ? true : null;
    });
    firstPosition = (await rig.pool.query('SELECT min(position)::text AS p FROM events WHERE stream_id = $1', [engagementId])).rows[0].p;
    before = ok(await api.gql<any>(VIEW, { id: engagementId }, cast.admin)).engagement;
    expect(before.client).toMatchObject({ name: SAM.name, email: SAM.email });
    expect(before.intake.goals).toEqual(SAM.goals);
  });

  it('stores the personal fields sealed from the start: the log never holds them in plaintext', async () => {
    const { rows } = await rig.pool.query(`SELECT count(*)::int AS n FROM events WHERE practice_id = $1 AND data::text ILIKE ANY($2::text[])`, [
      cast.practiceId,
      ALL_SAM.map((s) => `%${s}%`),
    ]);
    expect(rows[0].n).toBe(0);
    const keys = await rig.pool.query('SELECT person_id, wrapped_key FROM person_keys WHERE practice_id = $1 ORDER BY person_id', [cast.practiceId]);
    expect(keys.rows.map((r) => r.person_id)).toEqual(expect.arrayContaining([cast.coach.id, cast.client.id, cast.otherClient.id]));
    expect(keys.rows.every((r) => /^v1:[^:]+:/.test(r.wrapped_key))).toBe(true); // wrapped by SECRETS_KEYS
    // the scan the erasure test relies on does find the text where it is now: the read models
    expect(await tablesHolding([SAM.draft1, SAM.name])).toMatchObject({ 'public.drafts': 1, 'public.engagements': 1 });
  });

  it('is for ADMINs only and checks its input', async () => {
    const args = { personId: cast.client.id, reason: 'request of the data subject' };
    expect(codeOf(await rig.api.gql(ERASE, args, cast.coach))).toBe('FORBIDDEN');
    expect(codeOf(await rig.api.gql(ERASE, args, cast.client))).toBe('FORBIDDEN');
    expect(errorOf(await rig.api.gql(ERASE, { ...args, reason: '  ' }, cast.admin)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'reason' });
    expect(errorOf(await rig.api.gql(ERASE, { ...args, personId: 'x'.repeat(129) }, cast.admin)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'personId' });
    expect(codeOf(await rig.api.gql(ERASE, { ...args, personId: 'nobody-here' }, cast.admin))).toBe('NOT_FOUND');
    // nothing was erased by the refusals
    expect(ok(await rig.api.gql<any>(VIEW, { id: engagementId }, cast.admin)).engagement.client.name).toBe(SAM.name);
  });

  it('erases the person: no table and no Redis key holds their text; every view shows [erased]; the structure stays', async () => {
    const receipt = ok(await rig.api.gql<any>(ERASE, { personId: cast.client.id, reason: 'request of the data subject' }, cast.admin)).erasePerson;
    expect(receipt).toMatchObject({
      personId: cast.client.id,
      practiceId: cast.practiceId,
      erasedBy: cast.admin.id,
      reason: 'request of the data subject',
      keyDestroyed: true,
      engagementIds: [engagementId],
    });
    expect(receipt.readModelRows).toBeGreaterThan(5);
    expect(receipt.reminders).toBeGreaterThan(0);
    expect(receipt.webhookDeliveries).toBeGreaterThan(0);
    // the second time: a named refusal
    expect(errorOf(await rig.api.gql(ERASE, { personId: cast.client.id, reason: 'again' }, cast.admin)).extensions).toMatchObject({ code: 'RULE_VIOLATED', rule: 'PERSON_ALREADY_ERASED' });
    // the record of it: PersonErased in the log, the key gone
    const erased = await rig.pool.query(`SELECT type, data, metadata FROM events WHERE position = $1`, [receipt.position]);
    expect(erased.rows[0]).toMatchObject({ type: 'PersonErased', data: { personId: cast.client.id, erasedBy: cast.admin.id }, metadata: { actorId: cast.admin.id, practiceId: cast.practiceId } });
    const key = await rig.pool.query('SELECT wrapped_key, erased_at FROM person_keys WHERE practice_id = $1 AND person_id = $2', [cast.practiceId, cast.client.id]);
    expect(key.rows[0]).toMatchObject({ wrapped_key: null, erased_at: expect.any(Date) });

    // a later write about them stores [erased] where their text would be
    ok(await rig.api.gql(M.logCoachingSession, { input: { engagementId, heldAt: new Date(Date.now() - 60_000).toISOString(), durationMinutes: 30, summary: SAM.later } }, cast.coach));

    // the live engagement: their text erased, the coach's name kept, everything else as it was
    const after = ok(await rig.api.gql<any>(VIEW, { id: engagementId }, cast.admin)).engagement;
    expect(after.client).toEqual({ id: cast.client.id, name: '[erased]', email: '[erased]' });
    expect(after.coach).toEqual(before.coach);
    expect(after.intake).toEqual({ ...before.intake, presentingQuestion: '[erased]', background: '[erased]', goals: ['[erased]', '[erased]'], currentStrategy: '[erased]' });
    const erasedHomework = before.homework.map((h: any) => ({
      ...h,
      drafts: h.drafts.map((d: any) => ({ ...d, content: '[erased]', feedback: d.feedback && { ...d.feedback, comments: '[erased]' } })),
    }));
    expect(after.homework).toEqual(erasedHomework);
    expect(after.sessions).toEqual([...before.sessions.map((s: any) => ({ ...s, summary: '[erased]' })), expect.objectContaining({ summary: '[erased]', durationMinutes: 30 })]);
    expect(after).toMatchObject({ status: before.status, openHomeworkCount: before.openHomeworkCount, awaitingFeedbackCount: before.awaitingFeedbackCount, openedAt: before.openedAt, jobSearch: before.jobSearch });
    expect(after.version).toBe(before.version + 1);

    // a past view and the timeline read the same log
    const past = ok(await rig.api.gql<any>(VIEW, { id: engagementId, asOfVersion: 5 }, cast.admin)).engagement;
    expect(past.client.name).toBe('[erased]');
    expect(past.homework[0].drafts[0]).toMatchObject({ content: '[erased]', revision: 1, feedback: { verdict: 'CHANGES_REQUESTED', comments: '[erased]' } });
    const timeline = ok(await rig.api.gql<any>(Q.timeline, { id: engagementId, first: 50 }, cast.admin)).engagement.timeline.edges.map((e: any) => e.node);
    expect(timeline.map((n: any) => n.version)).toEqual(Array.from({ length: after.version }, (_, i) => i + 1));
    expect(timeline.find((n: any) => n.type === 'DraftSubmitted').data).toMatchObject({ content: '[erased]', revision: 1 });
    expect(JSON.stringify(timeline)).not.toMatch(/Zyx|Quintessa/);

    // the export
    const x = ok(await rig.api.gql<any>(EXPORT, { personId: cast.client.id }, cast.admin)).exportPersonData;
    expect(x.engagementIds).toEqual([engagementId]);
    expect(x.events.find((e: any) => e.type === 'EngagementOpened').data.client).toMatchObject({ id: cast.client.id, name: '[erased]', email: '[erased]' });
    expect(JSON.stringify(x)).not.toMatch(/Zyx|Quintessa/i);

    // no table of the database, no key of the run's Redis holds any of it
    expect(await tablesHolding(ALL_SAM)).toEqual({});
    expect(await redisKeysHolding(ALL_SAM)).toEqual([]);
  });

  it('a webhook replay re-sends the events with the same ids and [erased] in place of the text', async () => {
    const seen = hooks.requests.length;
    const queued = ok(await rig.api.gql<any>(REPLAY, { id: subscriptionId, fromPosition: firstPosition }, cast.admin)).replayWebhookSubscription;
    expect(queued).toBeGreaterThan(10);
    const again = await waitFor('the replay', () => {
      const got = hooks.requests.slice(seen).map((r) => JSON.parse(r.body)).filter((b) => b.engagementId === engagementId);
      return got.length >= 14 ? got : null;
    });
    const opened = again.find((b) => b.event.type === 'EngagementOpened');
    expect(opened.event.data.client).toMatchObject({ name: '[erased]', email: '[erased]' });
    expect(opened.event.data.coach).toMatchObject({ name: COACH.name });
    expect(JSON.stringify(again)).not.toMatch(/Zyx|Quintessa/i);
    expect(again.map((b) => b.id)).toEqual(again.map((b) => b.event.position));
  });

  it('leaves the other practice and the other client untouched', async () => {
    const foreign = ok(await rig.api.gql<any>(VIEW, { id: foreignId }, cast.foreignAdmin)).engagement;
    expect(foreign.client).toMatchObject({ id: cast.client.id, name: cast.foreignClient.name });
    expect(foreign.homework[0].drafts[0].content).toBe(FOREIGN_TEXT);
    const other = ok(await rig.api.gql<any>(VIEW, { id: otherEngagementId }, cast.admin)).engagement;
    expect(other.client.name).toBe(cast.otherClient.name);
    expect(other.coach.name).toBe(COACH.name);
    const key = await rig.pool.query('SELECT wrapped_key FROM person_keys WHERE practice_id = $1 AND person_id = $2', [cast.foreignAdmin.practiceId, cast.client.id]);
    expect(key.rows[0].wrapped_key).toEqual(expect.any(String));
  });

  it('a blue/green rebuild from the log gives the same rows', async () => {
    const lines: string[] = [];
    const { comparison } = await rebuildProjection(['engagement', '--verify', '--practice', cast.practiceId, '--practice', cast.foreignAdmin.practiceId], { line: (t: string) => void lines.push(t) });
    expect(comparison!.filter((c) => !c.equal)).toEqual([]);
    expect(comparison!.find((c) => c.table === 'drafts')!.live.rows).toBeGreaterThanOrEqual(3);
  });
});

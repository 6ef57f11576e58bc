import type { INestApplicationContext } from '@nestjs/common';
import type pg from 'pg';
import { TokenService } from '#platform';
import { createSeedDemoContext, DEMO_PEOPLE, describeDemo, issueDemoTokens, seedDemo, type DemoStory } from '../../apps/cli/src/seed-demo.js';
import { migrateTestDatabase, testClient } from '../support/db.js';
import { setTestEnv } from '../support/env.js';
import { uniqueId } from '../support/ids.js';

let app: INestApplicationContext;
let sql: pg.Client;
const practiceId = uniqueId('demo');
let story: DemoStory;

beforeAll(async () => {
  setTestEnv();
  await migrateTestDatabase();
  app = await createSeedDemoContext();
  sql = await testClient();
  story = await seedDemo(app, { practiceId });
});
afterAll(async () => {
  await sql?.end();
  await app?.close();
});

const rows = async <R extends Record<string, unknown>>(text: string, values: unknown[] = []) => (await sql.query<R>(text, values)).rows;

const eventTypes = async () =>
  (await rows<{ type: string }>('SELECT type FROM events WHERE practice_id = $1 ORDER BY position', [practiceId])).map((r) => r.type);

it('stores the engagement with its intake, ACTIVE, coached by coach-mark for client-it', async () => {
  const [e] = await rows('SELECT * FROM engagements WHERE practice_id = $1', [practiceId]);
  expect(e).toMatchObject({
    id: story.engagementId,
    status: 'ACTIVE',
    coach_id: DEMO_PEOPLE.coach.id,
    client_id: DEMO_PEOPLE.client.id,
    open_homework_count: 1,
    awaiting_feedback_count: 1,
    version: 11,
  });
  expect(e!['intake']).toMatchObject({
    presentingQuestion: 'What am I doing wrong?',
    baseline: [{ channel: 'JOB_BOARD', applications: 500, interviews: 8, offers: 0 }],
  });
  expect(await rows('SELECT count(*)::int AS n FROM engagements WHERE practice_id = $1', [practiceId])).toEqual([{ n: 1 }]);
});

it('stores two homework: the hook ACCEPTED on revision 2, asking for help SUBMITTED and awaiting feedback', async () => {
  const homework = await rows<{ id: string; title: string; status: string; draft_count: number; due_at: Date }>(
    'SELECT id, title, status, draft_count, due_at FROM homework WHERE practice_id = $1 ORDER BY title',
    [practiceId],
  );
  expect(homework.map(({ id, title, status, draft_count }) => ({ id, title, status, draft_count }))).toEqual([
    { id: story.homework.hook, title: 'Articulate your hook', status: 'ACCEPTED', draft_count: 2 },
    { id: story.homework.askForHelp, title: 'Ask for help so people say yes', status: 'SUBMITTED', draft_count: 1 },
  ]);
  for (const h of homework) expect(h.due_at.getTime()).toBeGreaterThan(Date.now());

  const drafts = await rows<{ id: string; homework_id: string; revision: number; verdict: string | null; given_by_id: string | null }>(
    `SELECT d.id, d.homework_id, d.revision, f.verdict, f.given_by_id
       FROM drafts d LEFT JOIN feedback f ON f.draft_id = d.id
      WHERE d.practice_id = $1 ORDER BY d.homework_id = $2 DESC, d.revision`,
    [practiceId, story.homework.hook],
  );
  expect(drafts).toEqual([
    { id: story.drafts.hookRevision1, homework_id: story.homework.hook, revision: 1, verdict: 'CHANGES_REQUESTED', given_by_id: 'coach-mark' },
    { id: story.drafts.hookRevision2, homework_id: story.homework.hook, revision: 2, verdict: 'ACCEPTED', given_by_id: 'coach-mark' },
    { id: story.drafts.askForHelpRevision1, homework_id: story.homework.askForHelp, revision: 1, verdict: null, given_by_id: null },
  ]);
});

it('stores the job-search funnel (job boards at intake, then networking), a coaching session and the default settings', async () => {
  expect(
    await rows('SELECT channel, applications::int, interviews::int, offers::int FROM job_search_stats WHERE engagement_id = $1 ORDER BY channel', [
      story.engagementId,
    ]),
  ).toEqual([
    { channel: 'JOB_BOARD', applications: 500, interviews: 8, offers: 0 },
    { channel: 'NETWORKING', applications: 3, interviews: 2, offers: 0 },
  ]);
  expect(await rows('SELECT duration_minutes FROM coaching_sessions WHERE engagement_id = $1', [story.engagementId])).toEqual([{ duration_minutes: 60 }]);
  expect(
    await rows(
      'SELECT webhook_url, email_reminders, due_soon_offsets_minutes, overdue_after_minutes, feedback_window_minutes FROM practice_settings WHERE practice_id = $1',
      [practiceId],
    ),
  ).toEqual([{ webhook_url: null, email_reminders: false, due_soon_offsets_minutes: [1440], overdue_after_minutes: 1440, feedback_window_minutes: 2880 }]);
});

it('records each step as an event by the right actor, in story order', async () => {
  const events = await rows<{ type: string; actor: string }>(
    "SELECT type, metadata->>'actorId' AS actor FROM events WHERE stream_id = $1 ORDER BY version",
    [story.engagementId],
  );
  expect(events).toEqual([
    { type: 'EngagementOpened', actor: 'admin-demo' },
    { type: 'IntakeRecorded', actor: 'coach-mark' },
    { type: 'CoachingSessionLogged', actor: 'coach-mark' },
    { type: 'HomeworkAssigned', actor: 'coach-mark' },
    { type: 'HomeworkAssigned', actor: 'coach-mark' },
    { type: 'DraftSubmitted', actor: 'client-it' },
    { type: 'FeedbackGiven', actor: 'coach-mark' },
    { type: 'DraftSubmitted', actor: 'client-it' },
    { type: 'FeedbackGiven', actor: 'coach-mark' },
    { type: 'DraftSubmitted', actor: 'client-it' },
    { type: 'JobSearchActivityLogged', actor: 'client-it' },
  ]);
  expect(await eventTypes()).toEqual(['PracticeSettingsUpdated', ...events.map((e) => e.type)]);
  expect(story.newEvents).toBe(12);
});

it('changes nothing when run again, and answers with the same ids', async () => {
  const before = await eventTypes();
  const again = await seedDemo(app, { practiceId });
  expect(again).toEqual({ ...story, newEvents: 0 });
  expect(await eventTypes()).toEqual(before);
  expect(await rows('SELECT count(*)::int AS n FROM homework WHERE practice_id = $1', [practiceId])).toEqual([{ n: 2 }]);
  expect(await rows('SELECT count(*)::int AS n FROM drafts WHERE practice_id = $1', [practiceId])).toEqual([{ n: 3 }]);
});

it('prints tokens that authenticate as the demo admin, coach and client of the practice', async () => {
  const tokens = await issueDemoTokens(app, practiceId);
  const verify = (t: string) => app.get(TokenService).verify(t);
  await expect(verify(tokens.ADMIN)).resolves.toMatchObject({ id: 'admin-demo', role: 'ADMIN', practiceId });
  await expect(verify(tokens.COACH)).resolves.toMatchObject({ id: 'coach-mark', role: 'COACH', practiceId });
  await expect(verify(tokens.CLIENT)).resolves.toMatchObject({ id: 'client-it', role: 'CLIENT', practiceId });
  const text = describeDemo(app, story, tokens);
  expect(text).toContain(story.engagementId);
  expect(text).toContain(`{"Authorization": "Bearer ${tokens.COACH}"}`);
  expect(text).toContain('http://localhost:3000/graphql');
});

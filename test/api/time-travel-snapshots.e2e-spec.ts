// Time travel from snapshots (issue 12): the worker's engagement-history-snapshots
// subscriber writes an engagement's past view every 100 versions; engagement(asOf /
// asOfVersion) starts from the nearest one at or before its point and folds the rest.
// The answer is the one the whole stream folded gives (the snapshots deleted), nested
// fields, timeline across the snapshot and changes included. Two practices.
import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { HISTORY_SNAPSHOT_EVERY } from '#engagement';
import { e2e } from '../support/e2e.js';
import { M, Story, codeOf, newCast, ok } from '../support/engagements.js';
import { waitFor } from '../support/wait.js';

jest.setTimeout(120_000);

const the = e2e({ env: { QUEUE_PREFIX: `test-${randomUUID().slice(0, 8)}`, SUBSCRIPTION_POLL_MS: '100' }, worker: true, pool: 2 });

const VIEW = `
  id title status version asOf openHomeworkCount awaitingFeedbackCount overdueHomeworkCount updatedAt
  coach { id name } client { id name }
  intake { presentingQuestion baseline { channel applications } }
  homework { id title status dueAt overdue latestDraft { id } drafts { id revision content feedback { id verdict comments givenAt } } }
  sessions { id heldAt summary }
  jobSearch { applications interviews offers channels { channel applications interviews offers } }
  timeline(first: 200) { pageInfo { hasNextPage } edges { cursor node { version type occurredAt } } }
  early: timeline(first: 3, after: "${Buffer.from('v:96').toString('base64url')}") { edges { node { version } } }
  changes(fromVersion: 95) { path before after version }`;
const PAST = `query ($id: ID!, $asOf: DateTime, $asOfVersion: Int) { engagement(id: $id, asOf: $asOf, asOfVersion: $asOfVersion) { ${VIEW} } }`;

describe('time travel from snapshots', () => {
  const cast = newCast('time-travel-snapshots');
  let id: string;
  const events = HISTORY_SNAPSHOT_EVERY + 8;

  beforeAll(async () => {
    const story = new Story(the.api, cast);
    ({ id } = await story.open()); // 1
    await story.intake(id); // 2
    const homework = await story.assign(id, 'Articulate your hook', null); // 3
    const draft = await story.submit(homework.id, 'First hook'); // 4
    await story.feedback(draft.id, 'CHANGES_REQUESTED', 'Name one programme.'); // 5
    for (let v = 6; v <= HISTORY_SNAPSHOT_EVERY - 2; v++) {
      ok(await the.api.gql(M.logJobSearchActivity, { input: { engagementId: id, channel: v % 2 ? 'NETWORKING' : 'JOB_BOARD', applications: 1, interviews: v % 7 === 0 ? 1 : 0 } }, cast.client));
    }
    const second = await story.submit(homework.id, 'Second hook: the Atlas programme'); // 99
    await story.feedback(second.id, 'ACCEPTED', 'Yes.'); // 100: the snapshot
    ok(await the.api.gql(M.logCoachingSession, { input: { engagementId: id, heldAt: new Date().toISOString(), durationMinutes: 45, summary: 'Pitch practice' } }, cast.coach)); // 101
    const later = await story.assign(id, 'Second homework', null); // 102
    await story.submit(later.id, 'Draft two'); // 103
    for (let v = 104; v <= events; v++) {
      ok(await the.api.gql(M.logJobSearchActivity, { input: { engagementId: id, channel: 'REFERRAL', applications: 2, interviews: 1 } }, cast.client));
    }
    expect(await the.log.version(id)).toBe(events);
  });

  const snapshots = async () =>
    (await the.pool.query<{ version: number }>('SELECT version FROM engagement_history_snapshots WHERE stream_id = $1 ORDER BY version', [id])).rows.map((r) => r.version);
  const past = async (vars: { asOf?: string; asOfVersion?: number }) => ok(await the.api.gql<any>(PAST, { id, ...vars }, cast.coach)).engagement;

  it('the worker writes a snapshot every 100 versions, in the engagement\'s practice', async () => {
    await waitFor('the snapshot at version 100', async () => ((await snapshots()).includes(HISTORY_SNAPSHOT_EVERY) ? true : null));
    expect(await snapshots()).toEqual([HISTORY_SNAPSHOT_EVERY]);
    const { rows } = await the.pool.query('SELECT practice_id FROM engagement_history_snapshots WHERE stream_id = $1', [id]);
    expect(rows).toEqual([{ practice_id: cast.practiceId }]);
  });

  it('a past view from the snapshot is the whole stream folded: by version, by instant, at the snapshot itself', async () => {
    const at103 = (await past({ asOfVersion: events })).timeline.edges[102].node.occurredAt as string;
    const points = [{ asOfVersion: 105 }, { asOfVersion: HISTORY_SNAPSHOT_EVERY }, { asOf: at103 }, { asOfVersion: events }, { asOfVersion: 50 }];
    const fromSnapshot = [];
    for (const p of points) fromSnapshot.push(await past(p));
    expect(fromSnapshot[0]).toMatchObject({ version: 105, sessions: [{ summary: 'Pitch practice' }] });
    expect(fromSnapshot[0].timeline.edges.map((e: any) => e.node.version)).toEqual(Array.from({ length: 105 }, (_, i) => i + 1));
    expect(fromSnapshot[0].early.edges.map((e: any) => e.node.version)).toEqual([97, 98, 99]);
    expect(fromSnapshot[0].changes.length).toBeGreaterThan(0);
    expect(fromSnapshot[2].version).toBe(103);
    expect(fromSnapshot[1].homework[0].drafts.map((d: any) => d.feedback.verdict)).toEqual(['CHANGES_REQUESTED', 'ACCEPTED']);

    // the snapshot is what the view starts from: a change made to it shows (then it is put back)
    const tamper = `UPDATE engagement_history_snapshots SET snapshot = jsonb_set(snapshot, '{fold,engagements,$map,0,1,title}', $2) WHERE stream_id = $1`;
    await the.pool.query(tamper, [id, JSON.stringify('from the snapshot')]);
    expect((await past({ asOfVersion: 105 })).title).toBe('from the snapshot');
    expect((await past({ asOfVersion: 50 })).title).not.toBe('from the snapshot');
    const title = fromSnapshot[0].title as string;
    await the.pool.query(tamper, [id, JSON.stringify(title)]);

    // without snapshots: the whole stream folded gives the same answers
    await the.pool.query('DELETE FROM engagement_history_snapshots WHERE stream_id = $1', [id]);
    for (const [i, p] of points.entries()) expect(await past(p)).toEqual(fromSnapshot[i]);
  });

  it('another practice neither sees the engagement nor its snapshots', async () => {
    expect(codeOf(await the.api.gql(PAST, { id, asOfVersion: 105 }, cast.foreignAdmin))).toBe('NOT_FOUND');
  });
});

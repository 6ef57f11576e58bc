// GDPR export (issue 12): exportPersonData answers, inline, every event about a
// person (as stored, with its schema version) and every read-model row about
// them, by table; ADMIN only; one practice's export holds nothing of another's,
// even for the same person id.
import { jest } from '@jest/globals';
import type pg from 'pg';
import { TestApi } from '../support/api.js';
import { testPool } from '../support/db.js';
import { M, Story, codeOf, errorOf, newCast, ok, person } from '../support/engagements.js';

jest.setTimeout(60_000);

const EXPORT = `query ($personId: ID!) { exportPersonData(personId: $personId) {
  personId practiceId exportedAt engagementIds readModels
  events { position streamId version type schemaVersion occurredAt data metadata } } }`;

/** `data` with the values that are 'SEALED' in `shape` replaced by 'SEALED' (to compare the rest). */
function mask(data: any, shape: any): any {
  if (shape === 'SEALED') return 'SEALED';
  if (Array.isArray(shape)) return shape.map((s, i) => mask(data?.[i], s));
  if (shape && typeof shape === 'object') return Object.fromEntries(Object.keys(shape).map((k) => [k, mask(data?.[k], shape[k])]));
  return data;
}

let api: TestApi;
let pool: pg.Pool;
beforeAll(async () => {
  api = await TestApi.start();
  pool = testPool(2);
});
afterAll(async () => {
  await pool?.end();
  await api?.close();
});

describe('exportPersonData', () => {
  const cast = newCast('export');
  let engagementId: string;
  let otherEngagementId: string;
  let foreignId: string;

  beforeAll(async () => {
    const story = new Story(api, cast);
    const { engagement, draftId } = await story.withDraft();
    engagementId = engagement.id;
    await story.feedback(draftId, 'CHANGES_REQUESTED', 'Name the programme.');
    ok(await api.gql(M.logCoachingSession, { input: { engagementId, heldAt: new Date().toISOString(), durationMinutes: 30, summary: 'Talked about Atlas' } }, cast.coach));
    // an engagement of the same coach with another client: not about Sam
    otherEngagementId = ok(
      await api.gql<any>(M.openEngagement, { input: { coach: person(cast.coach), client: person(cast.otherClient), title: 'Other client' } }, cast.coach),
    ).openEngagement.id;
    // the other practice has a person with the same id
    foreignId = ok(
      await api.gql<any>(M.openEngagement, { input: { coach: person(cast.foreignCoach), client: person(cast.foreignClient), title: 'Foreign Sam' } }, cast.foreignAdmin),
    ).openEngagement.id;
  });

  it("holds every event of the client's engagements as stored, with schema versions, and their rows by table", async () => {
    const x = ok(await api.gql<any>(EXPORT, { personId: cast.client.id }, cast.admin)).exportPersonData;
    expect(x).toMatchObject({ personId: cast.client.id, practiceId: cast.practiceId, engagementIds: [engagementId] });
    const stored = await pool.query('SELECT position::text AS position, version, type, schema_version, data FROM events WHERE stream_id = $1 ORDER BY position', [engagementId]);
    expect(x.events.map((e: any) => [e.position, e.version, e.type, e.schemaVersion])).toEqual(
      stored.rows.map((r: any) => [r.position, r.version, r.type, r.schema_version]),
    );
    // personal fields are stored sealed under the person's key and exported opened; everything else as stored
    const unsealed = (d: unknown): unknown =>
      d && typeof d === 'object' && '$sealed' in d ? 'SEALED' : d && typeof d === 'object' ? (Array.isArray(d) ? d.map(unsealed) : Object.fromEntries(Object.entries(d).map(([k, v]) => [k, unsealed(v)]))) : d;
    const sealedPaths = stored.rows.map((r: any) => unsealed(r.data));
    expect(JSON.stringify(stored.rows)).not.toContain('My hook: I turn stalled IT programmes around.');
    expect(JSON.stringify(stored.rows)).toContain('$sealed');
    expect(x.events.map((e: any, i: number) => mask(e.data, sealedPaths[i]))).toEqual(sealedPaths);
    expect(x.events.find((e: any) => e.type === 'DraftSubmitted').data.content).toBe('My hook: I turn stalled IT programmes around.');
    expect(x.events.every((e: any) => e.streamId === engagementId && e.metadata.practiceId === cast.practiceId)).toBe(true);

    const rm = x.readModels;
    expect(rm.engagements).toEqual([expect.objectContaining({ id: engagementId, client_id: cast.client.id, client_name: cast.client.name })]);
    expect(rm.homework).toHaveLength(1);
    expect(rm.drafts).toEqual([expect.objectContaining({ engagement_id: engagementId, content: 'My hook: I turn stalled IT programmes around.' })]);
    expect(rm.feedback).toEqual([expect.objectContaining({ comments: 'Name the programme.' })]);
    expect(rm.coaching_sessions).toEqual([expect.objectContaining({ summary: 'Talked about Atlas' })]);
    expect(rm.job_search_stats).toEqual([expect.objectContaining({ channel: 'JOB_BOARD' })]);
    expect(Array.isArray(rm.reminders)).toBe(true);
    expect(rm.reminders.every((r: any) => r.engagement_id === engagementId || r.recipient_id === cast.client.id)).toBe(true);
    // nothing of the other client's engagement, nothing of the other practice
    expect(JSON.stringify(x)).not.toContain(otherEngagementId);
    expect(JSON.stringify(x)).not.toContain(foreignId);
    expect(JSON.stringify(x)).not.toContain('Foreign Sam');
  });

  it("the coach's export holds both their engagements and the events they made", async () => {
    const x = ok(await api.gql<any>(EXPORT, { personId: cast.coach.id }, cast.admin)).exportPersonData;
    expect([...x.engagementIds].sort()).toEqual([engagementId, otherEngagementId].sort());
    expect(x.readModels.feedback).toEqual([expect.objectContaining({ given_by_id: cast.coach.id })]);
    expect(x.events.some((e: any) => e.type === 'FeedbackGiven' && e.metadata.actorId === cast.coach.id)).toBe(true);
  });

  it('is for ADMINs only, checks the id, and answers empty for a person the practice does not know', async () => {
    expect(codeOf(await api.gql(EXPORT, { personId: cast.client.id }, cast.coach))).toBe('FORBIDDEN');
    expect(codeOf(await api.gql(EXPORT, { personId: cast.client.id }, cast.client))).toBe('FORBIDDEN');
    expect(errorOf(await api.gql(EXPORT, { personId: 'x'.repeat(129) }, cast.admin)).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'personId' });
    const none = ok(await api.gql<any>(EXPORT, { personId: 'nobody-here' }, cast.admin)).exportPersonData;
    expect(none).toMatchObject({ engagementIds: [], events: [] });
    expect(none.readModels.engagements).toEqual([]);
    // the other practice's export of "its" Sam holds only its own engagement
    const foreign = ok(await api.gql<any>(EXPORT, { personId: cast.client.id }, cast.foreignAdmin)).exportPersonData;
    expect(foreign.engagementIds).toEqual([foreignId]);
    expect(foreign.events.map((e: any) => e.streamId)).toEqual([foreignId]);
  });
});

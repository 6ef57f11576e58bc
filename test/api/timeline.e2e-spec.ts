// Paging: an engagement's timeline page by page with cursors, and the
// engagement list with cursors, totals, filters and what each role may list.
import { jest } from '@jest/globals';
import type { Caller } from '../support/api.js';
import { M, Q, Story, codeOf, inAnHour, newCast, ok, person, type Cast } from '../support/engagements.js';
import { waitFor } from '../support/wait.js';
import { e2e } from '../support/e2e.js';

jest.setTimeout(30_000);

const the = e2e({ pool: 2 });

interface Page {
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: { cursor: string; node: any }[];
}

async function timelinePage(id: string, caller: Caller, first: number, after?: string | null): Promise<Page> {
  return ok(await the.api.gql<any>(Q.timeline, { id, first, after }, caller)).engagement.timeline;
}

describe('timeline', () => {
  const cast = newCast('timeline');
  let id: string;

  beforeAll(async () => {
    const story = new Story(the.api, cast);
    ({ id } = await story.open()); // 1
    await story.intake(id); // 2
    for (const title of ['Articulate your hook', 'Ask for help so people say yes', 'List twenty contacts']) await story.assign(id, title); // 3-5
    for (const minutes of [60, 45]) {
      ok(await the.api.gql(M.logCoachingSession, { input: { engagementId: id, heldAt: new Date().toISOString(), durationMinutes: minutes, summary: 'Pitch practice' } }, cast.coach));
    } // 6-7
    for (const channel of ['JOB_BOARD', 'NETWORKING', 'REFERRAL']) {
      ok(await the.api.gql(M.logJobSearchActivity, { input: { engagementId: id, channel, applications: 2, interviews: 1 } }, cast.client));
    } // 8-10
    await story.pause(id); // 11
    ok(await the.api.gql(M.resumeEngagement, { input: { engagementId: id } }, cast.coach)); // 12
  });

  it('pages through all 12 events, 5 at a time, versions 1..12 without gaps or repeats', async () => {
    const pages: Page[] = [];
    let after: string | null = null;
    do {
      const page = await timelinePage(id, cast.client, 5, after);
      pages.push(page);
      after = page.pageInfo.endCursor;
      if (!page.pageInfo.hasNextPage) break;
    } while (pages.length < 10);

    expect(pages.map((p) => [p.edges.length, p.pageInfo.hasNextPage])).toEqual([
      [5, true],
      [5, true],
      [2, false],
    ]);
    for (const p of pages) expect(p.pageInfo.endCursor).toBe(p.edges.at(-1)!.cursor);
    const nodes = pages.flatMap((p) => p.edges.map((e) => e.node));
    expect(nodes.map((n) => n.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(new Set(pages.flatMap((p) => p.edges.map((e) => e.cursor))).size).toBe(12);
    // exactly the stored stream
    const stored = await the.log.stream(id);
    expect(nodes.map((n) => [n.version, n.type])).toEqual(stored.map((e) => [e.version, e.type]));
    expect(nodes.at(-1)).toMatchObject({ type: 'EngagementResumed', actorRole: 'COACH', actorId: cast.coach.id });
  });

  it('ends with an empty last page after the last cursor, and takes the whole stream in one page', async () => {
    const all = await timelinePage(id, cast.coach, 12);
    expect(all.edges).toHaveLength(12);
    expect(all.pageInfo.hasNextPage).toBe(false);
    const beyond = await timelinePage(id, cast.coach, 5, all.pageInfo.endCursor);
    expect(beyond).toEqual({ edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
  });

  it('refuses a cursor it never returned, and a page beyond 200', async () => {
    expect(codeOf(await the.api.gql(Q.timeline, { id, first: 5, after: 'bogus' }, cast.coach))).toBe('BAD_USER_INPUT');
    const tooMany = await the.api.gql(Q.timeline, { id, first: 201 }, cast.coach);
    expect(tooMany.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });
});

describe('engagements list', () => {
  let cast: Cast;
  /** opened oldest first: [coach+client, coach+otherClient, otherCoach+client, otherCoach+otherClient, ...] */
  const opened: { id: string; title: string; coach: Caller; client: Caller }[] = [];

  async function list(caller: Caller, variables: Record<string, unknown> = {}) {
    return ok(await the.api.gql<any>(Q.engagements, variables, caller)).engagements as Page & { totalCount: number };
  }
  const idsOf = (page: Page) => page.edges.map((e) => e.node.id as string);
  const newestFirst = (items: typeof opened) => [...items].reverse().map((e) => e.id);

  beforeAll(async () => {
    cast = newCast('list');
    cast.otherClient.name = 'Olivia 100% Percent_Underscore';
    const plan: [Caller, Caller, string][] = [
      [cast.coach, cast.client, 'Alpha: from job boards to networking'],
      [cast.coach, cast.otherClient, 'Bravo: elevator pitch'],
      [cast.otherCoach, cast.client, 'Charlie: asking for help'],
      [cast.otherCoach, cast.otherClient, 'Delta: hidden job market'],
      [cast.coach, cast.client, 'Echo: second engagement'],
      [cast.coach, cast.otherClient, 'Foxtrot: interviews'],
      [cast.otherCoach, cast.client, 'Golf: offers'],
    ];
    for (const [coach, client, title] of plan) {
      const e = ok(await the.api.gql<any>(M.openEngagement, { input: { coach: person(coach), client: person(client), title } }, cast.admin)).openEngagement;
      opened.push({ id: e.id, title, coach, client });
    }
  });

  it('pages newest first with cursors, and counts the whole list on every page', async () => {
    const pages: (Page & { totalCount: number })[] = [];
    let after: string | null = null;
    for (;;) {
      const page = await list(cast.admin, { first: 3, after });
      pages.push(page);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(pages.map((p) => [p.edges.length, p.pageInfo.hasNextPage, p.totalCount])).toEqual([
      [3, true, 7],
      [3, true, 7],
      [1, false, 7],
    ]);
    expect(pages.flatMap(idsOf)).toEqual(newestFirst(opened));
  });

  it('without `first`, answers a short list in one page', async () => {
    const page = await list(cast.admin);
    expect(idsOf(page)).toEqual(newestFirst(opened));
    expect(page.pageInfo.hasNextPage).toBe(false);
  });

  it('lists a COACH only the engagements it coaches, and a CLIENT only its own', async () => {
    const coaching = await list(cast.coach);
    expect(idsOf(coaching)).toEqual(newestFirst(opened.filter((e) => e.coach === cast.coach)));
    expect(coaching.totalCount).toBe(4);
    const own = await list(cast.client);
    expect(idsOf(own)).toEqual(newestFirst(opened.filter((e) => e.client === cast.client)));
    expect(own.totalCount).toBe(4);
    // a filter never widens what a caller may see
    const asking = await list(cast.coach, { filter: { coachId: cast.otherCoach.id } });
    expect([idsOf(asking), asking.totalCount]).toEqual([[], 0]);
    const foreign = await list(cast.foreignAdmin);
    expect([idsOf(foreign), foreign.totalCount]).toEqual([[], 0]);
  });

  it('pages a coach through its own engagements only', async () => {
    const first = await list(cast.otherCoach, { first: 2 });
    const second = await list(cast.otherCoach, { first: 2, after: first.pageInfo.endCursor });
    expect([...idsOf(first), ...idsOf(second)]).toEqual(newestFirst(opened.filter((e) => e.coach === cast.otherCoach)));
    expect(second.pageInfo.hasNextPage).toBe(false);
  });

  it('filters by coach, client and status', async () => {
    const byCoach = await list(cast.admin, { filter: { coachId: cast.otherCoach.id } });
    expect([idsOf(byCoach), byCoach.totalCount]).toEqual([newestFirst(opened.filter((e) => e.coach === cast.otherCoach)), 3]);
    const byClient = await list(cast.admin, { filter: { clientId: cast.otherClient.id }, first: 1 });
    expect([idsOf(byClient), byClient.totalCount, byClient.pageInfo.hasNextPage]).toEqual([[opened[5]!.id], 3, true]);
    const both = await list(cast.admin, { filter: { coachId: cast.coach.id, clientId: cast.client.id } });
    expect(idsOf(both)).toEqual([opened[4]!.id, opened[0]!.id]);

    ok(await the.api.gql(M.recordIntake, intakeOf(opened[1]!.id), cast.admin));
    const active = await list(cast.admin, { filter: { status: ['ACTIVE'] } });
    expect([idsOf(active), active.totalCount]).toEqual([[opened[1]!.id], 1]);
    const intake = await list(cast.admin, { filter: { status: ['INTAKE', 'PAUSED'] } });
    expect(intake.totalCount).toBe(6);
    expect(idsOf(intake)).not.toContain(opened[1]!.id);
  });

  it('searches title, coach name and client name, case-insensitively, with % and _ as plain characters', async () => {
    const search = async (text: string) => idsOf(await list(cast.admin, { filter: { search: text } }));
    expect(await search('HIDDEN JOB')).toEqual([opened[3]!.id]);
    expect(await search('olga')).toEqual(newestFirst(opened.filter((e) => e.coach === cast.otherCoach)));
    expect(await search('sam senior')).toEqual(newestFirst(opened.filter((e) => e.client === cast.client)));
    expect(await search('100%')).toEqual(newestFirst(opened.filter((e) => e.client === cast.otherClient)));
    expect(await search('%')).toEqual(newestFirst(opened.filter((e) => e.client === cast.otherClient)));
    expect(await search('l_h')).toEqual([]); // 'l_h' as a pattern would match "alpha"
    expect(await search('nobody at all')).toEqual([]);
  });

  it('filters by overdue homework once a due time has passed', async () => {
    const target = opened[6]!;
    ok(await the.api.gql(M.recordIntake, intakeOf(target.id), cast.admin));
    const dueAt = new Date(Date.now() + 2_000).toISOString();
    const homework = ok(
      await the.api.gql<any>(M.assignHomework, { input: { engagementId: target.id, title: 'Due very soon', instructions: '', dueAt } }, cast.otherCoach),
    ).assignHomework;
    // another engagement's homework is due later: never overdue here
    ok(await the.api.gql(M.assignHomework, { input: { engagementId: opened[1]!.id, title: 'Due later', instructions: '', dueAt: inAnHour() } }, cast.coach));

    const notYet = await list(cast.admin, { filter: { hasOverdueHomework: true } });
    expect(idsOf(notYet)).toEqual([]);

    const overdue = await waitFor('the homework to be overdue', async () => {
      const page = await list(cast.admin, { filter: { hasOverdueHomework: true } });
      return page.totalCount > 0 ? page : null;
    });
    expect(Date.now()).toBeGreaterThan(Date.parse(dueAt));
    expect([idsOf(overdue), overdue.totalCount]).toEqual([[target.id], 1]);
    const notOverdue = await list(cast.admin, { filter: { hasOverdueHomework: false } });
    expect(idsOf(notOverdue)).toEqual(newestFirst(opened.filter((e) => e !== target)));
    const seen = ok(
      await the.api.gql<any>(`query ($id: ID!) { engagement(id: $id) { overdueHomeworkCount homework { id overdue } } }`, { id: target.id }, cast.client),
    ).engagement;
    expect(seen).toEqual({ overdueHomeworkCount: 1, homework: [{ id: homework.id, overdue: true }] });
    // combined with the role's own scope: the client is on it, the other client is not
    expect(idsOf(await list(cast.client, { filter: { hasOverdueHomework: true } }))).toEqual([target.id]);
    expect(idsOf(await list(cast.otherClient, { filter: { hasOverdueHomework: true } }))).toEqual([]);
  });
});

function intakeOf(engagementId: string) {
  return {
    input: { engagementId, presentingQuestion: 'What am I doing wrong?', background: '', goals: [], currentStrategy: '', baseline: [] },
  };
}

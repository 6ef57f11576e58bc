// The engagementEvents subscription over a real websocket (graphql-ws): a
// mutation made over HTTP reaches the subscribers of that engagement, and only
// them; who may not see the engagement is refused with the same codes as over
// HTTP; without a valid token the connection itself is refused.
import { jest } from '@jest/globals';
import type { Client } from 'graphql-ws';
import type pg from 'pg';
import type { Caller } from '../support/api.js';
import { TestApi } from '../support/api.js';
import { testPool } from '../support/db.js';
import { EventLog, M, Q, Story, newCast, ok, type Cast, withSealsOpenedAs } from '../support/engagements.js';
import { subscribe, wsClient, type LiveSubscription } from '../support/subscriptions.js';
import { waitFor } from '../support/wait.js';
import { MAX_SUBSCRIPTIONS_PER_SOCKET } from '../../apps/api/src/security/graphql-security.js';

jest.setTimeout(30_000);

const EVENTS = `subscription ($id: ID!) { engagementEvents(engagementId: $id) { version type occurredAt actorId actorRole data } }`;

interface Received {
  engagementEvents: { version: number; type: string; occurredAt: string; actorId: string; actorRole: string; data: Record<string, any> };
}

// a small pool: an operation that kept a connection would soon starve the API
const POOL_SIZE = 4;

let api: TestApi;
let pool: pg.Pool;
let log: EventLog;
const clients: Client[] = [];

beforeAll(async () => {
  api = await TestApi.start({ DATABASE_POOL_SIZE: String(POOL_SIZE) });
  pool = testPool(2);
  log = new EventLog(pool);
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  await pool?.end();
  await api?.close();
});

async function client(as: Caller | { authorization: string } | null): Promise<Client> {
  const c = await wsClient(api, as);
  clients.push(c);
  return c;
}

const events = (s: LiveSubscription<Received>) => s.results.map((r) => r.data!.engagementEvents);

/**
 * The server registers a subscription a moment after the client sent it, and
 * says nothing when it has: log job-search activity until events arrive, then
 * until the last one logged has arrived, and forget them.
 */
async function untilLive(s: LiveSubscription<Received>, engagementId: string, as: Caller): Promise<void> {
  await waitFor(
    'the subscription to deliver events',
    async () => {
      if (s.results.length > 0) return true;
      ok(await api.gql(M.logJobSearchActivity, { input: { engagementId, channel: 'OTHER', applications: 0, interviews: 0 } }, as));
      return false;
    },
    { intervalMs: 50 },
  );
  const version = await log.version(engagementId);
  await waitFor('the last warm-up event', () => events(s).some((e) => e.version === version));
  s.results.length = 0;
}

async function activeEngagement(cast: Cast): Promise<string> {
  const story = new Story(api, cast);
  const { id } = await story.open();
  await story.intake(id);
  return id;
}

describe('as the engagement\'s coach', () => {
  it('receives each event of a mutation made over HTTP: type, version, who, data', async () => {
    const cast = newCast('subscription');
    const id = await activeEngagement(cast);
    const live = subscribe<Received>(await client(cast.coach), EVENTS, { id });
    await untilLive(live, id, cast.client);
    const versionBefore = await log.version(id);

    const story = new Story(api, cast);
    const homework = await story.assign(id, 'Articulate your hook');
    const draft = await story.submit(homework.id, 'I rescue IT programmes.');

    await waitFor('two events', () => live.results.length >= 2);
    const [assigned, submitted] = events(live);
    expect(assigned).toMatchObject({
      version: versionBefore + 1,
      type: 'HomeworkAssigned',
      actorId: cast.coach.id,
      actorRole: 'COACH',
      data: { homeworkId: homework.id, title: 'Articulate your hook' },
    });
    expect(submitted).toMatchObject({
      version: versionBefore + 2,
      type: 'DraftSubmitted',
      actorId: cast.client.id,
      actorRole: 'CLIENT',
      data: { homeworkId: homework.id, draftId: draft.id, revision: 1, content: 'I rescue IT programmes.' },
    });
    // what arrived is what was stored
    const stored = (await log.stream(id)).slice(versionBefore);
    // (the log holds personal fields sealed; the subscriber gets them opened)
    const arrived = events(live);
    expect(JSON.stringify(stored)).not.toContain('I rescue IT programmes.');
    expect(arrived.map((e) => [e.version, e.type, e.data])).toEqual(stored.map((e, i) => [e.version, e.type, withSealsOpenedAs(e.data, arrived[i]?.data)]));
    expect(live.error).toBeUndefined();
    live.unsubscribe();
  });

  it("does not receive another engagement's events", async () => {
    const cast = newCast('subscription');
    const watched = await activeEngagement(cast);
    const other = await activeEngagement(cast); // same coach, same client, same practice
    const live = subscribe<Received>(await client(cast.coach), EVENTS, { id: watched });
    await untilLive(live, watched, cast.coach);

    const story = new Story(api, cast);
    const elsewhere = await story.assign(other, 'Homework of the other engagement');
    const here = await story.assign(watched, 'Homework of the watched engagement');
    await waitFor('the watched engagement\'s event', () => events(live).some((e) => e.data.homeworkId === here.id));

    expect(events(live).map((e) => e.data.homeworkId)).toEqual([here.id]);
    expect(JSON.stringify(live.results)).not.toContain(elsewhere.id);
    live.unsubscribe();
  });

  it('lets the client and an admin of the practice follow it too', async () => {
    const cast = newCast('subscription');
    const id = await activeEngagement(cast);
    const byClient = subscribe<Received>(await client(cast.client), EVENTS, { id });
    const byAdmin = subscribe<Received>(await client(cast.admin), EVENTS, { id });
    // warm both up with the same events, wait until both saw the last one, then forget them
    await waitFor(
      'both subscriptions to deliver events',
      async () => {
        if (byClient.results.length > 0 && byAdmin.results.length > 0) return true;
        ok(await api.gql(M.logJobSearchActivity, { input: { engagementId: id, channel: 'OTHER', applications: 0, interviews: 0 } }, cast.coach));
        return false;
      },
      { intervalMs: 50 },
    );
    const warmedUp = await log.version(id);
    await waitFor('both to see the last warm-up event', () =>
      [byClient, byAdmin].every((s) => events(s).some((e) => e.version === warmedUp)),
    );
    byClient.results.length = 0;
    byAdmin.results.length = 0;
    const homework = await new Story(api, cast).assign(id);
    await waitFor('both subscribers', () => byClient.results.length > 0 && byAdmin.results.length > 0);
    expect(events(byClient)[0]).toMatchObject({ type: 'HomeworkAssigned', data: { homeworkId: homework.id } });
    expect(events(byAdmin)).toEqual(events(byClient));
    byClient.unsubscribe();
    byAdmin.unsubscribe();
  });
});

describe('refusals', () => {
  const cast = newCast('subscription-refusals');
  let id: string;

  beforeAll(async () => {
    id = await activeEngagement(cast);
  });

  async function refusedWith(as: Caller, engagementId: string): Promise<Record<string, unknown>> {
    const s = subscribe(await client(as), EVENTS, { id: engagementId });
    await waitFor('the refusal', () => s.completed);
    expect(s.results).toHaveLength(1);
    const [error] = s.results[0]!.errors!;
    expect(s.results[0]!.data ?? null).toBeNull();
    return error!.extensions as Record<string, unknown>;
  }

  it('answers a caller of another practice NOT_FOUND, like an id that exists nowhere', async () => {
    expect(await refusedWith(cast.foreignAdmin, id)).toEqual({ code: 'NOT_FOUND' });
    expect(await refusedWith(cast.foreignCoach, id)).toEqual({ code: 'NOT_FOUND' });
    expect(await refusedWith(cast.coach, '00000000-0000-4000-8000-000000000000')).toEqual({ code: 'NOT_FOUND' });
  });

  it('answers a coach or client of the practice who is not on the engagement FORBIDDEN', async () => {
    expect(await refusedWith(cast.otherCoach, id)).toEqual({ code: 'FORBIDDEN' });
    expect(await refusedWith(cast.otherClient, id)).toEqual({ code: 'FORBIDDEN' });
  });

  it('answers a malformed id BAD_USER_INPUT naming the argument', async () => {
    expect(await refusedWith(cast.coach, "' or 1=1 --")).toEqual({ code: 'BAD_USER_INPUT', field: 'engagementId' });
  });

  it('answers an invalid subscription document BAD_USER_INPUT', async () => {
    const s = subscribe(await client(cast.coach), `subscription { engagementEvents(engagementId: "x") { nope } }`, {});
    await waitFor('the refusal', () => s.completed);
    expect(s.results).toEqual([]);
    expect((s.error as { extensions?: unknown }[])[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it(`refuses a subscription past ${MAX_SUBSCRIPTIONS_PER_SOCKET} on one connection, and takes one again when another ends`, async () => {
    const socket = await client(cast.coach);
    const live = Array.from({ length: MAX_SUBSCRIPTIONS_PER_SOCKET }, () => subscribe<Received>(socket, EVENTS, { id }));
    // all of them registered: an event reaches every one
    await waitFor('every subscription to be live', async () => {
      if (live.every((s) => s.results.length > 0)) return true;
      ok(await api.gql(M.logJobSearchActivity, { input: { engagementId: id, channel: 'OTHER', applications: 0, interviews: 0 } }, cast.coach));
      return false;
    }, { intervalMs: 200 }).catch((err: Error) => {
      const done = live.filter((s) => s.completed);
      throw new Error(`${err.message}: ${live.filter((s) => s.results.length > 0).length} live, ${done.length} ended: ${JSON.stringify(done[0]?.error ?? done[0]?.results)}`);
    });
    const extra = subscribe(socket, EVENTS, { id });
    await waitFor('the refusal', () => extra.completed);
    expect((extra.error as { extensions?: unknown }[])[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', limit: 'subscriptions' });
    expect(live.every((s) => !s.completed)).toBe(true);

    live[0]!.unsubscribe();
    const again = subscribe<Received>(socket, EVENTS, { id });
    await waitFor('the new one to be live', async () => {
      if (again.results.length > 0 || again.completed) return true;
      ok(await api.gql(M.logJobSearchActivity, { input: { engagementId: id, channel: 'OTHER', applications: 0, interviews: 0 } }, cast.coach));
      return false;
    }, { intervalMs: 200 });
    expect(again.error).toBeUndefined();
    for (const s of [...live, again]) s.unsubscribe();
  });

  it('holds no database connection after refusing, however often', async () => {
    for (let i = 0; i < POOL_SIZE * 2; i++) await refusedWith(i % 2 ? cast.foreignAdmin : cast.otherCoach, id);
    // with a leaked read transaction per refusal the pool would be exhausted by now
    const res = await api.gql<any>(Q.engagement, { id }, cast.coach);
    expect(ok(res).engagement.id).toBe(id);
  });

  it.each([
    ['no token', null],
    ['a malformed token', { authorization: 'Bearer nope' }],
    ['an expired token', 'expired'],
  ] as const)('refuses the connection itself with %s', async (_what, as) => {
    const auth = as === 'expired' ? { authorization: `Bearer ${await api.token(cast.coach, -60)}` } : as;
    const s = subscribe(await client(auth), EVENTS, { id });
    await waitFor('the connection to be refused', () => s.completed);
    expect(s.results).toEqual([]);
    // graphql-ws closes a connection whose connection_init was refused with 4403 Forbidden
    expect(s.error).toMatchObject({ code: 4403 });
  });
});

// The websocket transport (graphql-ws on /graphql) as an attacker uses it:
// the same protections as HTTP, or a clear refusal (issue 9). The websocket
// carries subscriptions only; every hostile input of the HTTP suite
// (hostile.e2e-spec.ts) is sent over it too and must be refused with the same
// code and limit, before it runs. After each group: no session of the app is
// left `idle in transaction`, the pool still serves another practice's HTTP
// request, and /health/live answers.
import { jest } from '@jest/globals';
import fc from 'fast-check';
import type pg from 'pg';
import request from 'supertest';
import { GraphqlSocketTransport } from '../../apps/api/src/graphql/socket-transport.js';
import { TestApi } from '../support/api.js';
import { backends, idleInTransaction } from '../support/backends.js';
import { testPool } from '../support/db.js';
import { EventLog, M, Q, Story, newCast, ok, type Cast } from '../support/engagements.js';
import { uniqueId } from '../support/ids.js';
import { RawSocket, type ServerMessage } from '../support/raw-socket.js';
import { waitFor } from '../support/wait.js';

jest.setTimeout(60_000);

const MAX_UNAUTHENTICATED = 3;
const MAX_RESPONSE_BYTES = 32_768;
// a small pool: a leaked transaction per operation would soon starve the API
const POOL_SIZE = 4;

let api: TestApi;
let owner: pg.Pool;
let log: EventLog;
const cast: Cast = newCast('ws');
const other: Cast = newCast('ws-other');
let engagementId: string;
let bearer: string;
const sockets: RawSocket[] = [];

beforeAll(async () => {
  api = await TestApi.start({
    DATABASE_POOL_SIZE: String(POOL_SIZE),
    RATE_LIMIT_PREFIX: uniqueId('ws'),
    GRAPHQL_WS_MAX_UNAUTHENTICATED_PER_ADDRESS: String(MAX_UNAUTHENTICATED),
    GRAPHQL_MAX_RESPONSE_BYTES: String(MAX_RESPONSE_BYTES),
  });
  owner = testPool(2);
  log = new EventLog(owner);
  const story = new Story(api, cast);
  engagementId = (await story.withDraft()).engagement.id;
  await new Story(api, other).open();
  bearer = `Bearer ${await api.token(cast.coach)}`;
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await owner?.end();
  await api?.close();
});

async function open(): Promise<RawSocket> {
  const socket = await RawSocket.open(api.wsUrl);
  sockets.push(socket);
  return socket;
}

async function authenticated(authorization = bearer): Promise<RawSocket> {
  const socket = await open();
  await socket.init(authorization);
  return socket;
}

/** The service still serves: no transaction left open, another practice's HTTP request, /health/live. */
async function stillServing(): Promise<void> {
  await waitFor('no session idle in transaction', async () => (await idleInTransaction(owner)).length === 0);
  const res = await api.gql<any>(Q.engagements, { first: 5 }, other.admin);
  expect(ok(res).engagements.totalCount).toBe(1);
  expect((await request(api.url).get('/health/live')).status).toBe(200);
}

/** The one error message that ended operation `id`: refused before it ran (no `next` with data). */
function refusal(messages: ServerMessage[]): { message: string; extensions: Record<string, unknown> }[] {
  expect(messages.filter((m) => m.type === 'next')).toEqual([]);
  const errors = messages.find((m) => m.type === 'error')?.payload as { message: string; extensions: Record<string, unknown> }[];
  expect(errors?.length).toBeGreaterThan(0);
  expect(JSON.stringify(errors)).not.toMatch(/\n\s+at |node_modules|\.(ts|js):\d+/); // no stack trace
  return errors;
}

const EVENTS = `subscription ($id: ID!) { engagementEvents(engagementId: $id) { version type } }`;

describe('queries and mutations over the socket are refused (the websocket carries subscriptions only)', () => {
  it('a query is refused with a clear error, and 20 of them (pool of 4) leave no transaction open', async () => {
    const socket = await authenticated();
    for (let i = 0; i < 20; i++) socket.subscribe(`q${i}`, '{ engagements(first: 1) { totalCount } }');
    for (let i = 0; i < 20; i++) {
      const [error] = refusal(await socket.outcome(`q${i}`));
      expect(error!.extensions).toEqual({ code: 'BAD_USER_INPUT', transport: 'websocket' });
      expect(error!.message).toMatch(/subscriptions only; send queries over HTTP/);
    }
    expect(socket.closed).toBeNull(); // a refused operation does not cost the socket
    await stillServing();
  });

  it('a mutation is refused and writes nothing', async () => {
    const before = await log.version(engagementId);
    const socket = await authenticated();
    socket.subscribe('m', M.logJobSearchActivity, { input: { engagementId, channel: 'OTHER', applications: 1, interviews: 0 } });
    const [error] = refusal(await socket.outcome('m'));
    expect(error!.message).toMatch(/send mutations over HTTP/);
    expect(await log.version(engagementId)).toBe(before);
    await stillServing();
  });
});

/** `levels` nested homework → drafts → feedback → draft ... below engagement(id:) (hostile.e2e-spec.ts). */
function nested(levels: number): string {
  const path = ['homework', 'drafts', 'feedback', 'draft'];
  let inner = 'id';
  for (let i = levels - 1; i >= 0; i--) inner = `${path[i % 4]} { ${inner} }`;
  return `query ($id: ID!) { engagement(id: $id) { ${inner} } }`;
}

const subscription = (selection: string) => `subscription ($id: ID!) { engagementEvents(engagementId: $id) { ${selection} } }`;

interface HostileCase {
  name: string;
  query: () => string;
  variables?: () => Record<string, unknown>;
  /** the whole subscribe message as text, for what JSON.stringify cannot write */
  raw?: () => string;
  limit?: string;
  message?: RegExp;
}

// each hostile input of the HTTP suite that a websocket message can carry (batching, CSRF, GET and content types are HTTP's own)
const HOSTILE: HostileCase[] = [
  { name: '101 aliases', query: () => subscription(Array.from({ length: 101 }, (_, i) => `a${i}: type`).join(' ')), limit: 'aliases' },
  { name: '__typename 500 times', query: () => subscription('__typename '.repeat(500)), limit: 'fields' },
  {
    name: 'circular fragments',
    query: () => `subscription ($id: ID!) { engagementEvents(engagementId: $id) { ...A } } fragment A on EngagementEvent { type ...B } fragment B on EngagementEvent { version ...A }`,
    message: /Cannot spread fragment "A" within itself/,
  },
  { name: '51 directives', query: () => subscription(Array.from({ length: 51 }, (_, i) => `t${i}: type @include(if: true)`).join(' ')), limit: 'directives' },
  { name: 'depth beyond the limit (11 levels)', query: () => nested(10), limit: 'depth' },
  {
    name: 'a fragment named __schema smuggling depth',
    query: () => `query { ...__schema } fragment __schema on Query { engagements { edges { node { homework { drafts { feedback { draft { homework { drafts { feedback { id } } } } } } } } } } }`,
    limit: 'depth',
  },
  {
    name: 'a query costing over the limit',
    query: () => `{ engagements(first: 200) { edges { node { homework { drafts { feedback { id } } reminders { id recipient { id } } } timeline(first: 200) { edges { node { type data } } } } } } }`,
    limit: 'cost',
  },
  {
    name: 'a page size given as a variable (200, nested lists)',
    query: () => `query ($n: Int) { engagements(first: $n) { edges { node { homework { drafts { feedback { id } } reminders { id } } timeline(first: 200) { edges { node { type } } } } } } }`,
    variables: () => ({ n: 200 }),
    limit: 'cost',
  },
  {
    name: 'homework → engagement → homework three times (the 41 MB answer of issue 9)',
    query: () => `query ($id: ID!) { engagement(id: $id) { homework { engagement { homework { engagement { homework { instructions } } } } } } }`,
    limit: 'cost',
  },
  { name: 'more tokens than the parser takes', query: () => subscription('type '.repeat(5_000)), message: /5000 tokens/ },
  {
    name: 'a 900 KB string in the variables',
    query: () => `mutation ($input: SubmitDraftInput!) { submitDraft(input: $input) { id } }`,
    variables: () => ({ input: { homeworkId: engagementId, content: 'x'.repeat(900_000) } }),
    limit: 'stringLength',
  },
  {
    name: 'variables nested 5,000 deep',
    query: () => '',
    raw: () => {
      const settings = `mutation ($input: UpdatePracticeSettingsInput!) { updatePracticeSettings(input: $input) { emailReminders } }`;
      const deep = `${'{"a":'.repeat(5_000)}"bottom"${'}'.repeat(5_000)}`;
      return `{"type":"subscribe","id":"ID","payload":{"query":${JSON.stringify(settings)},"variables":{"input":${deep}}}}`;
    },
    limit: 'inputDepth',
  },
  {
    name: 'a list of 100,000 items in the variables',
    query: () => `mutation ($input: UpdatePracticeSettingsInput!) { updatePracticeSettings(input: $input) { emailReminders } }`,
    variables: () => ({ input: { dueSoonOffsetsMinutes: Array.from({ length: 100_000 }, () => 60) } }),
    limit: 'listLength',
  },
  {
    name: 'a 900 KB string written into the document',
    query: () => `subscription { engagementEvents(engagementId: "${'x'.repeat(900_000)}") { type } }`,
    limit: 'stringLength',
  },
  { name: 'misspelt fields', query: () => subscription('typ versoin'), message: /^(?!.*Did you mean)/ },
  { name: 'two root fields in a subscription', query: () => `subscription ($id: ID!) { a: engagementEvents(engagementId: $id) { type } b: engagementEvents(engagementId: $id) { type } }`, message: /only one top level field/ },
];

describe('every hostile input of the HTTP suite, sent over the socket', () => {
  let socket: RawSocket;
  beforeAll(async () => {
    socket = await authenticated();
  });

  it.each(HOSTILE.map((c) => [c.name, c] as const))('%s: refused before it runs, as over HTTP', async (_name, c) => {
    const id = uniqueId('op');
    if (c.raw) socket.send(c.raw().replace('"ID"', JSON.stringify(id)));
    else socket.subscribe(id, c.query(), { id: engagementId, ...(c.variables?.() ?? {}) });
    const errors = refusal(await socket.outcome(id));
    for (const e of errors) expect(e.extensions.code).toBe('BAD_USER_INPUT');
    if (c.limit) expect(errors.map((e) => e.extensions.limit)).toContain(c.limit);
    if (c.message) expect(errors.map((e) => e.message).join(' ')).toMatch(c.message);
    expect(socket.closed).toBeNull();
  });

  it('leaves the service serving', async () => {
    await stillServing();
  });
});

describe('fuzz: whatever frame arrives, a clear refusal, never an internal error', () => {
  const CODES = ['BAD_USER_INPUT', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'RATE_LIMITED'];
  // a protocol violation closes the socket with graphql-ws' 44xx codes; 4500 (internal error) or 1011 never
  const PROTOCOL_CLOSES = [4400, 4401, 4403, 4406, 4408, 4409, 4429, 1009];
  const frame = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.json({ maxDepth: 4 }),
    fc.record({ type: fc.constant('subscribe'), id: fc.string({ minLength: 1, maxLength: 20 }), payload: fc.record({ query: fc.string({ maxLength: 300 }) }) }),
    fc.record({
      type: fc.constant('subscribe'),
      id: fc.string({ minLength: 1, maxLength: 20 }),
      payload: fc.record({ query: fc.constant(EVENTS), variables: fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 3 })) }),
    }),
    fc.record({ type: fc.constantFrom('subscribe', 'complete', 'ping', 'pong', 'connection_init', 'next', 'error'), id: fc.anything(), payload: fc.anything() }),
  );

  it('answers or closes every frame with a code the protocol or PRODUCT.md names', async () => {
    await fc.assert(
      fc.asyncProperty(frame, async (message) => {
        const socket = await authenticated();
        const text = typeof message === 'string' ? message : JSON.stringify(message);
        socket.send(text);
        // then a well-formed refusal probe: once it is answered (or the socket closed), everything before it has been handled
        socket.subscribe('probe', '{ viewer { id } }');
        await socket.outcome('probe').catch(() => undefined);
        if (socket.closed) {
          expect(PROTOCOL_CLOSES).toContain(socket.closed.code);
        } else {
          for (const m of socket.messages.filter((x) => x.type === 'error' || x.type === 'next')) {
            for (const e of (m.type === 'error' ? m.payload : m.payload.errors ?? []) as { extensions: { code: string } }[]) {
              expect(CODES).toContain(e.extensions.code);
            }
          }
        }
        socket.close();
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 40), seed: Number(process.env.FUZZ_SEED ?? 20_261_129) },
    );
    await stillServing();
  });
});

describe('frames are bounded before they are read', () => {
  it('a 2 MB subscribe message closes the socket (1009) before it is parsed', async () => {
    const socket = await authenticated();
    socket.subscribe('big', subscription('type'), { id: engagementId, pad: 'x'.repeat(2_000_000) });
    expect((await socket.whenClosed()).code).toBe(1009);
  });

  it('a 16 MB connection_init closes the socket (1009) before authentication', async () => {
    const socket = await open();
    socket.send({ type: 'connection_init', payload: { authorization: bearer, pad: 'x'.repeat(16_000_000) } });
    expect((await socket.whenClosed()).code).toBe(1009);
    expect(socket.messages).toEqual([]);
  });

  it('text that is not a graphql-ws message closes the socket (4400)', async () => {
    const socket = await authenticated();
    socket.send('{"type": "subscribe", "id": ');
    expect((await socket.whenClosed()).code).toBe(4400);
  });

  it('a subscribe before connection_init closes the socket (4401)', async () => {
    const socket = await open();
    socket.subscribe('early', subscription('type'), { id: engagementId });
    expect((await socket.whenClosed()).code).toBe(4401);
  });

  it(`at most ${MAX_UNAUTHENTICATED} unauthenticated sockets per address: the next upgrade is answered 429; authenticating frees a place`, async () => {
    const transport = api.app.get(GraphqlSocketTransport);
    await waitFor('no unauthenticated socket left from earlier tests', () => transport.unauthenticated('127.0.0.1') === 0);
    const waiting = await Promise.all(Array.from({ length: MAX_UNAUTHENTICATED }, () => open()));
    const refused = await RawSocket.open(api.wsUrl).then(
      () => null,
      (err: { status?: number; body?: string }) => err,
    );
    expect(refused?.status).toBe(429);
    expect(JSON.parse(refused!.body!).errors[0].extensions).toEqual({ code: 'RATE_LIMITED', limit: 'unauthenticatedSockets' });
    await waiting[0]!.init(bearer);
    const next = await open(); // a place is free again
    expect(next.closed).toBeNull();
    for (const s of [...waiting, next]) s.close();
    await waitFor('the places to be given back', () => transport.unauthenticated('127.0.0.1') === 0);
  });

  it('a socket that never sends connection_init is closed (4408) after GRAPHQL_WS_INIT_TIMEOUT_MS', async () => {
    const socket = await open();
    expect((await socket.whenClosed()).code).toBe(4408);
  });

  it('leaves the service serving', async () => {
    await stillServing();
  });
});

describe('transactions end on every path', () => {
  it('a subscription cancelled (complete) or whose socket closes while its set-up read waits leaves no transaction open', async () => {
    const holder = await owner.connect();
    const waitingReads = async () => (await backends(owner, 'coaching')).filter((b) => b.wait_event_type === 'Lock').length;
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE engagements IN ACCESS EXCLUSIVE MODE');
      const cancelled = await authenticated();
      cancelled.subscribe('c', EVENTS, { id: engagementId });
      await waitFor('the first set-up read to wait', async () => (await waitingReads()) >= 1);
      cancelled.send({ type: 'complete', id: 'c' });
      const dropped = await authenticated();
      dropped.subscribe('d', EVENTS, { id: engagementId });
      await waitFor('the second set-up read to wait', async () => (await waitingReads()) >= 2);
      dropped.close();
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
    await stillServing();
    // every connection of the pool serves again: POOL_SIZE requests at once
    const answers = await Promise.all(Array.from({ length: POOL_SIZE }, () => api.gql<any>(Q.engagement, { id: engagementId }, cast.coach)));
    for (const a of answers) expect(ok(a).engagement.id).toBe(engagementId);
  });
});

describe('authentication per operation', () => {
  it('the socket is closed (4401 "Token expired") when its token expires; the token then opens no socket', async () => {
    const token = `Bearer ${await api.token(cast.coach, 3)}`;
    const socket = await authenticated(token);
    socket.subscribe('live', EVENTS, { id: engagementId });
    // live: an event logged over HTTP arrives
    await waitFor('the subscription to deliver', async () => {
      if (socket.messages.some((m) => m.id === 'live' && m.type === 'next')) return true;
      ok(await api.gql(M.logJobSearchActivity, { input: { engagementId, channel: 'OTHER', applications: 0, interviews: 0 } }, cast.client));
      return false;
    }, { intervalMs: 100 });
    const closed = await socket.whenClosed();
    expect(closed).toEqual({ code: 4401, reason: 'Token expired' });

    const again = await open();
    await expect(again.init(token)).rejects.toMatchObject({ closed: { code: 4403 } });
    await stillServing();
  });

  it('a token for another practice sees nothing of this one over the socket either', async () => {
    const socket = await authenticated(`Bearer ${await api.token(other.admin)}`);
    socket.subscribe('foreign', EVENTS, { id: engagementId });
    const messages = await socket.outcome('foreign');
    const next = messages.find((m) => m.type === 'next');
    expect(next?.payload.errors[0].extensions).toEqual({ code: 'NOT_FOUND' });
    expect(next?.payload.data ?? null).toBeNull();
  });
});

describe('the response-size ceiling (GRAPHQL_MAX_RESPONSE_BYTES), on both transports', () => {
  it('over HTTP: an answer past it is replaced by a BAD_USER_INPUT responseSize error; a smaller one passes', async () => {
    for (let i = 0; i < 4; i++) {
      ok(await api.gql(M.assignHomework, { input: { engagementId, title: `Long ${i}`, instructions: 'i'.repeat(10_000), dueAt: null } }, cast.coach));
    }
    const big = await api.gql<any>(`query ($id: ID!) { engagement(id: $id) { homework { instructions } } }`, { id: engagementId }, cast.coach);
    expect(big.data).toBeNull();
    expect(big.errors?.[0]?.extensions).toEqual({ code: 'BAD_USER_INPUT', limit: 'responseSize' });
    expect(big.errors?.[0]?.message).toMatch(new RegExp(`the limit is ${MAX_RESPONSE_BYTES}`));
    const small = await api.gql<any>(`query ($id: ID!) { engagement(id: $id) { homework { title } } }`, { id: engagementId }, cast.coach);
    expect(ok(small).engagement.homework.length).toBeGreaterThanOrEqual(5);
  });

  it('over the socket: an event past it arrives as the same error, and the subscription goes on', async () => {
    const socket = await authenticated();
    socket.subscribe('big', subscription('type data'), { id: engagementId });
    await waitFor('the subscription to deliver', async () => {
      if (socket.messages.some((m) => m.id === 'big' && m.type === 'next')) return true;
      ok(await api.gql(M.logJobSearchActivity, { input: { engagementId, channel: 'OTHER', applications: 0, interviews: 0 } }, cast.client));
      return false;
    }, { intervalMs: 100 });
    const seen = socket.messages.length;
    // a draft of 40,000 characters: its DraftSubmitted event is larger than the ceiling
    const fresh = ok(await api.gql<any>(M.assignHomework, { input: { engagementId, title: 'Big draft', instructions: 'Write it all', dueAt: null } }, cast.coach));
    const submit = `mutation ($input: SubmitDraftInput!) { submitDraft(input: $input) { id } }`;
    ok(await api.gql(submit, { input: { homeworkId: fresh.assignHomework.id, content: 'd'.repeat(40_000) } }, cast.client));
    const refused = await waitFor('the oversized event', () =>
      socket.messages.slice(seen).find((m) => m.id === 'big' && m.type === 'next' && m.payload.errors),
    );
    expect(refused.payload.errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT', limit: 'responseSize' });
    ok(await api.gql(M.logJobSearchActivity, { input: { engagementId, channel: 'OTHER', applications: 0, interviews: 0 } }, cast.client));
    await waitFor('the next event, delivered as usual', () =>
      socket.messages.slice(seen).some((m) => m.id === 'big' && m.type === 'next' && m.payload.data?.engagementEvents?.type === 'JobSearchActivityLogged'),
    );
    expect(socket.closed).toBeNull();
    await stillServing();
  });
});

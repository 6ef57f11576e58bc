// Operator tools are the platform operator's, never a practice's: Bull Board (its pages and its
// API, /admin/queues/api/redis/stats included) wants OPERATOR_TOKEN; a practice ADMIN's token —
// as a bearer token or as a Basic password — gets 401 on every route. Anonymous /health/ready
// shows statuses only, not the global event position. (Its own file: the configuration is read
// once per test file.)
import { randomUUID } from 'node:crypto';
import { appRoutes } from '@bull-board/api/dist/routes.js';
import { ReminderClock, REMINDER_QUEUE } from '#reminders';
import { TestApi } from '../support/api.js';
import { testPool } from '../support/db.js';
import { newCast } from '../support/engagements.js';
import { getJson } from '../ops/support.js';

const OPERATOR_TOKEN = `operator-${randomUUID()}-${randomUUID()}`;
const METRICS_TOKEN = `metrics-${randomUUID()}`;
const cast = newCast('operator-tools');
let api: TestApi;
let adminToken: string;
const owner = testPool(1);
// a subscriber's checkpoint, so readiness has a global event position to show (or hide)
const SUBSCRIBER = `op-tools-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  api = await TestApi.start({ OPERATOR_TOKEN, METRICS_TOKEN, QUEUE_PREFIX: `op-tools-${randomUUID().slice(0, 8)}` });
  adminToken = await api.token(cast.admin);
  await owner.query(`INSERT INTO subscription_checkpoints (name, transaction_id, position) VALUES ($1, '1234', 4321)`, [SUBSCRIBER]);
});
afterAll(async () => {
  await owner.query('DELETE FROM subscription_checkpoints WHERE name = $1', [SUBSCRIBER]).catch(() => undefined);
  await owner.end();
  await api?.app.get(ReminderClock).queue.obliterate({ force: true }).catch(() => undefined);
  await api?.close();
});

const basic = (password: string, user = 'admin') => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/** Every route Bull Board serves (pages and API), parameters filled in, plus a static asset. */
function boardRoutes(): { method: string; path: string }[] {
  const fill = (route: string) =>
    route
      .replace(':queueName', REMINDER_QUEUE)
      .replace(':jobId', 'some-job')
      .replace(':queueStatus', 'failed')
      .replace(':schedulerId', 'some-scheduler');
  const pages = (appRoutes.entryPoint.route as string[]).map((route) => ({ method: 'GET', path: fill(route) }));
  const apis = appRoutes.api.flatMap((r) =>
    [r.method].flat().flatMap((method) => [r.route].flat().map((route) => ({ method: method.toUpperCase(), path: fill(route) }))),
  );
  return [...pages, ...apis, { method: 'GET', path: '/static/js/main.js' }];
}

describe('Bull Board', () => {
  const routes = boardRoutes();

  it('covers the board\'s API, Redis stats included', () => {
    expect(routes.map((r) => r.path)).toEqual(expect.arrayContaining(['/api/redis/stats', '/api/queues', `/api/queues/${REMINDER_QUEUE}/obliterate`]));
  });

  it.each([
    ['no credential', () => undefined],
    ['a practice ADMIN bearer token', () => `Bearer ${adminToken}`],
    ['a practice ADMIN token as the Basic password', () => basic(adminToken)],
    ['the metrics token', () => `Bearer ${METRICS_TOKEN}`],
    ['a wrong Basic password', () => basic(`${OPERATOR_TOKEN}x`)],
  ])('refuses %s on every route (401, nothing of the board)', async (_label, header) => {
    const authorization = header();
    for (const { method, path } of routes) {
      const res = await fetch(`${api.url}/admin/queues${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: method === 'GET' ? undefined : '{}',
      });
      const body = await res.text();
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 401 });
      expect(body).not.toMatch(/redis_version|"queues"/);
    }
    // the board's queue is untouched (obliterate, empty and pause were among the routes)
    expect(await api.app.get(ReminderClock).queue.isPaused()).toBe(false);
  });

  it('refuses the case-twisted path too', async () => {
    const res = await fetch(`${api.url}/ADMIN/Queues/api/redis/stats`, { headers: { authorization: `Bearer ${adminToken}` } });
    expect(res.status).toBe(401);
  });

  it('serves the operator, by bearer token or as a browser\'s Basic password', async () => {
    const stats = await getJson(`${api.url}/admin/queues/api/redis/stats`, { authorization: `Bearer ${OPERATOR_TOKEN}` });
    expect(stats.status).toBe(200);
    expect(stats.body).toHaveProperty('version');
    const queues = await getJson(`${api.url}/admin/queues/api/queues`, { authorization: basic(OPERATOR_TOKEN, 'anyone') });
    expect(queues.status).toBe(200);
    expect(queues.body.queues.map((q: { name: string }) => q.name)).toEqual([REMINDER_QUEUE]);
    const page = await fetch(`${api.url}/admin/queues`, { headers: { authorization: basic(OPERATOR_TOKEN) } });
    expect(page.status).toBe(200);
    await page.text();
  });
});

describe('/health/ready', () => {
  const hasDetails = (body: any) => JSON.stringify(body).includes('4321') || JSON.stringify(body).includes(SUBSCRIBER);

  it('tells anyone the status of each check, and no more: no subscriber checkpoint (the global event position), no lag', async () => {
    for (const authorization of [undefined, `Bearer ${adminToken}`]) {
      const { status, body } = await getJson(`${api.url}/health/ready`, authorization ? { authorization } : {});
      expect(status).toBe(200);
      expect(body).toEqual({
        status: 'ok',
        info: { postgres: { status: 'up' }, redis: { status: 'up' }, subscribers: { status: 'up' } },
        error: {},
        details: { postgres: { status: 'up' }, redis: { status: 'up' }, subscribers: { status: 'up' } },
      });
      expect(hasDetails(body)).toBe(false);
    }
  });

  it('gives the operator and the metrics scraper the details', async () => {
    for (const authorization of [`Bearer ${OPERATOR_TOKEN}`, basic(OPERATOR_TOKEN), `Bearer ${METRICS_TOKEN}`]) {
      const { status, body } = await getJson(`${api.url}/health/ready`, { authorization });
      expect(status).toBe(200);
      expect(body.details.subscribers).toMatchObject({ status: 'up', maxLagSeconds: 60 });
      expect(body.details.subscribers[SUBSCRIBER]).toMatchObject({ checkpoint: { transactionId: '1234', position: 4321 } });
      expect(hasDetails(body)).toBe(true);
    }
  });
});

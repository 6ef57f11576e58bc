// Production with no operator credential and no metrics token: the queue dashboard is not
// there at all (404, whoever asks), /metrics is off on the public port of the API and of the
// worker (404), and readiness shows statuses only. (Its own file: production configuration.)
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { REMINDER_QUEUE } from '#reminders';
import { TestApi } from '../support/api.js';
import { newCast } from '../support/engagements.js';
import { TestWorker } from '../support/worker.js';
import { getJson } from '../ops/support.js';
import { TEST_SECRETS_KEYS } from '../support/env.js';

const cast = newCast('operator-prod');
const QUEUE_PREFIX = `op-prod-${randomUUID().slice(0, 8)}`;
const env = { NODE_ENV: 'production', SECRETS_KEYS: TEST_SECRETS_KEYS, QUEUE_PREFIX };
let api: TestApi;
let worker: TestWorker;
let workerUrl: string;

beforeAll(async () => {
  api = await TestApi.start(env);
  worker = await TestWorker.start(env);
  const address = (worker.app as unknown as { getHttpServer(): { address(): { port: number } } }).getHttpServer().address();
  workerUrl = `http://127.0.0.1:${address.port}`;
});
afterAll(async () => {
  await worker?.close();
  await api?.close();
  const queue = new Queue(REMINDER_QUEUE, { connection: { url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' }, prefix: QUEUE_PREFIX });
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
});

it('has no queue dashboard: 404 on its pages and its API, even for a practice ADMIN', async () => {
  const authorization = `Bearer ${await api.token(cast.admin)}`;
  for (const path of ['/admin/queues', '/admin/queues/api/queues', '/admin/queues/api/redis/stats', `/admin/queues/queue/${REMINDER_QUEUE}`]) {
    for (const headers of [{}, { authorization }] as Record<string, string>[]) {
      const res = await fetch(`${api.url}${path}`, { headers });
      expect({ path, status: res.status }).toEqual({ path, status: 404 });
      expect(await res.text()).not.toMatch(/redis_version|bull/i);
    }
  }
});

it('serves no /metrics on the public port of the API or the worker', async () => {
  for (const url of [api.url, workerUrl]) {
    const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${await api.token(cast.admin)}` } });
    expect({ url, status: res.status }).toEqual({ url, status: 404 });
    expect(await res.text()).not.toContain('# TYPE');
  }
});

it('tells anonymous probes each check\'s status and nothing else, on the API and the worker', async () => {
  for (const url of [api.url, workerUrl]) {
    const { body } = await getJson(`${url}/health/ready`);
    expect(Object.keys(body.details).sort()).toEqual(['postgres', 'redis', 'subscribers']);
    for (const check of Object.values(body.details)) expect(Object.keys(check as object)).toEqual(['status']);
  }
});

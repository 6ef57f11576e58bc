import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type pg from 'pg';
import { PostgresEventStore, type EventMetadata } from '#event-store';
import { configFrom, parseConfig, TokenService } from '#platform';
import { freePort, startApp, type Service } from './processes.js';
import { percentile, record } from './support.js';

const PRACTICE = 'bench-event-webhooks';

/**
 * Event webhooks (issue 12): `events` committed events of one practice fanned
 * out to 3 subscriptions (one local receiver, three paths), through the
 * worker's checkpointed fan-out and its dispatcher. Throughput: deliveries
 * per second from the first append to the last receipt; lag: receipt − the
 * event's commit time, per delivery.
 */
export async function benchEventWebhooks(pool: pg.Pool, env: Record<string, string>, opts: { events: number }): Promise<void> {
  const received = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string; event: { occurredAt: string } };
      const key = `${req.url} ${body.id}`;
      if (!received.has(key)) received.set(key, Date.now() - new Date(body.event.occurredAt).getTime());
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const receiver = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const benchEnv = { ...env, EVENT_WEBHOOK_POLL_MS: '50' };
  const api = await startApp('api', benchEnv, await freePort());
  let worker: Service | null = null;
  try {
    const tokens = new TokenService(configFrom(parseConfig({ ...process.env, ...benchEnv })));
    const admin = await tokens.issue({ practiceId: PRACTICE, role: 'ADMIN', sub: 'admin-bench', expiresIn: 3600 });
    for (const path of ['/crm', '/warehouse', '/audit']) {
      const r = await fetch(`${api.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
        body: JSON.stringify({
          query: 'mutation ($i: CreateWebhookSubscriptionInput!) { createWebhookSubscription(input: $i) { id } }',
          variables: { i: { url: `${receiver}${path}`, secret: 'bench-secret-0123456789abcdef' } },
        }),
      });
      const body = (await r.json()) as { errors?: unknown };
      if (body.errors) throw new Error(JSON.stringify(body.errors));
    }
    worker = await startApp('worker', benchEnv);
    const store = new PostgresEventStore(pool);
    const meta = (): EventMetadata => ({
      actorId: 'bench',
      actorRole: 'SYSTEM',
      practiceId: PRACTICE,
      correlationId: randomUUID(),
      causationId: randomUUID(),
      occurredAt: new Date().toISOString(),
    });
    const streams = 100;
    const perAppend = 10;
    const started = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let n = next++; n * perAppend < opts.events; n = next++) {
          const stream = `bench-hook-${started}-${n % streams}`;
          const version = Math.floor(n / streams) * perAppend;
          const events = Array.from({ length: perAppend }, (_, i) => ({ type: 'BenchTick', data: { n: n * perAppend + i }, metadata: meta() }));
          await store.append(stream, events, { expectedVersion: version });
        }
      }),
    );
    const expected = opts.events * 3;
    const deadline = Date.now() + 300_000;
    while (received.size < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const seconds = (Date.now() - started) / 1000;
    const lags = [...received.values()].sort((a, b) => a - b);
    record({
      section: 'event-webhooks',
      name: `${opts.events.toLocaleString('en-US')} events × 3 subscriptions delivered`,
      value: received.size / seconds,
      unit: 'deliveries/s',
      extra: `lag p50 ${percentile(lags, 50).toFixed(0)} ms, p99 ${percentile(lags, 99).toFixed(0)} ms; ${received.size} of ${expected} received in ${seconds.toFixed(1)} s`,
    });
  } finally {
    await worker?.stop();
    await api.stop();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

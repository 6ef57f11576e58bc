import { Injectable, Module, type INestApplication, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import pg from 'pg';
import { partitionOf, type StoredEvent, type Subscriber } from '#event-store';
import { ConfigModule, DatabaseModule, MetricsController, MetricsModule, SubscriptionHost, SubscriptionsModule } from '#platform';
import { migrateTestDatabase, pgPool, TEST_DATABASE_URL } from '../support/db.js';
import { setTestEnv, testEventStore } from '../support/env.js';
import { uniqueId } from '../support/ids.js';
import { waitFor } from '../support/wait.js';
import { event } from '../event-store/fixtures.js';

// A subscriber whose batches keep failing shows as more than lag: the platform's subscription host
// (K = 8 partitions, as the worker runs them) on real PostgreSQL, with a subscriber whose handler
// throws on a poisoned event. /metrics counts the failed batches of that subscriber's partition and
// says it is failing; the host's log has one ERROR (subscriber, partition, position, message, no
// stack); once the handler stops throwing the gauge is back to 0 and an INFO says it recovered.

const NAME = uniqueId('poison-sub');
const PRACTICE = uniqueId('poison-practice');
const STREAM = uniqueId('poison-stream');
let poisoned = true;
const applied: StoredEvent[] = [];

@Injectable()
class PoisonedSubscriber implements Subscriber {
  readonly name = NAME;
  async handle(events: StoredEvent[]): Promise<void> {
    const mine = events.filter((e) => e.streamId === STREAM);
    if (poisoned && mine.some((e) => e.type === 'Test.Poison')) throw new Error('Test.Poison cannot be applied');
    applied.push(...mine);
  }
}

@Module({ providers: [PoisonedSubscriber], exports: [PoisonedSubscriber] })
class PoisonedModule {}

/** A worker of one subscriber, as the worker app wires it (built after the test environment is set: ConfigModule reads it). */
function poisonedWorkerModule() {
  @Module({
    imports: [
      ConfigModule.forRoot(),
      DatabaseModule,
      MetricsModule,
      SubscriptionsModule.forRoot({ imports: [PoisonedModule], subscribers: [PoisonedSubscriber] }),
    ],
    controllers: [MetricsController],
  })
  class PoisonedWorkerModule {}
  return PoisonedWorkerModule;
}

/** Every line the app logs, with its level and context. */
const lines: { level: string; context: string; message: string; extra: unknown[] }[] = [];
const capture = (level: string) => (message: unknown, ...rest: unknown[]) => {
  const context = typeof rest.at(-1) === 'string' ? (rest.pop() as string) : '';
  lines.push({ level, context, message: String(message), extra: rest });
};
const logger: LoggerService = { log: capture('INFO'), warn: capture('WARN'), error: capture('ERROR'), debug: capture('DEBUG'), verbose: capture('VERBOSE') };

let owner: pg.Pool;
let app: INestApplication;
let url: string;

beforeAll(async () => {
  setTestEnv();
  await migrateTestDatabase();
  owner = pgPool(TEST_DATABASE_URL, 2);
  // start at the end of the log: earlier files' events are not this subscriber's business
  await owner.query(
    `INSERT INTO subscription_checkpoints (name, transaction_id, position)
     SELECT $1, coalesce(max(transaction_id::text::numeric), 0)::text::xid8, coalesce(max(position), 0) FROM events`,
    [NAME],
  );
  app = await NestFactory.create(poisonedWorkerModule(), { logger, abortOnError: false });
  await app.listen(0, '127.0.0.1');
  url = `${await app.getUrl()}/metrics`.replace('[::1]', '127.0.0.1');
});
afterAll(async () => {
  await app?.close();
  await owner?.query(`DELETE FROM subscription_checkpoints WHERE name = $1 OR name LIKE $1 || '#%'`, [NAME]);
  await owner?.end();
});

async function metric(name: string, partition: number): Promise<number | null> {
  const text = await (await fetch(url)).text();
  const m = text.match(new RegExp(`^${name}\\{subscriber="${NAME}",partition="${partition}"\\} (\\S+)$`, 'm'));
  return m ? Number(m[1]) : null;
}

it('counts the failing batches of the poisoned partition, says it is failing, logs one ERROR, and recovers to 0 with an INFO', async () => {
  const host = app.get(SubscriptionHost);
  await waitFor('the subscriber running here', () => host.runner(NAME)?.status().owned.length === 8);
  const part = partitionOf(PRACTICE, 8);
  const store = testEventStore(owner);
  await store.append(STREAM, [event('Test.Poison', { n: 1 }, PRACTICE)], { expectedVersion: 'no_stream' });

  await waitFor('two failed batches on /metrics', async () => ((await metric('coaching_subscriber_batch_failures_total', part)) ?? 0) >= 2, { timeoutMs: 20_000 });
  expect(await metric('coaching_subscriber_failing', part)).toBe(1);
  expect(host.runner(NAME)!.status().failing).toEqual([expect.objectContaining({ partition: part, error: 'Test.Poison cannot be applied' })]);
  const mine = () => lines.filter((l) => l.message.includes(`subscriber ${NAME} `));
  const errors = mine().filter((l) => l.level === 'ERROR');
  expect(errors).toHaveLength(1);
  expect(errors[0]!.context).toBe('SubscriptionHost');
  expect(errors[0]!.message).toMatch(new RegExp(`^subscriber ${NAME} partition ${part}/8 at \\(\\d+, \\d+\\): batch failed: Test.Poison cannot be applied; retrying in \\d+ ms$`));
  // a message for operators: no stack, nothing else passed along
  expect(errors[0]!.extra).toEqual([]);
  expect(applied).toEqual([]);

  poisoned = false;
  await waitFor('the gauge back to 0', async () => (await metric('coaching_subscriber_failing', part)) === 0, { timeoutMs: 20_000 });
  expect(applied.map((e) => e.type)).toEqual(['Test.Poison']);
  const failures = (await metric('coaching_subscriber_batch_failures_total', part))!;
  expect(failures).toBeGreaterThanOrEqual(2);
  expect(mine().filter((l) => l.level === 'ERROR')).toHaveLength(1);
  expect(mine().at(-1)).toMatchObject({ level: 'INFO', message: expect.stringContaining(`partition ${part}/8: recovered at (`) });
  expect(mine().at(-1)!.message).toContain(`after ${failures} failed batch(es)`);
  expect(host.runner(NAME)!.status()).toMatchObject({ failing: [], consecutiveFailures: 0, lastError: null });
  // no other partition of it ever failed
  for (let p = 0; p < 8; p++) if (p !== part) expect(await metric('coaching_subscriber_failing', p)).toBeNull();
});

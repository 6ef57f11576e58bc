import type pg from 'pg';
import { TestApi } from './api.js';
import { testPool } from './db.js';
import { EventLog } from './engagements.js';
import { TestWorker } from './worker.js';

export interface E2eOptions {
  /** variables for this file's apps (see TestApi.start); QUEUE_PREFIX/RATE_LIMIT_PREFIX go under the run's prefix */
  env?: Record<string, string>;
  /** also an in-process worker (subscribers, reminder jobs) with the same environment */
  worker?: boolean;
  /** connections of the owner's pool for the test's own look at the database (0: none) */
  pool?: number;
}

/** What an e2e spec works with; each is there from its beforeAll on. */
export interface E2e {
  readonly api: TestApi;
  readonly worker: TestWorker;
  /** the schema owner's pool (bypasses row-level security) */
  readonly pool: pg.Pool;
  /** the event log as stored, read through `pool` */
  readonly log: EventLog;
}

/**
 * The one way an e2e spec boots its services: registers the file's beforeAll (the API, optionally
 * a worker, a small owner's pool) and afterAll (everything closed in reverse order, whatever
 * failed half-way), and returns their handles:
 *
 *   const the = e2e({ pool: 2 });
 *   it('…', async () => { await the.api.gql(…); await the.log.types(id); });
 */
export function e2e(options: E2eOptions = {}): E2e {
  const env = options.env ?? {};
  let api: TestApi | undefined;
  let worker: TestWorker | undefined;
  let pool: pg.Pool | undefined;
  let log: EventLog | undefined;
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`e2e(): no ${what} (not asked for, or beforeAll failed)`);
    return value;
  };

  beforeAll(async () => {
    api = await TestApi.start(env);
    if (options.worker) worker = await TestWorker.start(env);
    if ((options.pool ?? 2) > 0) {
      pool = testPool(options.pool ?? 2);
      log = new EventLog(pool);
    }
  });
  afterAll(async () => {
    await worker?.close();
    await pool?.end();
    await api?.close();
  });

  return {
    get api() {
      return need(api, 'API');
    },
    get worker() {
      return need(worker, 'worker (e2e({ worker: true }))');
    },
    get pool() {
      return need(pool, 'pool');
    },
    get log() {
      return need(log, 'event log');
    },
  };
}

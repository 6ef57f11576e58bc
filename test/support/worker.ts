import type { INestApplicationContext } from '@nestjs/common';
import { migrateTestDatabase } from './db.js';
import { setTestEnv } from './env.js';

/** A real worker (event subscribers, reminder scheduler, BullMQ processor) in this process. */
export class TestWorker {
  private constructor(readonly app: INestApplicationContext) {}

  static async start(env: Record<string, string> = {}): Promise<TestWorker> {
    setTestEnv(env);
    await migrateTestDatabase();
    const { startWorker } = await import('../../apps/worker/src/bootstrap.js');
    return new TestWorker(await startWorker());
  }

  get<T>(token: abstract new (...args: never[]) => T): T {
    return this.app.get(token as never);
  }

  /** Graceful stop: active jobs finish, subscribers release their locks. */
  async close(): Promise<void> {
    await this.app.close();
  }
}

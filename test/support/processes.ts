import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TEST_APP_DATABASE_URL, TEST_APP_POOLED_URL, TEST_DATABASE_URL } from './db.js';
import { TEST_JWT_SECRET } from './env.js';
import { scopeRedisPrefixes } from './redis.js';
import { waitFor } from './wait.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

// a test that fails, times out or is interrupted must not leave processes running (they would keep
// taking subscribers and jobs from the next run): every child the tests start is tracked here; the
// test environment (test/support/environment.cjs) kills those still running when the file is over,
// whatever happened, and so does the test process on its exit or interruption
const live: Set<ChildProcess> = ((globalThis as { __coachingChildren?: Set<ChildProcess> }).__coachingChildren ??= new Set());

/** Tracks a child process until it exits (any spawn of the tests goes through here). */
export function track<T extends ChildProcess>(child: T): T {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** SIGKILLs every tracked child still running; resolves when all have exited. */
export async function killAllChildren(): Promise<number> {
  const running = [...live].filter((c) => c.exitCode === null && c.signalCode === null);
  await Promise.all(
    running.map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          if (!child.kill('SIGKILL')) resolve();
        }),
    ),
  );
  return running.length;
}

const killNow = () => {
  for (const child of live) child.kill('SIGKILL');
};
process.once('exit', killNow);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    killNow();
    process.kill(process.pid, signal);
  });
}

/** An app of the compiled build (dist/) running as a real child process, as in production. */
export class AppProcess {
  private child: ChildProcess | null = null;
  exits: { code: number | null; signal: NodeJS.Signals | null }[] = [];
  output = '';

  constructor(
    readonly app: 'api' | 'worker',
    readonly env: Record<string, string>,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<this> {
    const child = spawn(process.execPath, [`dist/apps/${this.app}/src/main.js`], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        DATABASE_URL: TEST_APP_POOLED_URL,
        DATABASE_DIRECT_URL: this.env.DATABASE_URL ?? TEST_APP_DATABASE_URL,
        DATABASE_OWNER_URL: TEST_DATABASE_URL,
        JWT_SECRET: TEST_JWT_SECRET,
        REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
        LOG_LEVEL: 'warn',
        SUBSCRIPTION_POLL_MS: '100',
        SUBSCRIPTION_TAKEOVER_MS: '500',
        WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
        // a worker's health/metrics port: any free one, so several workers can run at once (set it to reach them)
        WORKER_HTTP_PORT: '0',
        ...this.env,
        ...scopeRedisPrefixes(this.env),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (b: Buffer) => {
      this.output = (this.output + b.toString()).slice(-20_000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    track(child);
    child.on('exit', (code, signal) => {
      this.exits.push({ code, signal });
    });
    this.child = child;
    if (this.app === 'api') {
      await waitFor(`the api on port ${this.env.PORT}`, async () => {
        if (child.exitCode !== null) throw new Error(`api exited (${child.exitCode}): ${this.output}`);
        const r = await fetch(`http://127.0.0.1:${this.env.PORT}/health/live`).catch(() => null);
        return r?.ok ?? false;
      // a ceiling, not a measurement: a start on a busy 2-core machine took over 30 s (an exit fails at once)
      }, { timeoutMs: 120_000, intervalMs: 100 });
    }
    return this;
  }

  /** Sends `signal`; resolves when the process has exited. */
  async kill(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }

  /** SIGTERM, as an orchestrator stops it; a process still running after `graceMs` is killed and the stop fails. */
  async stop(graceMs = 20_000): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    let timer: NodeJS.Timeout | undefined;
    const overdue = new Promise<'overdue'>((resolve) => (timer = setTimeout(() => resolve('overdue'), graceMs)));
    const outcome = await Promise.race([this.kill('SIGTERM').then(() => 'exited' as const), overdue]);
    clearTimeout(timer);
    if (outcome === 'overdue') {
      await this.kill('SIGKILL');
      throw new Error(`${this.app} did not exit within ${graceMs} ms of SIGTERM:\n${this.output.slice(-3000)}`);
    }
  }
}

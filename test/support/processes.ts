import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { TEST_APP_DATABASE_URL, TEST_APP_POOLED_URL, TEST_DATABASE_URL } from './db.js';
import { TEST_JWT_SECRET } from './env.js';
import { waitFor } from './wait.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

// a test that times out or a run that is interrupted must not leave apps running (they would
// keep taking subscribers and jobs from the next run)
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

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
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (b: Buffer) => {
      this.output = (this.output + b.toString()).slice(-20_000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    live.add(child);
    child.on('exit', (code, signal) => {
      live.delete(child);
      this.exits.push({ code, signal });
    });
    this.child = child;
    if (this.app === 'api') {
      await waitFor(`the api on port ${this.env.PORT}`, async () => {
        if (child.exitCode !== null) throw new Error(`api exited (${child.exitCode}): ${this.output}`);
        const r = await fetch(`http://127.0.0.1:${this.env.PORT}/health/live`).catch(() => null);
        return r?.ok ?? false;
      }, { timeoutMs: 30_000, intervalMs: 100 });
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

// What an API or worker process holds in memory besides its work (issue 15: an API under load
// < 250 MB). Two levers, each checked on the compiled apps in a child process:
// - what the apps load at start: no migration tool (TypeORM runs `migrate` only), no development
//   log formatter in production, no mail or HTTP client before a first email or webhook, no queue
//   dashboard before an operator opens it;
// - HEAP_GROWING_PERCENT reaching V8, from the apps' first full collection on: the factor V8 prints
//   after each one; and PARALLEL_SCAVENGE (off): no scavenge's time on helper threads.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildOnce } from '../support/build.js';
import { track } from '../support/processes.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Runs `node <args>` from the repository root until it exits; its output and exit code. */
function node(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = track(spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] }));
    let output = '';
    child.stdout!.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('what an API or worker process holds', () => {
  const dir = mkdtempSync(join(tmpdir(), 'footprint-'));
  beforeAll(() => buildOnce());
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** every module URL the app's module graph loads (imported, not started), as production runs it */
  async function modulesOf(app: 'api' | 'worker'): Promise<string[]> {
    const list = join(dir, `${app}.txt`);
    const hook = join(dir, 'record.mjs');
    writeFileSync(
      hook,
      `import { registerHooks } from 'node:module';
import { appendFileSync } from 'node:fs';
registerHooks({ load(url, context, next) { appendFileSync(${JSON.stringify(list)}, url + '\\n'); return next(url, context); } });`,
    );
    const entry = `./dist/apps/${app}/src/${app === 'api' ? 'api' : 'worker'}.module.js`;
    const result = await node(['--import', hook, '--input-type=module', '-e', `import 'reflect-metadata'; await import(${JSON.stringify(entry)});`], {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://coaching_app@127.0.0.1:1/none',
      JWT_SECRET: randomBytes(32).toString('hex'),
      SECRETS_KEYS: `test:${randomBytes(32).toString('base64')}`,
    });
    expect(result).toEqual({ code: 0, output: '' });
    return readFileSync(list, 'utf8').split('\n').filter(Boolean);
  }

  const packageOf = (url: string) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];

  it.each(['api', 'worker'] as const)('the %s loads no migration tool, no development log formatter, no mail or HTTP client, no queue dashboard at start', async (app) => {
    const packages = new Set((await modulesOf(app)).map(packageOf).filter(Boolean));
    // the recording saw the graph: the pool's driver and Nest are in it
    expect([...packages]).toEqual(expect.arrayContaining(['pg', '@nestjs/core', 'bullmq']));
    expect([...packages].filter((p) => ['typeorm', '@nestjs/typeorm', 'pino-pretty', 'nodemailer', 'undici', '@bull-board/api', '@bull-board/express'].includes(p!))).toEqual([]);
  });

  it('HEAP_GROWING_PERCENT sets the factor V8 grows the old generation by after each full collection', async () => {
    const script = join(dir, 'growth.mjs');
    writeFileSync(
      script,
      `import { applyHeapGrowth } from ${JSON.stringify(join(ROOT, 'dist/libs/platform/src/config/heap-growth.js'))};
applyHeapGrowth(Number(process.env.PERCENT));
const kept = Array.from({ length: 50_000 }, (_, i) => ({ i, s: 'x' + i }));
globalThis.gc(); globalThis.gc();
if (kept.length !== 50_000) process.exit(2);`,
    );
    const factors = async (percent: string) => {
      const { code, output } = await node(['--expose-gc', '--trace-gc-verbose', script], { PERCENT: percent });
      expect(code).toBe(0);
      return [...new Set([...output.matchAll(/factor (\d+\.\d+) based on/g)].map((m) => m[1]))];
    };
    expect(await factors('100')).toEqual(['2.0']);
    expect(await factors('50')).toEqual(['1.5']);
  });

  /** Starts the compiled app with Node `flags`: its modules load, then the start-up check finds no PostgreSQL (port 1) and it exits 1. */
  async function startWithoutPostgres(app: 'api' | 'worker', flags: string[], env: Record<string, string> = {}): Promise<string> {
    const { code, output } = await node([...flags, `dist/apps/${app}/src/main.js`], {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://coaching_app@127.0.0.1:1/none',
      REDIS_URL: 'redis://127.0.0.1:1',
      JWT_SECRET: randomBytes(32).toString('hex'),
      SECRETS_KEYS: `test:${randomBytes(32).toString('base64')}`,
      ...env,
    });
    expect(code).toBe(1);
    expect(output).toContain('PostgreSQL');
    return output;
  }

  // the full collections while an app's modules load set the limit the heap reaches before the next one:
  // at V8's own factor (4.0 on this host) the first seconds under load peaked 20–40 MB higher
  it.each(['api', 'worker'] as const)('the %s grows its heap by HEAP_GROWING_PERCENT from its first full collection on', async (app) => {
    const factors = async (percent?: string) => {
      const output = await startWithoutPostgres(app, ['--trace-gc-verbose'], percent === undefined ? {} : { HEAP_GROWING_PERCENT: percent });
      const printed = [...output.matchAll(/factor (\d+\.\d+) based on/g)].map((m) => m[1]);
      // loading the modules took full collections (else this would check nothing)
      expect(printed.length).toBeGreaterThan(0);
      return [...new Set(printed)];
    };
    expect(await factors()).toEqual(['2.0']);
    expect(await factors('50')).toEqual(['1.5']);
  });

  // with the young generation at 4 MB semi-spaces, handing each scavenge to helper threads cost the API
  // ~6 % more CPU per command on two cores (bench/REPORT.md, 2026-12-03 17:40)
  it.each(['api', 'worker'] as const)('the %s collects its young generation on the main thread unless PARALLEL_SCAVENGE=on', async (app) => {
    // V8 prints each scavenge's time on helper threads (--trace-gc-nvp: background.scavenge.parallel=ms)
    const helperTimes = async (env: Record<string, string>) => {
      const output = await startWithoutPostgres(app, ['--max-semi-space-size=4', '--trace-gc-nvp'], env);
      const times = [...output.matchAll(/gc=s .*?background\.scavenge\.parallel=(\d+\.\d+)/g)].map((m) => Number(m[1]));
      // loading the modules took scavenges (else this would check nothing)
      expect(times.length).toBeGreaterThan(2);
      return times;
    };
    const parked = await helperTimes({});
    // the first scavenge may come before the entry's first line runs; every one after it is the main thread's alone
    expect(parked.slice(1).filter((ms) => ms > 0)).toEqual([]);
    if (availableParallelism() > 1) expect(Math.max(...(await helperTimes({ PARALLEL_SCAVENGE: 'on' })))).toBeGreaterThan(0);
  });
});

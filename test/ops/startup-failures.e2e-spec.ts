// What a user sees when the service cannot start: the compiled apps and commands, run as child
// processes the way the npm scripts run them (scripts/run-dist.mjs), against a port nobody listens
// on. Each prints one line per problem — naming the variable, the address tried (never a password)
// and what to do — and exits 1; a configuration mistake lists every problem at once before anything
// runs; every command answers --help; a command before a build says to build first.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildOnce } from '../support/build.js';
import { TEST_APP_DATABASE_URL, TEST_DATABASE_URL } from '../support/db.js';
import { TEST_JWT_SECRET } from '../support/env.js';
import { track } from '../support/processes.js';
import { runScopedPrefix } from '../support/redis.js';
import { freePort } from './support.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Run {
  code: number | null;
  lines: string[];
  output: string;
}

/** Runs `node scripts/run-dist.mjs <file> args` (what `npm run …` runs) until it exits. */
function run(file: string, args: string[], env: Record<string, string>, cwd = ROOT): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = track(
      spawn(process.execPath, ['scripts/run-dist.mjs', file, ...args], {
        cwd,
        env: {
          PATH: process.env.PATH ?? '',
          NODE_ENV: 'development',
          QUEUE_PREFIX: runScopedPrefix('q', 'startup-failures'),
          RATE_LIMIT_PREFIX: runScopedPrefix('rl', 'startup-failures'),
          PORT: '0',
          WORKER_HTTP_PORT: '0',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    let output = '';
    child.stdout!.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, output, lines: output.split('\n').filter((l) => l.trim() !== '') }));
  });
}

const API = 'dist/apps/api/src/main.js';
const WORKER = 'dist/apps/worker/src/main.js';
const CLI = 'dist/apps/cli/src/main.js';

let deadPort: number;
/** The test database with a password and a port nobody listens on. */
let deadPostgres: (url: string) => string;
const healthy = () => ({ DATABASE_URL: TEST_APP_DATABASE_URL, DATABASE_OWNER_URL: TEST_DATABASE_URL, REDIS_URL, JWT_SECRET: TEST_JWT_SECRET });

beforeAll(async () => {
  buildOnce();
  deadPort = await freePort();
  deadPostgres = (url) => Object.assign(new URL(url), { port: String(deadPort), password: 'hunter2-secret' }).toString();
});

describe('an unreachable Redis', () => {
  for (const [name, file, args] of [
    ['start:api', API, []],
    ['start:worker', WORKER, []],
    ['start (npm start)', CLI, ['start']],
  ] as const) {
    it(`${name}: one line naming REDIS_URL, the address and what to do, exit 1`, async () => {
      const result = await run(file, [...args], { ...healthy(), REDIS_URL: `redis://:hunter2-secret@127.0.0.1:${deadPort}` });
      expect(result.code).toBe(1);
      const problems = result.lines.filter((l) => /FATAL/.test(l));
      expect(problems).toEqual([
        expect.stringContaining(`Redis is unreachable at 127.0.0.1:${deadPort} (REDIS_URL): connection refused — start Redis or set REDIS_URL`),
      ]);
      expect(result.output).not.toContain('hunter2-secret');
    });
  }
});

describe('an unreachable PostgreSQL', () => {
  it('start:api: one line naming DATABASE_URL, the address (no password) and what to do, exit 1', async () => {
    const result = await run(API, [], { ...healthy(), DATABASE_URL: deadPostgres(TEST_APP_DATABASE_URL) });
    expect(result.code).toBe(1);
    const db = new URL(TEST_APP_DATABASE_URL).pathname;
    expect(result.lines).toEqual([
      expect.stringContaining(`PostgreSQL is unreachable at 127.0.0.1:${deadPort}${db} (DATABASE_URL): connection refused — start PostgreSQL or set DATABASE_URL`),
    ]);
    expect(result.output).not.toContain('hunter2-secret');
  });

  it('start:worker: the same line, exit 1', async () => {
    const result = await run(WORKER, [], { ...healthy(), DATABASE_URL: deadPostgres(TEST_APP_DATABASE_URL) });
    expect(result.code).toBe(1);
    expect(result.lines).toEqual([expect.stringContaining(`PostgreSQL is unreachable at 127.0.0.1:${deadPort}`)]);
    expect(result.lines[0]).toContain('(DATABASE_URL)');
  });

  for (const [name, args] of [
    ['migrate', ['migrate']],
    ['seed-demo', ['seed-demo']],
  ] as const) {
    it(`${name}: one line naming DATABASE_OWNER_URL (the schema owner), exit 1`, async () => {
      const result = await run(CLI, [...args], { ...healthy(), DATABASE_OWNER_URL: deadPostgres(TEST_DATABASE_URL) });
      expect(result.code).toBe(1);
      expect(result.lines).toEqual([
        expect.stringContaining(`PostgreSQL is unreachable at 127.0.0.1:${deadPort}/`),
      ]);
      expect(result.lines[0]).toContain('(DATABASE_OWNER_URL): connection refused — start PostgreSQL or set DATABASE_OWNER_URL');
      expect(result.output).not.toContain('hunter2-secret');
    });
  }

  it('start with PostgreSQL and Redis both down: both lines at once, exit 1', async () => {
    const result = await run(CLI, ['start'], {
      ...healthy(),
      DATABASE_OWNER_URL: deadPostgres(TEST_DATABASE_URL),
      REDIS_URL: `redis://127.0.0.1:${deadPort}`,
    });
    expect(result.code).toBe(1);
    expect(result.lines).toEqual([
      expect.stringContaining('(DATABASE_OWNER_URL): connection refused'),
      expect.stringContaining('(REDIS_URL): connection refused'),
    ]);
  });
});

describe('configuration, checked whole before anything runs', () => {
  it('production without its secrets: every problem listed at once, in JSON with ISO times, exit 1', async () => {
    const result = await run(API, [], { NODE_ENV: 'production', PORT: 'eighty', REDIS_URL });
    expect(result.code).toBe(1);
    const entries = result.lines.map((l) => JSON.parse(l) as { level: number; time: string; msg: string });
    expect(entries.map((e) => e.msg)).toEqual([
      'configuration: PORT: Invalid input: expected number, received NaN',
      'configuration: DATABASE_URL is required but not set',
      'configuration: JWT_SECRET is required but not set',
      expect.stringMatching(/^configuration: SECRETS_KEYS is required in production/),
      'start-up stopped: 4 configuration problem(s) above (see README, Configuration)',
    ]);
    for (const e of entries) {
      expect(e.level).toBe(60);
      expect(e.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
  });

  it('migrate in production without DATABASE_OWNER_URL: named before any connection, with the rest', async () => {
    const result = await run(CLI, ['migrate'], {
      NODE_ENV: 'production',
      DATABASE_URL: deadPostgres(TEST_APP_DATABASE_URL),
      JWT_SECRET: TEST_JWT_SECRET,
      SECRETS_KEYS: 'k1:not-a-key',
    });
    expect(result.code).toBe(1);
    const messages = result.lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(messages).toEqual([
      expect.stringMatching(/^configuration: SECRETS_KEYS: must be "id:<base64 of 32 bytes>/),
      expect.stringMatching(/^configuration: DATABASE_OWNER_URL is required to create the database and run migrations/),
      'start-up stopped: 2 configuration problem(s) above (see README, Configuration)',
    ]);
  });
});

describe('the command line', () => {
  const COMMANDS = ['start', 'migrate', 'token', 'seed-demo', 'rebuild-projection', 'reconcile-reminders', 'replay-webhooks'];

  it.each(COMMANDS)('%s --help prints its usage and exits 0 without touching anything', async (command) => {
    // no service is reachable: --help must not need one
    const result = await run(CLI, [command, '--help'], { DATABASE_OWNER_URL: deadPostgres(TEST_DATABASE_URL), REDIS_URL: `redis://127.0.0.1:${deadPort}` });
    expect(result.code).toBe(0);
    expect(result.lines[0]).toMatch(new RegExp(`^Usage: npm run cli -- ${command}\\b`));
  });

  it('token --help names its options (it used to say "Unknown option")', async () => {
    const result = await run(CLI, ['token', '--help'], {});
    expect(result.output).toContain('--practice P --role ADMIN|COACH|CLIENT --sub ID');
    expect(result.output).not.toContain('Unknown option');
  });

  it('an unknown option: the message and the usage of the command, exit 2', async () => {
    const result = await run(CLI, ['token', '--bogus'], {});
    expect(result.code).toBe(2);
    expect(result.lines[0]).toBe("Unknown option '--bogus'");
    expect(result.output).toContain('Usage: npm run cli -- token');
  });

  it('seed-demo before a build says to build first (no MODULE_NOT_FOUND trace), exit 1', async () => {
    // a checkout with the launcher and no dist/ beside it
    const fresh = mkdtempSync(join(tmpdir(), 'fresh-checkout-'));
    try {
      mkdirSync(join(fresh, 'scripts'));
      copyFileSync(join(ROOT, 'scripts/run-dist.mjs'), join(fresh, 'scripts/run-dist.mjs'));
      for (const args of [['seed-demo'], ['token', '--help']]) {
        const result = await run(CLI, args, {}, fresh);
        expect(result.code).toBe(1);
        expect(result.lines).toEqual(['dist/apps/cli/src/main.js is not built yet: run "npm run build" first (npm start builds too)']);
      }
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});

describe('the test run itself', () => {
  /** `jest` for one small suite, with the environment of a machine missing a service. */
  function jestRun(env: Record<string, string>): Promise<Run> {
    return new Promise((resolve, reject) => {
      const child = track(
        spawn(
          process.execPath,
          ['--experimental-vm-modules', 'node_modules/jest/bin/jest.js', '--runInBand', '--selectProjects', 'integration', '--testPathPatterns', 'test/api/smoke'],
          { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
        ),
      );
      let output = '';
      child.stdout!.on('data', (b: Buffer) => (output += b.toString()));
      child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
      child.once('error', reject);
      child.once('exit', (code) => resolve({ code, output, lines: output.split('\n').filter((l) => l.trim() !== '') }));
    });
  }

  it('stops at once with one line naming Redis when Redis is missing, and Jest exits', async () => {
    const result = await jestRun({ TEST_DATABASE_URL: process.env.TEST_DATABASE_URL!, REDIS_URL: `redis://127.0.0.1:${deadPort}` });
    expect(result.code).toBe(1);
    expect(result.lines.filter((l) => l.startsWith('tests stopped:'))).toEqual([
      `tests stopped: Redis is unreachable at 127.0.0.1:${deadPort} (REDIS_URL): connection refused — start Redis (or set REDIS_URL) and run the tests again`,
    ]);
    expect(result.output).not.toMatch(/PASS|FAIL|Exceeded timeout/);
  });

  it('stops at once with one line naming PostgreSQL when PostgreSQL is missing', async () => {
    const result = await jestRun({ TEST_DATABASE_URL: deadPostgres(TEST_DATABASE_URL), REDIS_URL });
    expect(result.code).toBe(1);
    expect(result.lines.filter((l) => l.startsWith('tests stopped:'))).toEqual([
      `tests stopped: PostgreSQL is unreachable at 127.0.0.1:${deadPort} (TEST_DATABASE_URL): connection refused — start PostgreSQL (or set TEST_DATABASE_URL) and run the tests again`,
    ]);
    expect(result.output).not.toContain('hunter2-secret');
  });
});

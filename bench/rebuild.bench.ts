import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runMigrations } from '#platform';
import { ALL_MIGRATIONS } from '../apps/cli/src/migrations.js';
import { freshDatabase, record } from './support.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url)); // dist/bench/ -> repo root

/** Runs a command to its end; its output, or a failure with the output. */
function run(command: string, args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${output}`))));
  });
}

/**
 * `rebuild-projection engagement` on a log of `engagements` × 10 synthetic
 * events (test/ops/synthetic-log.sql), in a scratch database of its own: the
 * rate of the first pass (read the log, build the copies), beside the rate at
 * which PostgreSQL itself wrote that log with INSERT … SELECT in the same run.
 */
export async function benchRebuild(ownerUrl: string, appEnv: Record<string, string>, opts: { engagements: number }): Promise<void> {
  const url = new URL(ownerUrl);
  url.pathname = `${url.pathname}_rebuild`;
  const owner = url.toString();
  const app = Object.assign(new URL(owner), { username: 'coaching_app' }).toString();
  await freshDatabase(owner);
  await runMigrations(owner, ALL_MIGRATIONS);

  const generated = performance.now();
  await run('psql', ['-q', '-v', `engagements=${opts.engagements}`, '-f', 'test/ops/synthetic-log.sql', owner], {});
  const generateSeconds = (performance.now() - generated) / 1000;
  const events = opts.engagements * 10;

  const output = await run(process.execPath, ['dist/apps/cli/src/main.js', 'rebuild-projection', 'engagement'], {
    ...appEnv,
    DATABASE_URL: app,
    DATABASE_OWNER_URL: owner,
    LOG_LEVEL: 'warn',
  });
  const rate = /rebuild rate: (\d+) events\/s \((\d+) events in ([\d.]+) s/.exec(output);
  const locked = /live tables locked for (\d+) ms/.exec(output);
  const total = /total ([\d.]+) s/.exec(output);
  if (!rate) throw new Error(`rebuild-projection printed no rate:\n${output}`);
  record({
    section: 'rebuild',
    name: `rebuild-projection engagement, first pass over ${Number(rate[2]).toLocaleString('en-US')} events`,
    value: Number(rate[1]),
    unit: 'events/s',
    reference: { name: 'PostgreSQL writing the same log (INSERT … SELECT, synthetic-log.sql)', value: events / generateSeconds, unit: 'events/s' },
    target: '≥ 50,000 events/s',
    met: Number(rate[1]) >= 50_000,
    extra: `whole rebuild ${total?.[1] ?? '?'} s; live tables locked ${locked?.[1] ?? '?'} ms by the swap`,
  });
  await freshDatabase(owner).catch(() => undefined); // leave no 1M-event database behind (recreated empty)
}

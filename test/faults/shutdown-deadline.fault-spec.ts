import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { track } from '../support/processes.js';
import { waitFor } from '../support/wait.js';

// A shutdown hook that never finishes (a connection that hangs, a job that never
// returns) must not keep a process alive forever after SIGTERM: the apps give it
// SHUTDOWN_TIMEOUT_MS, then say so and exit 1. Checked on the compiled helper the
// apps call, in a process whose own SIGTERM handler never completes.

const STARTUP = fileURLToPath(new URL('../../dist/libs/platform/src/config/startup.js', import.meta.url));

it('exits 1 with a log line when a shutdown outlives its deadline', async () => {
  const script = `
    const { exitWhenShutdownStalls } = await import(${JSON.stringify(STARTUP)});
    exitWhenShutdownStalls(1000);
    process.on('SIGTERM', () => {}); // a hook that never finishes
    setInterval(() => {}, 1000);
    console.log('ready');`;
  const child = track(spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] }));
  let output = '';
  child.stdout.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr.on('data', (b: Buffer) => (output += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await waitFor('the process to be ready', () => output.includes('ready'));
  child.kill('SIGTERM');
  expect(await exited).toBe(1);
  expect(output).toContain('still shutting down 1000 ms after SIGTERM: exiting');
});

import { spawnSync } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The compiled build (dist/) of this tree, made once per test run for the suites that run the
 * apps as child processes (tsc emits despite type errors elsewhere; `npm test` type-checks first).
 */
export function buildOnce(): void {
  const marker = join(tmpdir(), `coaching-build-${process.env.COACHING_TEST_DATABASE ?? process.pid}`);
  if (existsSync(marker)) return;
  const entry = join(ROOT, 'dist/apps/cli/src/main.js');
  const started = Date.now();
  const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' });
  if (!existsSync(entry) || statSync(entry).mtimeMs < started - 1_000) {
    throw new Error(`the build did not produce ${entry}: ${tsc.stdout}${tsc.stderr}`);
  }
  writeFileSync(marker, String(started));
}

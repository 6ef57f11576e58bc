import { existsSync, readFileSync } from 'node:fs';
import { record } from './support.js';

/** Where the console's browser suite (`npm run test:e2e`) writes what it measured. */
export const CONSOLE_FIGURES = 'bench/out/console-e2e.json';

/**
 * The console's figures come from its browser run, not from this one (a browser and a seeded
 * practice of 200 engagements are that suite's business): reported here when present, with their age.
 */
export function reportConsoleFigures(path = CONSOLE_FIGURES): void {
  if (!existsSync(path)) {
    console.log(`[console] no ${path}: run \`npm run test:e2e\` to measure the console`);
    return;
  }
  const f = JSON.parse(readFileSync(path, 'utf8')) as { measuredAt: string; engagements: number; overviewInteractiveMs?: number; initialJsGzipBytes?: number };
  const extra = `from the browser suite (npm run test:e2e) at ${f.measuredAt}, ${f.engagements} engagements`;
  if (typeof f.overviewInteractiveMs === 'number') {
    record({
      section: 'console',
      name: 'practice overview interactive after sign-in (headless Chromium)',
      value: f.overviewInteractiveMs,
      unit: 'ms',
      target: '≤ 1,500 ms',
      met: f.overviewInteractiveMs <= 1500,
      extra,
    });
  }
  if (typeof f.initialJsGzipBytes === 'number') {
    record({ section: 'console', name: 'initial JavaScript, gzipped', value: f.initialJsGzipBytes / 1024, unit: 'KB', target: '≤ 250 KB', met: f.initialJsGzipBytes <= 250 * 1024 });
  }
}

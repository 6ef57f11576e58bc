import { Session } from 'node:inspector/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { e2e } from '../support/e2e.js';
import { newCast, Story } from '../support/engagements.js';

// How many files a command's path crosses, measured, not listed: V8's precise
// coverage counts which functions ran while the API answered one
// assignHomework (after a first one warmed every lazy path up). Counted: the
// files of the command's layers (the engagement lib, the event store, the
// platform's database) with at least one function that ran. The request's
// plumbing (auth, limits, Apollo plugins, logging) is the same for every
// operation and is printed, not counted.
//
// Issue 11 asks for 10. Measured this way the path was 23 files before the
// command slices (resolver, input, validation, command and lookup spread over
// mutations.resolver.ts, inputs.ts, engagement-commands.ts and
// engagement-lookup.ts, the repository apart from the executor, the state
// apart from the decider) and is 20 now: the slice and what slices share, the
// validation blocks, the request's helpers, the executor, the decider and
// its events, the event store's own parts (append, validation, upcasters,
// notifier, transaction), the platform's database (transaction, error
// translation, the request's read session), the projector and its fold and
// batch, the loaders and row mapping. The ceiling keeps it from growing;
// lower it as files merge.

const the = e2e({ pool: 0 });
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const LAYERS = ['libs/engagement/src/', 'libs/event-store/src/', 'libs/platform/src/database/'];
/** the assignHomework path as measured (issue 11's target is 10: see above); 20 before the GDPR sealing added its own
 * concern to every append (event-store/personal-data-sealing.ts: personal fields sealed under per-person keys) */
const MAX_FILES = 21;

async function filesRun(session: Session, run: () => Promise<unknown>): Promise<string[]> {
  await session.post('Profiler.takePreciseCoverage'); // resets the counters
  await run();
  const { result } = await session.post('Profiler.takePreciseCoverage');
  const files = new Set<string>();
  for (const script of result) {
    if (!script.functions.some((f) => f.ranges.some((r) => r.count > 0))) continue;
    const file = script.url.startsWith('file:') ? fileURLToPath(script.url) : script.url;
    const rel = path.relative(ROOT, file);
    if (/^(apps|libs)\//.test(rel)) files.add(rel);
  }
  return [...files].sort();
}

it(`an assignHomework crosses at most ${MAX_FILES} files of the command's layers`, async () => {
  const story = new Story(the.api, newCast('path'));
  const engagement = await story.open();
  await story.intake(engagement.id);
  await story.assign(engagement.id, 'warm-up');
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: false });
    const ran = await filesRun(session, () => story.assign(engagement.id));
    await session.post('Profiler.stopPreciseCoverage');
    const counted = ran.filter((f) => LAYERS.some((l) => f.startsWith(l)));
    const plumbing = ran.filter((f) => !counted.includes(f));
    process.stdout.write(`assignHomework path, ${counted.length} files:\n  ${counted.join('\n  ')}\nplumbing (not counted):\n  ${plumbing.join('\n  ')}\n`);
    expect(counted.length).toBeGreaterThan(3); // the measurement saw the path at all
    expect(counted.length).toBeLessThanOrEqual(MAX_FILES);
  } finally {
    session.disconnect();
  }
});

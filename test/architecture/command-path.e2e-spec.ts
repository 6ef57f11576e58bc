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
// Two counts, both printed:
// - files: every file of those layers that ran. 23 before the command slices,
//   21 after them and the GDPR sealing (event-store/personal-data-sealing.ts);
//   18 since the event catalogue is types only (no `toDomain`), the request's
//   DataLoaders live with the request's other read helpers (graphql/request.ts)
//   and the multi-statement batch moved to the platform's database; 17
//   since the executor is the bus's handler of every engagement command and
//   a mutation's send lives with the request's other helpers (no
//   command-slice.ts between the slice and the executor); 18 since
//   node-postgres reads timestamps with the event store's own parser
//   (event-store/timestamps.ts: a type parser that runs under every read,
//   behind the event store's one stop; the stops did not change).
// - stops: what a developer adding a command tours. The event store and the
//   platform's database are libraries behind one call each (`store.append`,
//   `db.transaction`): each counts as one stop however many of its files ran,
//   as issue 11's own count of 19 did for "database transaction"; every
//   engagement file is a stop of its own.
// Issue 11 asks for at most 10; the stops are 10 (docs/architecture.md,
// "Counting the files a command crosses", says which). The ceilings keep both
// from growing; lower them as files merge.

const the = e2e({ pool: 0 });
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const LAYERS = ['libs/engagement/src/', 'libs/event-store/src/', 'libs/platform/src/database/'];
/** the parts behind one call: each is one stop of the path, whichever of its files ran */
const ONE_STOP = ['libs/event-store/src/', 'libs/platform/src/database/'];
/** the assignHomework path as measured (issue 11's target is at most 10 stops: see above) */
const MAX_FILES = 18;
const MAX_STOPS = 10;

/**
 * Files that run beside the command, not on its path: the event store's Waker (follow.ts), which
 * wakes LISTENers and pollers of this process when the command's NOTIFY arrives or their poll timer
 * fires, after the answer or before it by timing alone (CI's run of 45d0fb9 counted it: 19 files).
 */
const BACKGROUND = ['libs/event-store/src/follow.ts'];

/** A file's stop: the part behind one call it belongs to, or the file itself. */
const stopOf = (file: string) => ONE_STOP.find((part) => file.startsWith(part)) ?? file;

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

it(`an assignHomework crosses at most ${MAX_FILES} files (${MAX_STOPS} stops) of the command's layers`, async () => {
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
    const counted = ran.filter((f) => LAYERS.some((l) => f.startsWith(l)) && !BACKGROUND.includes(f));
    const plumbing = ran.filter((f) => !counted.includes(f));
    const stops = [...new Set(counted.map(stopOf))];
    process.stdout.write(
      `assignHomework path, ${counted.length} files, ${stops.length} stops:\n  ${counted.join('\n  ')}\n` +
        `stops (${ONE_STOP.join(' and ')} one each):\n  ${stops.join('\n  ')}\nplumbing (not counted):\n  ${plumbing.join('\n  ')}\n`,
    );
    expect(counted.length).toBeGreaterThan(3); // the measurement saw the path at all
    expect(stops).toEqual(expect.arrayContaining(ONE_STOP)); // and the parts behind one call, whose files it counts as one
    expect(counted.length).toBeLessThanOrEqual(MAX_FILES);
    expect(stops.length).toBeLessThanOrEqual(MAX_STOPS);
  } finally {
    session.disconnect();
  }
});

import { setFlagsFromString } from 'node:v8';

/** HEAP_GROWING_PERCENT: its default and its bounds, as the configuration checks them. */
export const HEAP_GROWING_PERCENT = { default: 100, max: 1_000 } as const;

/** The garbage collector's settings the apps apply (the configuration's names). */
export interface GcSettings {
  HEAP_GROWING_PERCENT: number;
  PARALLEL_SCAVENGE: boolean;
}

/** Both settings, as an app or `npm start` applies them once its configuration is parsed. */
export function applyGcSettings(settings: GcSettings): void {
  applyHeapGrowth(settings.HEAP_GROWING_PERCENT);
  applyParallelScavenge(settings.PARALLEL_SCAVENGE);
}

/**
 * How far the old generation may grow over the live heap before a full collection (HEAP_GROWING_PERCENT;
 * 0 = V8's own factor). V8 picks a factor of up to 4 when its heap limit is 2 GB or more, which Node sets on
 * any host with more than ~8 GB of memory: an API whose live heap is ~60 MB then sits at ~420 MB under load,
 * nearly all of it garbage waiting for the next full collection. At 100 it peaks at ~240 MB for ~4 % more
 * CPU per command and ~16 % per large list (bench/REPORT.md, 2026-12-03). V8 reads this flag at every
 * collection; NODE_OPTIONS refuses it.
 */
export function applyHeapGrowth(percent: number): void {
  setFlagsFromString(`--heap-growing-percent=${percent}`);
}

/**
 * Whether V8 collects the young generation with helper threads (PARALLEL_SCAVENGE=on) or on the main thread
 * alone (off, the default). With the young generation held at 4 MB semi-spaces (`--max-semi-space-size=4`,
 * for memory), a collection copies ~1.5 MB and runs every few milliseconds under load; handing each one to
 * helper threads costs more than it saves on a host of two cores that PostgreSQL shares. Off, side by side:
 * API CPU per assignHomework 0.94× (1.09× the req/s), per 1,050-object list 0.95×, for ~8 MB more peak memory
 * under the mutation load (bench/REPORT.md, 2026-12-03 17:40). V8 reads it at every collection; NODE_OPTIONS
 * refuses it.
 */
export function applyParallelScavenge(on: boolean): void {
  setFlagsFromString(on ? '--parallel-scavenge' : '--no-parallel-scavenge');
}

/**
 * Both settings, read from the environment by an app's entry before it loads its modules. Two or three full
 * collections happen while they load, and each sets the limit the next one waits for: set after them, the
 * factor only took hold at the first full collection under load, which V8 had let the heap reach at its own
 * factor (4.0 × ~43 MB = 175 MB here), so the first seconds of load peaked 20–40 MB above the rest
 * (bench/REPORT.md, 2026-12-03 14:40). A value the configuration refuses is left to its check, which follows
 * and stops the start; `.env` files (development) are read after this, and the configured value then applies.
 */
export function applyGcSettingsFromEnvironment(env: NodeJS.ProcessEnv): void {
  const raw = env.HEAP_GROWING_PERCENT?.trim();
  const percent = raw ? Number(raw) : HEAP_GROWING_PERCENT.default;
  if (Number.isInteger(percent) && percent >= 0 && percent <= HEAP_GROWING_PERCENT.max) applyHeapGrowth(percent);
  const parallel = env.PARALLEL_SCAVENGE?.trim();
  if (!parallel) applyParallelScavenge(false);
  else if (ON_OFF.has(parallel)) applyParallelScavenge(ON_OFF.get(parallel)!);
}

/** A switch's spellings, as the configuration reads them (config.schema.ts `onOff`). */
export const ON_OFF: ReadonlyMap<string, boolean> = new Map([
  ['on', true],
  ['true', true],
  ['1', true],
  ['off', false],
  ['false', false],
  ['0', false],
]);

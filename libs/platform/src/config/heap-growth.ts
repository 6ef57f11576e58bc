import { setFlagsFromString } from 'node:v8';

/** HEAP_GROWING_PERCENT: its default and its bounds, as the configuration checks them. */
export const HEAP_GROWING_PERCENT = { default: 100, max: 1_000 } as const;

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
 * The same, read from the environment by an app's entry before it loads its modules. Two or three full
 * collections happen while they load, and each sets the limit the next one waits for: set after them, the
 * factor only took hold at the first full collection under load, which V8 had let the heap reach at its own
 * factor (4.0 × ~43 MB = 175 MB here), so the first seconds of load peaked 20–40 MB above the rest
 * (bench/REPORT.md, 2026-12-03 14:40). A value the configuration refuses is left to its check, which follows
 * and stops the start; `.env` files (development) are read after this, and the configured value then applies.
 */
export function applyHeapGrowthFromEnvironment(env: NodeJS.ProcessEnv): void {
  const raw = env.HEAP_GROWING_PERCENT?.trim();
  const percent = raw ? Number(raw) : HEAP_GROWING_PERCENT.default;
  if (Number.isInteger(percent) && percent >= 0 && percent <= HEAP_GROWING_PERCENT.max) applyHeapGrowth(percent);
}

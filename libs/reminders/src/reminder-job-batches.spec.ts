import { JobBatches, StoppingError } from './reminder-job-batches.js';

// Wake-ups on the batches of one worker, with batches that are functions of their input: no queue,
// no database. Each test drives the batches by hand (a batch ends when the test lets it).

interface Run {
  practiceId: string;
  from: number | undefined;
  /** ends the batch: true when it came back full */
  end(full: boolean): void;
  fail(err: Error): void;
}

function rig(sweepers = 1) {
  const runs: Run[] = [];
  const failures: unknown[] = [];
  const batches = new JobBatches<string, number>({
    batch: 10,
    windowMs: 1,
    concurrent: 1,
    sweepers,
    practiceOf: () => 'p1',
    run: (practiceId, _items, from) =>
      new Promise<boolean>((resolve, reject) => runs.push({ practiceId, from, end: resolve, fail: reject })),
    earlier: (a, b) => Math.min(a, b),
    failed: () => undefined,
    sweepFailed: (err) => failures.push(err),
  });
  return { batches, runs, failures };
}

/** Lets the promise callbacks run. */
const settle = () => new Promise((r) => setImmediate(r));

describe('JobBatches wake-ups', () => {
  it('start a sweep from where the wake-up says, answered by the batch that took it', async () => {
    const { batches, runs } = rig();
    const woke = batches.wake('p1', 100);
    await settle();
    expect(runs.map((r) => [r.practiceId, r.from])).toEqual([['p1', 100]]);
    runs[0]!.end(false);
    await expect(woke).resolves.toBe(false);
    await settle();
    expect(runs).toHaveLength(1); // short: the sweep ends
  });

  it('that come while a sweep runs join its next batch, from the earliest of them; a full batch keeps sweeping from its mark', async () => {
    const { batches, runs } = rig();
    const first = batches.wake('p1', 100);
    await settle();
    const second = batches.wake('p1', 300);
    const third = batches.wake('p1', 200);
    await settle();
    expect(runs).toHaveLength(1); // one sweeper per practice here
    runs[0]!.end(true);
    await expect(first).resolves.toBe(true);
    await settle();
    expect(runs[1]!.from).toBe(200);
    runs[1]!.end(true);
    await expect(Promise.all([second, third])).resolves.toEqual([true, true]);
    await settle();
    // still full: the sweep goes on without a wake-up's place (the processor's mark)
    expect(runs[2]!.from).toBeUndefined();
    runs[2]!.end(false);
    await settle();
    expect(runs).toHaveLength(3);
  });

  it('fail with their batch, and the next wake-up starts a new sweep', async () => {
    const { batches, runs, failures } = rig();
    const woke = batches.wake('p1', 100);
    await settle();
    runs[0]!.fail(new Error('database down'));
    await expect(woke).rejects.toThrow('database down');
    expect(failures).toHaveLength(1);
    const again = batches.wake('p1', 100);
    await settle();
    runs[1]!.end(false);
    await expect(again).resolves.toBe(false);
  });

  it('waiting or arriving while the worker stops go back (StoppingError), and the batch running finishes', async () => {
    const { batches, runs } = rig();
    const running = batches.wake('p1', 100);
    await settle();
    const waiting = batches.wake('p1', 200);
    batches.close();
    await expect(waiting).rejects.toBeInstanceOf(StoppingError);
    await expect(batches.wake('p1', 300)).rejects.toBeInstanceOf(StoppingError);
    runs[0]!.end(true);
    await expect(running).resolves.toBe(true);
    await settle();
    expect(runs).toHaveLength(1); // no sweep goes on while stopping
  });
});

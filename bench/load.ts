import { readdirSync, readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';

// What the load sections share: autocannon as a promise, a process's memory and CPU from /proc, the run's queue keys removed.

export function cannon(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => autocannon(opts, (err, result) => (err ? reject(err) : resolve(result))));
}

/** Peak resident memory of each process, sampled every 100 ms. */
export function sampleMemory(pids: number[]): { stop(): number[] } {
  const peaks = pids.map(() => 0);
  const sample = () =>
    pids.forEach((pid, i) => {
      try {
        const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
        peaks[i] = Math.max(peaks[i]!, kb * 1024);
      } catch {
        // gone
      }
    });
  const timer = setInterval(sample, 100);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peaks;
    },
  };
}

/** Now on the monotonic clock, in µs (a V8 CPU profile's timestamps). */
export function hrMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** CPU time (user + system) a process has used so far, in ms (clock ticks of 10 ms). */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * CPU time the PostgreSQL server's processes (every backend and helper on this machine) use over a
 * window, in ms. Sampled every 200 ms, so a backend that exits within the window (a pool closing its
 * connections) keeps what it had used by its last sample; one that starts counts from zero.
 */
export function samplePostgresCpu(): { stop(): number } {
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  let started = false;
  const sample = () => {
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      const pid = Number(name);
      try {
        if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue;
        const ms = cpuMs(pid);
        if (!first.has(pid)) first.set(pid, started ? 0 : ms);
        last.set(pid, ms);
      } catch {
        // exited meanwhile
      }
    }
    started = true;
  };
  sample();
  const timer = setInterval(sample, 200);
  return {
    stop() {
      clearInterval(timer);
      sample();
      let total = 0;
      for (const [pid, ms] of last) total += ms - first.get(pid)!;
      return total;
    },
  };
}

/** The reminder jobs the section's commands scheduled: every key under the run's queue prefix, removed (no FLUSH). */
export async function removeQueueKeys(env: Record<string, string>): Promise<void> {
  const prefix = env.QUEUE_PREFIX;
  if (!prefix) return;
  const redis = new Redis(process.env.REDIS_URL ?? env.REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true });
  try {
    await redis.connect();
    for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 500 }) as AsyncIterable<string[]>) {
      if (keys.length) await redis.unlink(...keys);
    }
  } finally {
    redis.disconnect();
  }
}

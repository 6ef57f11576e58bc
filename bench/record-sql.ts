// Preloaded into an API process by the core bench (node --import): while
// recording is on (the file $BENCH_RECORD_SQL.on exists, looked for every
// 20 ms; a signal would do, but Nest's shutdown hooks take SIGUSR2), every
// statement a pg client sends is appended to $BENCH_RECORD_SQL as one JSON
// line (backend pid, text, values), so the bench can count a command's round
// trips and replay the very same statements from a bare client.
import { appendFileSync, existsSync } from 'node:fs';
import pg from 'pg';

const file = process.env.BENCH_RECORD_SQL;
if (file) {
  const flag = `${file}.on`;
  let on = false;
  setInterval(() => {
    const now = existsSync(flag);
    if (now !== on) appendFileSync(file, `${JSON.stringify({ marker: now ? 'on' : 'off' })}\n`);
    on = now;
  }, 20).unref();
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  pg.Client.prototype.query = function (this: pg.Client & { processID?: number }, ...args: unknown[]) {
    if (on) {
      const [config, values] = args as [string | { text: string; values?: unknown[] }, unknown[] | undefined];
      const text = typeof config === 'string' ? config : config.text;
      const vals = Array.isArray(values) ? values : typeof config === 'object' ? config.values : undefined;
      appendFileSync(file, `${JSON.stringify({ pid: this.processID, text, values: vals ?? [] })}\n`);
    }
    return query.apply(this, args);
  } as never;
}

// Preloaded into an API process by the core bench (node --import): while
// recording is on (SIGUSR2 toggles it; each toggle writes a marker line),
// every statement a pg client sends is appended to $BENCH_RECORD_SQL as one
// JSON line (backend pid, text, values), so the bench can count a command's
// round trips and replay the very same statements from a bare client.
import { appendFileSync } from 'node:fs';
import pg from 'pg';

const file = process.env.BENCH_RECORD_SQL;
if (file) {
  let on = false;
  process.on('SIGUSR2', () => {
    on = !on;
    appendFileSync(file, `${JSON.stringify({ marker: on ? 'on' : 'off' })}\n`);
  });
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

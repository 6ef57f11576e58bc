import { parseArgs } from 'node:util';
import pg from 'pg';
import { PostgresEventStore } from '#event-store';
import { AppConfigService, Database, EXTERNAL_ID, guardClientErrors } from '#platform';
import { ENGAGEMENT_READ_MODELS, ReadModelRebuild, type RebuildHooks, type RebuildReport, type TableComparison } from '#engagement';
import { opsContext } from './ops-contexts.js';
import { stdout, type CommandOutput } from './output.js';

/** Projection names the command knows; all mean the six engagement read models. */
export const PROJECTIONS = ['engagement', 'engagements', 'engagement-read-models'] as const;

export interface RebuildProjectionResult {
  report?: RebuildReport;
  comparison?: TableComparison[];
}

/**
 * `rebuild-projection NAME [--verify [--practice P]...] [--keep-previous] [--concurrency N] [--batch-size N]`
 *
 * Rebuilds the read models blue/green from the event log and swaps them in
 * (see ReadModelRebuild), printing the rate; with --verify, builds them and
 * compares them with the live ones instead (exit code 1 on a difference).
 * Reads the log as the service role (DATABASE_URL), builds and swaps as the
 * schema owner (DATABASE_OWNER_URL).
 */
export async function rebuildProjection(args: string[], out: CommandOutput = stdout, hooks?: RebuildHooks): Promise<RebuildProjectionResult> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      verify: { type: 'boolean', default: false },
      practice: { type: 'string', multiple: true },
      'keep-previous': { type: 'boolean', default: false },
      concurrency: { type: 'string', default: '4' },
      'batch-size': { type: 'string', default: '5000' },
    },
  });
  const name = positionals[0];
  if (!name || !(PROJECTIONS as readonly string[]).includes(name) || positionals.length > 1) {
    throw new Error(`rebuild-projection NAME: NAME is one of ${PROJECTIONS.join(', ')} (the ${ENGAGEMENT_READ_MODELS.length} engagement read models)`);
  }
  const concurrency = wholeNumber('--concurrency', values.concurrency, 1, 32);
  const batchSize = wholeNumber('--batch-size', values['batch-size'], 1, 10_000);
  for (const p of values.practice ?? []) if (!EXTERNAL_ID.test(p)) throw new Error(`invalid --practice "${p}"`);
  if (values.practice && !values.verify) throw new Error('--practice only narrows --verify (a rebuild always covers every practice)');

  const app = await opsContext('rebuild');
  const config = app.get(AppConfigService);
  const owner = new pg.Pool({
    connectionString: config.get('DATABASE_OWNER_URL') ?? config.get('DATABASE_DIRECT_URL') ?? config.get('DATABASE_URL'),
    max: concurrency + 3,
    application_name: 'coaching-rebuild',
  });
  owner.on('error', (err) => console.error(`rebuild: an idle owner connection failed: ${err.message}`));
  guardClientErrors(owner, (err) => console.error(`rebuild: an owner connection failed: ${err.message}`));
  try {
    const { rows } = await owner.query<{ ok: boolean }>(`SELECT to_regnamespace('rebuild') IS NOT NULL AS ok`);
    if (!rows[0]!.ok) throw new Error('schema "rebuild" is missing: run the migrations first (migrate)');
    const rebuild = new ReadModelRebuild({
      store: app.get(PostgresEventStore),
      readPool: app.get(Database).pool,
      owner,
      concurrency,
      batchSize,
      keepPrevious: values['keep-previous'],
      log: (line) => out.line(line),
      hooks,
    });
    if (values.verify) {
      const comparison = await rebuild.verify(values.practice);
      for (const c of comparison) {
        out.line(
          `${c.equal ? 'equal  ' : 'DIFFERS'} ${c.table.padEnd(18)} live ${String(c.live.rows).padStart(8)} rows ${c.live.md5}` +
            `   rebuilt ${String(c.rebuilt.rows).padStart(8)} rows ${c.rebuilt.md5}`,
        );
      }
      const differing = comparison.filter((c) => !c.equal).map((c) => c.table);
      if (differing.length) throw new Error(`the live read models differ from the event log in: ${differing.join(', ')}`);
      out.line('the live read models equal a fresh rebuild from the event log');
      return { comparison };
    }
    const report = await rebuild.rebuild();
    out.line(
      `rebuild rate: ${report.loaded.eventsPerSecond} events/s (${report.loaded.events} events in ${report.loaded.seconds.toFixed(2)} s, ` +
        `${concurrency} connection(s)); total ${report.totalSeconds.toFixed(2)} s`,
    );
    return { report };
  } finally {
    await owner.end();
    await app.close();
  }
}

function wholeNumber(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${flag} must be a whole number from ${min} to ${max}`);
  return n;
}

import { parseArgs } from 'node:util';
import pg from 'pg';
import { PostgresEventStore, sealEventsWrittenBefore, type BackfillReport } from '#event-store';
import { AppConfigService, EXTERNAL_ID, guardClientErrors } from '#platform';
import { opsContext } from './ops-contexts.js';
import { stdout, type CommandOutput } from './output.js';

/**
 * `seal-personal-data [--practice P]... [--batch-size N]`
 *
 * The one-off step for events written before personal data was sealed: moves
 * their personal fields under per-person keys, logging every event it changes
 * in personal_data_sealing_log (see sealEventsWrittenBefore and README, "The
 * history"). Every practice whose events the owner can see, or the ones named.
 * Run `VACUUM events` after it: the old row versions hold the plaintext until then.
 */
export async function sealPersonalData(args: string[], out: CommandOutput = stdout): Promise<BackfillReport[]> {
  const { values } = parseArgs({ args, options: { practice: { type: 'string', multiple: true }, 'batch-size': { type: 'string', default: '500' } } });
  const batchSize = Number(values['batch-size']);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) throw new Error('--batch-size must be a whole number from 1 to 10000');
  for (const p of values.practice ?? []) if (!EXTERNAL_ID.test(p)) throw new Error(`invalid --practice "${p}"`);
  const app = await opsContext('rebuild');
  const config = app.get(AppConfigService);
  const owner = new pg.Pool({ connectionString: config.get('DATABASE_OWNER_URL') ?? config.get('DATABASE_DIRECT_URL') ?? config.get('DATABASE_URL'), max: 2, application_name: 'coaching-seal-personal-data' });
  guardClientErrors(owner, (err) => console.error(`seal-personal-data: an owner connection failed: ${err.message}`));
  try {
    const practices = values.practice ?? (await owner.query<{ practice_id: string }>('SELECT DISTINCT practice_id FROM events ORDER BY 1')).rows.map((r) => r.practice_id);
    if (practices.length === 0) out.line('no practice has events the owner can see (name them with --practice)');
    const reports: BackfillReport[] = [];
    for (const practiceId of practices) {
      const report = await sealEventsWrittenBefore(app.get(PostgresEventStore), owner, practiceId, { batchSize });
      out.line(`${practiceId}: ${report.events} events read, ${report.sealed} moved under per-person keys (listed in personal_data_sealing_log)`);
      reports.push(report);
    }
    return reports;
  } finally {
    await owner.end();
    await app.close();
  }
}

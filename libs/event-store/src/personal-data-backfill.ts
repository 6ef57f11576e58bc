import type { Pool } from 'pg';
import type { PostgresEventStore } from './postgres-event-store.js';
import { begin } from './transaction.js';
import type { EventMetadata, NewEvent } from './types.js';

export interface BackfillReport {
  practiceId: string;
  /** events read */
  events: number;
  /** events whose personal fields were moved under their person's key */
  sealed: number;
}

/**
 * Moves the personal fields of events written before sealing existed under
 * their person's key (`cli seal-personal-data`), per practice, `batchSize`
 * events per transaction, in position order. Not a silent rewrite of the
 * history: each changed event gets a row in personal_data_sealing_log
 * (position, event id, stream, version, type, the paths sealed, when) in the
 * same transaction, and the events table's trigger lets an UPDATE through only
 * then, only while the transaction says so (app.sealing_personal_data), and
 * only when nothing but `data` changes: event id, stream, version, position,
 * transaction id, type, schema version, metadata and time stay as they were.
 * The meaning of each field is unchanged; only its representation is. Runs
 * as the schema owner (the service role cannot UPDATE events). Resumable:
 * sealed fields are left alone, so a second run changes nothing.
 */
export async function sealEventsWrittenBefore(
  store: PostgresEventStore,
  owner: Pool,
  practiceId: string,
  options: { batchSize: number; log?: (line: string) => void },
): Promise<BackfillReport> {
  if (!store.sealing.active) throw new Error('no personal data rules or no key-encryption keys: nothing can be sealed');
  const report: BackfillReport = { practiceId, events: 0, sealed: 0 };
  let after = 0;
  for (;;) {
    const client = await owner.connect();
    let last: number | null = null;
    try {
      await client.query(begin(practiceId, false));
      await client.query("SELECT set_config('app.sealing_personal_data', 'on', true)");
      const { rows } = await client.query<{ position: string; event_id: string; stream_id: string; version: number; type: string; data: unknown; metadata: EventMetadata }>(
        `SELECT position::text AS position, event_id::text AS event_id, stream_id, version, type, data, metadata FROM events
          WHERE practice_id = $1 AND position > $2 ORDER BY position LIMIT $3 FOR UPDATE`,
        [practiceId, after, options.batchSize],
      );
      const tx = { query: (text: string, values?: unknown[]) => client.query(text, values) as never };
      for (const r of rows) {
        const event: NewEvent = { type: r.type, data: r.data, metadata: r.metadata };
        const [sealed] = await store.sealing.seal(() => tx, practiceId, r.stream_id, [event], r.version === 1);
        if (sealed!.data !== r.data) {
          const paths = store.sealing.fieldsOf(r.type, r.data, null).map((f) => f.path);
          await client.query(
            `INSERT INTO personal_data_sealing_log (practice_id, position, event_id, stream_id, version, type, paths) VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (practice_id, position) DO UPDATE SET sealed_at = now(), paths = EXCLUDED.paths`,
            [practiceId, r.position, r.event_id, r.stream_id, r.version, r.type, paths],
          );
          await client.query('UPDATE events SET data = $2::jsonb WHERE practice_id = $3 AND position = $1', [r.position, JSON.stringify(sealed!.data), practiceId]);
          report.sealed += 1;
        }
        report.events += 1;
      }
      await client.query('COMMIT');
      last = rows.length === options.batchSize ? Number(rows.at(-1)!.position) : null;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
    options.log?.(`${practiceId}: ${report.events} events read, ${report.sealed} sealed`);
    if (last === null) return report;
    after = last;
  }
}

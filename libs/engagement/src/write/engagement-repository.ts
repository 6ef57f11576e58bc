import type { Queryable, UpcasterRegistry } from '#event-store';
import type { EventMetadata } from '#event-store';
import { evolve } from '../domain/decider.js';
import type { EngagementEvent } from '../domain/events.js';
import { inline } from '../read/sql-batch.js';
import { initialState, type EngagementState } from '../domain/state.js';

/** Bump when EngagementState or evolve changes shape: older snapshots are then ignored and replayed. */
export const STATE_VERSION = 1;

/** A snapshot is written when the stream has moved this many versions past the last one. */
export const SNAPSHOT_EVERY = 20;

export interface LoadedEngagement {
  state: EngagementState;
  /** the stream's version the state reflects (0: no stream) */
  version: number;
  /** the version of the snapshot it started from (0: none) */
  snapshotVersion: number;
}

interface LoadRow extends Record<string, unknown> {
  stream_id: string;
  snapshot_version: number | null;
  snapshot_state: EngagementState | null;
  tail: { type: string; version: number; schema_version: number; data: unknown; metadata: EventMetadata }[];
}

/** The latest snapshot of each stream ($1 text[]) of the practice ($2) at STATE_VERSION ($3), and the events after it. */
const LOAD_SQL = `SELECT ids.id AS stream_id, s.version AS snapshot_version, s.state AS snapshot_state,
        (SELECT coalesce(json_agg(json_build_object('type', e.type, 'version', e.version, 'schema_version', e.schema_version,
                                              'data', e.data, 'metadata', e.metadata) ORDER BY e.version), '[]'::json)
           FROM event_store_read_stream(ids.id, coalesce(s.version, 0)) e) AS tail
   FROM unnest($1::text[]) AS ids(id)
   LEFT JOIN engagement_snapshots s ON s.stream_id = ids.id AND s.practice_id = $2 AND s.state_version = $3`;

/**
 * Loads an engagement's decider state in one round trip: the latest snapshot
 * plus the events after it. A stream of another practice is invisible: it
 * loads as no stream at all (row-level security hides it too).
 */
export class EngagementRepository {
  constructor(private readonly upcasters: UpcasterRegistry) {}

  async load(tx: Queryable, streamId: string, practiceId: string): Promise<LoadedEngagement> {
    return (await this.loadMany(tx, [streamId], practiceId)).get(streamId)!;
  }

  /** Several engagements of one practice in one round trip. */
  async loadMany(tx: Queryable, streamIds: readonly string[], practiceId: string): Promise<Map<string, LoadedEngagement>> {
    const { rows } = await tx.query<LoadRow>(LOAD_SQL, [[...new Set(streamIds)], practiceId, STATE_VERSION]);
    return this.fromRows(rows as LoadRow[], practiceId);
  }

  /** `loadMany`'s statement with its values written in: for a caller that sends it with other statements in one round trip. */
  loadStatement(streamIds: readonly string[], practiceId: string): string {
    const ids = `{${[...new Set(streamIds)].map((id) => `"${id.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
    return inline(LOAD_SQL, [ids, practiceId, String(STATE_VERSION)]);
  }

  /** The engagements of `loadStatement`'s rows. */
  fromRows(rows: readonly Record<string, unknown>[], practiceId: string): Map<string, LoadedEngagement> {
    return new Map((rows as LoadRow[]).map((row) => [row.stream_id, this.fold(row, practiceId)]));
  }

  private fold(row: LoadRow, practiceId: string): LoadedEngagement {
    let state = row.snapshot_state ?? initialState();
    let version = row.snapshot_version ?? 0;
    for (const e of row.tail) {
      if (e.metadata.practiceId !== practiceId) return { state: initialState(), version: 0, snapshotVersion: 0 };
      const { data } = this.upcasters.upcast(e.type, e.schema_version, e.data, e.metadata);
      state = evolve(state, { type: e.type, data } as EngagementEvent);
      version = e.version;
    }
    return { state, version, snapshotVersion: row.snapshot_version ?? 0 };
  }

  async saveSnapshot(tx: Queryable, streamId: string, practiceId: string, version: number, state: EngagementState): Promise<void> {
    await tx.query(
      `INSERT INTO engagement_snapshots (stream_id, practice_id, version, state_version, state)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (practice_id, stream_id) DO UPDATE
         SET version = EXCLUDED.version, state_version = EXCLUDED.state_version, state = EXCLUDED.state
       WHERE engagement_snapshots.practice_id = EXCLUDED.practice_id`,
      [streamId, practiceId, version, STATE_VERSION, JSON.stringify(state)],
    );
  }
}

import type { Queryable, StoredEvent } from '#event-store';
import { PostgresEventStore } from '#event-store';
import { evolve } from '../domain/decider.js';
import type { EngagementEvent } from '../domain/events.js';
import { initialState, type EngagementState } from '../domain/state.js';

/** Bump when EngagementState or evolve changes shape: older snapshots are then ignored and replayed. */
export const STATE_VERSION = 1;

export interface LoadedEngagement {
  state: EngagementState;
  /** the stream's version the state reflects (0: no stream) */
  version: number;
}

/**
 * Loads an engagement's decider state: the snapshot kept at the stream's
 * version (written in each command's transaction), plus any events after it.
 * A stream of another practice is invisible: it loads as no stream at all.
 */
export class EngagementRepository {
  constructor(private readonly store: PostgresEventStore) {}

  async load(tx: Queryable, streamId: string, practiceId: string): Promise<LoadedEngagement> {
    const { rows } = await tx.query<{ version: number; state: EngagementState }>(
      `SELECT version, state FROM engagement_snapshots
       WHERE stream_id = $1 AND practice_id = $2 AND state_version = $3`,
      [streamId, practiceId, STATE_VERSION],
    );
    let state = rows[0]?.state ?? initialState();
    let version = rows[0]?.version ?? 0;
    const tail = await this.store.readStream(streamId, { fromVersion: version + 1, tx });
    for (const e of tail) {
      if (e.metadata.practiceId !== practiceId) return { state: initialState(), version: 0 };
      state = evolve(state, toDomain(e));
      version = e.version;
    }
    return { state, version };
  }

  async saveSnapshot(tx: Queryable, streamId: string, practiceId: string, version: number, state: EngagementState): Promise<void> {
    await tx.query(
      `INSERT INTO engagement_snapshots (stream_id, practice_id, version, state_version, state)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (stream_id) DO UPDATE
         SET version = EXCLUDED.version, state_version = EXCLUDED.state_version, state = EXCLUDED.state
       WHERE engagement_snapshots.practice_id = EXCLUDED.practice_id`,
      [streamId, practiceId, version, STATE_VERSION, JSON.stringify(state)],
    );
  }
}

export function toDomain(e: StoredEvent): EngagementEvent {
  return { type: e.type, data: e.data } as EngagementEvent;
}

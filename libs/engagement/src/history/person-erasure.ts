import { createHash } from 'node:crypto';
import type { PostgresEventStore, Queryable, StoredEvent } from '#event-store';
import { EngagementProjector } from '../read/engagement-projector.js';
import { forgetHistorySnapshots } from './history-snapshots.js';
import { MAX_PERSON_ENGAGEMENTS, TooManyEngagements } from './person-rows.js';

/** The event an erasure records (on a stream of its own per practice and person, see `erasureStreamId`). */
export const PERSON_ERASED = 'PersonErased';

export interface PersonErasedData {
  personId: string;
  /** why (the ADMIN's words: they should not name the person) */
  reason: string;
  erasedBy: string;
  /** the engagements whose rows were folded again */
  engagementIds: string[];
}

/**
 * The stream of a person's erasure in a practice: one event at most (a second
 * erasure finds the stream). Stream ids are global, person ids are only
 * unique in a practice: hashed together, so no name or id shows in it.
 */
export function erasureStreamId(practiceId: string, personId: string): string {
  return `person-erasure-${createHash('sha256').update(`${practiceId}\u0000${personId}`).digest('hex').slice(0, 40)}`;
}

/** The engagements a person of the practice coaches or is the client of (TooManyEngagements beyond MAX_PERSON_ENGAGEMENTS). */
export async function engagementsOfPerson(tx: Queryable, practiceId: string, personId: string): Promise<string[]> {
  const { rows } = await tx.query<{ id: string }>(
    'SELECT id::text AS id FROM engagements WHERE practice_id = $1 AND (coach_id = $2 OR client_id = $2) ORDER BY id LIMIT $3',
    [practiceId, personId, MAX_PERSON_ENGAGEMENTS + 1],
  );
  if (rows.length > MAX_PERSON_ENGAGEMENTS) throw new TooManyEngagements();
  return rows.map((r) => r.id);
}

/**
 * The read models of these engagements folded again from the log, in the
 * caller's transaction: their rows (and decider snapshots) deleted, their
 * streams read (personal fields opened, so an erased person's read
 * "[erased]") and applied by the one fold the projector and the rebuild run.
 * A blue/green rebuild therefore writes exactly these rows. Returns the
 * events read (for other read models built from them) and how many rows were
 * written.
 */
export async function refoldEngagements(tx: Queryable, store: PostgresEventStore, practiceId: string, engagementIds: readonly string[]): Promise<{ events: StoredEvent[]; rows: number }> {
  if (engagementIds.length === 0) return { events: [], rows: 0 };
  // children first: the keys reference their parents
  for (const table of ['feedback', 'drafts', 'coaching_sessions', 'job_search_stats', 'homework', 'engagements']) {
    const column = table === 'engagements' ? 'id' : 'engagement_id';
    await tx.query(`DELETE FROM ${table} WHERE practice_id = $1 AND ${column} = ANY($2::uuid[])`, [practiceId, engagementIds]);
  }
  // snapshots hold the decider's state (names among it): the next command replays the stream instead
  await tx.query('DELETE FROM engagement_snapshots WHERE practice_id = $1 AND stream_id = ANY($2::text[])', [practiceId, engagementIds]);
  // so do the time-travel snapshots (the fold's rows as opened): past views fold the log until new ones are written
  await forgetHistorySnapshots(tx, practiceId, engagementIds);
  const events: StoredEvent[] = [];
  for (const id of engagementIds) events.push(...(await store.readStream(id, { tx, practiceId })));
  const written = await new EngagementProjector().apply(tx, events);
  const rows = written.engagements.size + written.homework.size + written.drafts.size + written.feedback.size + written.sessions.size;
  return { events, rows };
}

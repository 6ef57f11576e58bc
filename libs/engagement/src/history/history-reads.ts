import type { PostgresEventStore, StoredEvent } from '#event-store';
import { BadUserInput, type RequestContext } from '#platform';
import type { EngagementModel } from '../read/read-models.js';
import { changesBetween, MAX_CHANGE_RANGE, MAX_CHANGES, TooManyChanges, type FieldChangeModel } from './changes.js';
import { nearestHistorySnapshot } from './history-snapshots.js';
import { PastView, pastViewOf, type PastPoint } from './past-view.js';

/** The point a time-travel read asks for, checked (BAD_USER_INPUT naming the argument); null: the live engagement. */
export function pastPointOf(args: { asOf?: Date | null; asOfVersion?: number | null }): PastPoint | null {
  const { asOf, asOfVersion } = args;
  if (asOf == null && asOfVersion == null) return null;
  if (asOf != null && asOfVersion != null) throw new BadUserInput('asOfVersion', 'give asOf or asOfVersion, not both');
  if (asOfVersion != null && (!Number.isSafeInteger(asOfVersion) || asOfVersion < 1)) {
    throw new BadUserInput('asOfVersion', 'must be a whole number from 1');
  }
  if (asOf != null && Number.isNaN(asOf.getTime())) throw new BadUserInput('asOf', 'is not a time');
  return { asOf: asOf ?? null, asOfVersion: asOfVersion ?? null };
}

/** The stream of an engagement up to `toVersion` (all of it: null), in the request's practice-scoped read transaction. */
function readUpTo(store: PostgresEventStore, ctx: RequestContext, e: EngagementModel, toVersion: number | null): Promise<StoredEvent[]> {
  return store.readStream(e.id, { tx: ctx.session.asQueryable(), practiceId: e.practiceId, ...(toVersion === null ? {} : { maxCount: toVersion }) });
}

/**
 * A visible engagement (the live model, already authorized) as it stood at
 * `point`: the nearest time-travel snapshot at or before it (if any), the
 * stream read from there up to the point and folded on. Null: it did not
 * exist yet.
 */
export async function pastEngagement(store: PostgresEventStore, ctx: RequestContext, live: EngagementModel, point: PastPoint): Promise<EngagementModel | null> {
  const tx = ctx.session.asQueryable();
  const upTo = point.asOfVersion ?? null;
  const start = await nearestHistorySnapshot(tx, live.practiceId, live.id, upTo ?? Math.max(live.version, 0), point.asOf ?? null);
  const from = start?.version ?? 0;
  const events =
    upTo !== null && upTo <= from ? [] : await store.readStream(live.id, { tx, practiceId: live.practiceId, fromVersion: from + 1, ...(upTo === null ? {} : { maxCount: upTo - from }) });
  return PastView.fold(live.id, live.practiceId, events, point, start)?.engagement ?? null;
}

/** `Engagement.changes`: from a past view, its own events; from the live engagement, the stream up to toVersion. */
export async function changesOf(
  store: PostgresEventStore,
  ctx: RequestContext,
  e: EngagementModel,
  args: { fromVersion: number; toVersion?: number | null },
): Promise<FieldChangeModel[]> {
  const from = args.fromVersion;
  if (!Number.isSafeInteger(from) || from < 0) throw new BadUserInput('fromVersion', 'must be a whole number from 0');
  const to = Math.min(args.toVersion ?? e.version, e.version);
  if (args.toVersion != null && (!Number.isSafeInteger(args.toVersion) || args.toVersion < from)) {
    throw new BadUserInput('toVersion', 'must be a whole number no smaller than fromVersion');
  }
  if (to - from > MAX_CHANGE_RANGE) throw new BadUserInput('toVersion', `must be at most ${MAX_CHANGE_RANGE} versions after fromVersion`);
  if (to <= from) return [];
  const past = pastViewOf(e);
  // a past view from a snapshot holds only the events after it: the changes fold from version 1
  const events = past && past.fromVersion === 0 ? past.events : await readUpTo(store, ctx, e, to);
  try {
    return changesBetween(e.id, e.practiceId, events, from, to);
  } catch (err) {
    if (err instanceof TooManyChanges) throw new BadUserInput('toVersion', `more than ${MAX_CHANGES} changes: ask for a narrower range`);
    throw err;
  }
}

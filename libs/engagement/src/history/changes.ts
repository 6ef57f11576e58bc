import type { StoredEvent } from '#event-store';
import { ReadModelFold } from '../read/read-model-fold.js';
import { PastView } from './past-view.js';

/** One field that an event changed: where, from what, to what, and who and when. */
export interface FieldChangeModel {
  path: string;
  before: unknown;
  after: unknown;
  version: number;
  occurredAt: Date;
  actorId: string;
}

/** At most this many versions in one `changes` answer (each is a fold step and a comparison of the view). */
export const MAX_CHANGE_RANGE = 1000;

/** At most this many changes in one answer (an event changes a handful of fields; a wider answer asks for a narrower range). */
export const MAX_CHANGES = 20_000;

/** More changes than MAX_CHANGES between the two versions. */
export class TooManyChanges extends Error {}

/**
 * What changed in the engagement's view from `fromVersion` (the state after
 * it; 0: nothing yet) to `toVersion`, event by event: the stream folded with
 * the read models' fold, the view's document compared after each event.
 * A collection entry that appears is one change (its path, before null);
 * values of a lasting entry change field by field (`homework.<id>.status`).
 */
export function changesBetween(
  engagementId: string,
  practiceId: string,
  events: readonly StoredEvent[],
  fromVersion: number,
  toVersion: number,
): FieldChangeModel[] {
  const fold = new ReadModelFold();
  let before: Record<string, unknown> = {};
  const out: FieldChangeModel[] = [];
  for (const e of events) {
    if (e.version > toVersion) break;
    if (e.metadata.practiceId !== practiceId) continue;
    fold.apply(e);
    if (e.version < fromVersion) continue;
    const after = PastView.ofFold(fold, engagementId, e.occurredAt)?.document() ?? {};
    if (e.version === fromVersion) {
      before = after;
      continue;
    }
    diff('', before, after, (path, b, a) => {
      if (out.length >= MAX_CHANGES) throw new TooManyChanges();
      out.push({ path, before: b, after: a, version: e.version, occurredAt: e.occurredAt, actorId: e.metadata.actorId });
    });
    before = after;
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function diff(path: string, before: unknown, after: unknown, emit: (path: string, before: unknown, after: unknown) => void): void {
  if (isRecord(before) && isRecord(after)) {
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      const p = path ? `${path}.${key}` : key;
      if (!(key in before)) emit(p, null, after[key]);
      else if (!(key in after)) emit(p, before[key], null);
      else diff(p, before[key], after[key], emit);
    }
    return;
  }
  if (JSON.stringify(before) !== JSON.stringify(after)) emit(path, before ?? null, after ?? null);
}

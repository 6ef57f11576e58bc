import { formatDateTime, humanise } from '../components/status';

// The time slider's words: which version the page shows, and what changed since, in a coach's
// terms rather than the API's paths. Pure functions: the console's unit tests check them.

/** One event of the timeline, as the slider labels it. */
export interface TimelineEvent {
  version: number;
  type: string;
  actorId: string;
  actorRole: string;
  occurredAt: string;
}

/** `Engagement.changes` spans at most this many versions (the API's MAX_CHANGE_RANGE). */
export const MAX_CHANGE_RANGE = 1000;

/**
 * The version the slider stands on, from the page's `?asOfVersion=`: null (the live engagement)
 * when absent, not a whole number, or at or past the live version; at least 1.
 */
export function shownVersion(search: string, liveVersion: number): number | null {
  const raw = new URLSearchParams(search).get('asOfVersion');
  if (raw === null || !/^\d+$/.test(raw)) return null;
  const version = Math.max(1, Number(raw));
  return version >= liveVersion ? null : version;
}

/** The slider's reading of a version: "Version 3 of 12: Homework assigned by coach coach-mark, 28 Nov 2026, 10:00 UTC". */
export function describeVersion(version: number, liveVersion: number, events: readonly TimelineEvent[]): string {
  const head = version >= liveVersion ? `Now: version ${liveVersion} of ${liveVersion}` : `Version ${version} of ${liveVersion}`;
  const event = events.find((e) => e.version === version);
  if (!event) return head;
  return `${head}: ${eventName(event.type)} by ${event.actorRole.toLowerCase()} ${event.actorId}, ${formatDateTime(event.occurredAt)}`;
}

/** "HomeworkAssigned" → "Homework assigned". */
export function eventName(type: string): string {
  const words = type.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The versions `changes` is asked for: from the past view to now, within the API's range. */
export function changesRange(asOfVersion: number, liveVersion: number): { toVersion: number; truncated: boolean } {
  const toVersion = Math.min(liveVersion, asOfVersion + MAX_CHANGE_RANGE);
  return { toVersion, truncated: toVersion < liveVersion };
}

/** What the page knows by id, to name a change's path. */
export interface Names {
  homework: ReadonlyMap<string, string>;
  drafts: ReadonlyMap<string, number>;
  sessions: ReadonlyMap<string, string>;
}

export function namesOf(e: {
  homework: readonly { id: string; title: string; drafts: readonly { id: string; revision: number }[] }[];
  sessions: readonly { id: string; heldAt: string }[];
}): Names {
  return {
    homework: new Map(e.homework.map((h) => [h.id, h.title])),
    drafts: new Map(e.homework.flatMap((h) => h.drafts.map((d) => [d.id, d.revision] as const))),
    sessions: new Map(e.sessions.map((s) => [s.id, s.heldAt])),
  };
}

const FIELD: Record<string, string> = {
  presentingQuestion: 'presenting question',
  currentStrategy: 'current strategy',
  dueAt: 'due',
  assignedAt: 'assigned',
  submittedAt: 'submitted',
  givenAt: 'given',
  givenBy: 'given by',
  heldAt: 'held',
  durationMinutes: 'minutes',
  openHomeworkCount: 'open homework',
  awaitingFeedbackCount: 'drafts awaiting feedback',
  openedAt: 'opened',
  closedAt: 'closed',
  recordedAt: 'recorded',
  jobSearch: 'job search',
};

const field = (key: string): string => FIELD[key] ?? key;

/**
 * A change's dotted path in words: `homework.<id>.drafts.<id>.content` → `Homework “CV” › draft 2 › content`,
 * `jobSearch.NETWORKING.applications` → `Job search › Networking › applications`.
 */
export function describePath(path: string, names: Names): string {
  const [head = '', ...rest] = path.split('.');
  const parts: string[] = [];
  if (head === 'homework' && rest.length) {
    const id = rest.shift()!;
    const title = names.homework.get(id);
    parts.push(title ? `Homework “${title}”` : 'Homework');
    if (rest[0] === 'drafts' && rest.length > 1) {
      rest.shift();
      const revision = names.drafts.get(rest.shift()!);
      parts.push(revision ? `draft ${revision}` : 'a draft');
    }
  } else if (head === 'sessions' && rest.length) {
    const heldAt = names.sessions.get(rest.shift()!);
    parts.push(heldAt ? `Session of ${formatDateTime(heldAt)}` : 'A session');
  } else if (head === 'jobSearch' && rest.length) {
    parts.push('Job search', humanise(rest.shift()!));
  } else {
    const name = field(head);
    parts.push(name.charAt(0).toUpperCase() + name.slice(1));
  }
  parts.push(...rest.filter((p) => !/^\d+$/.test(p)).map(field));
  return parts.join(' › ');
}

/** A before/after value as the table shows it: text quoted and cut, nothing as a dash, anything else as compact JSON. */
export function formatValue(value: unknown, max = 120): string {
  if (value === null || value === undefined) return '—';
  // a homework, draft, feedback or session that appeared: named by what a person reads in it
  if (typeof value === 'object' && !Array.isArray(value)) {
    const v = value as Record<string, unknown>;
    const named = [v.title, v.content, v.comments, v.summary].find((x) => typeof x === 'string');
    if (named !== undefined) return formatValue(named, max);
  }
  const text = typeof value === 'string' ? `“${value}”` : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

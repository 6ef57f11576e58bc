import { DateTime, IANAZone } from 'luxon';

// Quiet hours in the recipient's own time zone (issue 13): a reminder that
// would go inside the practice's quiet window is held to the window's end, as
// the recipient's wall clock reads it. Pure: the instant is passed in. Luxon
// does the zone arithmetic (IANA rules, DST gaps and overlaps), not us.

export interface QuietHours {
  /** "HH:MM", the recipient's local time the window opens */
  start: string;
  /** "HH:MM", the local time it closes; before `start`: the window spans midnight */
  end: string;
}

const HH_MM = /^([01]\d|2[0-3]):([0-5]\d)$/;

export function isWallTime(s: string): boolean {
  return HH_MM.test(s);
}

/** An IANA zone's name: "UTC", "Pacific/Auckland", "Etc/GMT+10", "America/Argentina/Buenos_Aires" (not "+13:00"). */
const IANA_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

/**
 * Whether the name is an IANA time zone this runtime knows (e.g. "Pacific/Auckland"). Offsets
 * such as "+13:00", which some Intl versions also take, are not names: they have no DST rules.
 */
export function isTimeZone(name: string): boolean {
  return IANA_NAME.test(name) && IANAZone.isValidZone(name);
}

function minutesOf(hhmm: string): number {
  const m = HH_MM.exec(hhmm);
  if (!m) throw new Error(`not a wall time: ${hhmm}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** The local day's wall time as an instant (in a DST gap: the first instant after it, as Luxon moves it). */
function wallTime(day: DateTime, minutes: number): DateTime {
  return day.set({ hour: Math.floor(minutes / 60), minute: minutes % 60, second: 0, millisecond: 0 });
}

/**
 * When a reminder due at `at` may go to someone in `zone`: null if `at` is
 * outside the quiet window (send it now), else the instant the window ends.
 * An unknown zone counts as UTC. An empty window (start = end) is no window.
 */
export function quietUntil(at: Date, quiet: QuietHours | null, zone: string): Date | null {
  if (!quiet) return null;
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  if (start === end) return null;
  const local = DateTime.fromJSDate(at, { zone: isTimeZone(zone) ? zone : 'UTC' });
  const now = local.hour * 60 + local.minute + local.second / 60 + local.millisecond / 60_000;
  const wraps = start > end;
  let until: DateTime | null = null;
  if (wraps) {
    if (now >= start) until = wallTime(local.plus({ days: 1 }), end);
    else if (now < end) until = wallTime(local, end);
  } else if (now >= start && now < end) {
    until = wallTime(local, end);
  }
  return until && until.toMillis() > at.getTime() ? until.toJSDate() : null;
}

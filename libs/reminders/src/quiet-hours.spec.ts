import { isTimeZone, quietUntil, type QuietHours } from './quiet-hours.js';

// Quiet hours by table: a reminder due at `at` for someone in `zone` is held until the given
// instant (null: it goes now). The expected instants are written in UTC, worked out by hand
// from each zone's offset on that date, DST changes included.

const NIGHT: QuietHours = { start: '21:00', end: '08:00' };
const u = (iso: string) => new Date(iso);

const table: [string, string, QuietHours | null, string, string | null][] = [
  // UTC−10 (no DST): 22:00 HST → 08:00 HST next morning
  ['Honolulu (UTC−10), late evening', '2026-06-01T08:00:00Z', NIGHT, 'Pacific/Honolulu', '2026-06-01T18:00:00Z'],
  ['Honolulu (UTC−10), early morning', '2026-06-01T16:00:00Z', NIGHT, 'Pacific/Honolulu', '2026-06-01T18:00:00Z'],
  ['Honolulu (UTC−10), midday: not quiet', '2026-06-01T22:00:00Z', NIGHT, 'Pacific/Honolulu', null],
  // UTC+13: Tonga all year; Auckland in its summer (NZDT)
  ['Tongatapu (UTC+13), 21:00 exactly', '2026-06-01T08:00:00Z', NIGHT, 'Pacific/Tongatapu', '2026-06-01T19:00:00Z'],
  ['Auckland in January (UTC+13), 23:00', '2026-01-15T10:00:00Z', NIGHT, 'Pacific/Auckland', '2026-01-15T19:00:00Z'],
  ['Auckland in July (UTC+12), 23:00', '2026-07-15T11:00:00Z', NIGHT, 'Pacific/Auckland', '2026-07-15T20:00:00Z'],
  ['Auckland, 07:59 is still quiet', '2026-01-15T18:59:00Z', NIGHT, 'Pacific/Auckland', '2026-01-15T19:00:00Z'],
  ['Auckland, 08:00 is not', '2026-01-15T19:00:00Z', NIGHT, 'Pacific/Auckland', null],
  // Auckland leaves DST on 5 April 2026 (03:00 NZDT → 02:00 NZST): the night is an hour longer
  ['Auckland, the night DST ends', '2026-04-04T09:00:00Z', NIGHT, 'Pacific/Auckland', '2026-04-04T20:00:00Z'],
  // London springs forward on 29 March 2026 (01:00 GMT → 02:00 BST): 08:00 BST is 07:00 UTC
  ['London, the night DST starts', '2026-03-28T22:00:00Z', NIGHT, 'Europe/London', '2026-03-29T07:00:00Z'],
  // and falls back on 25 October 2026 (02:00 BST → 01:00 GMT): 08:00 GMT is 08:00 UTC
  ['London, the night DST ends', '2026-10-24T22:00:00Z', NIGHT, 'Europe/London', '2026-10-25T08:00:00Z'],
  ['London, the repeated hour (01:30 GMT, second time)', '2026-10-25T01:30:00Z', NIGHT, 'Europe/London', '2026-10-25T08:00:00Z'],
  // New York springs forward on 8 March 2026 (02:00 EST → 03:00 EDT)
  ['New York, 21:00 EST the evening before DST', '2026-03-08T02:00:00Z', NIGHT, 'America/New_York', '2026-03-08T12:00:00Z'],
  ['New York, 08:00 EDT after the change is not quiet', '2026-03-08T12:00:00Z', NIGHT, 'America/New_York', null],
  // London's skipped hour that night is 01:00–02:00 local: a window ending at 01:30 ends when the
  // clock reads 02:30 BST (01:30 UTC), pushed forward by the gap as Temporal's 'compatible' rule does
  ['London, a window ending at 01:30, inside the skipped hour', '2026-03-29T00:30:00Z', { start: '23:00', end: '01:30' }, 'Europe/London', '2026-03-29T01:30:00Z'],
  ['London, a window ending at 03:00 BST that night', '2026-03-29T00:30:00Z', { start: '23:00', end: '03:00' }, 'Europe/London', '2026-03-29T02:00:00Z'],
  // a daytime window that does not span midnight
  ['UTC, lunch break', '2026-06-01T12:30:00Z', { start: '12:00', end: '13:00' }, 'UTC', '2026-06-01T13:00:00Z'],
  ['UTC, after lunch', '2026-06-01T13:00:00Z', { start: '12:00', end: '13:00' }, 'UTC', null],
  ['no quiet hours', '2026-06-01T23:00:00Z', null, 'UTC', null],
  ['an empty window', '2026-06-01T23:00:00Z', { start: '08:00', end: '08:00' }, 'UTC', null],
  ['an unknown zone counts as UTC', '2026-06-01T23:00:00Z', NIGHT, 'Mars/Olympus_Mons', '2026-06-02T08:00:00Z'],
];

describe('quietUntil', () => {
  it.each(table)('%s', (_name, at, quiet, zone, until) => {
    expect(quietUntil(u(at), quiet, zone)?.toISOString() ?? null).toBe(until === null ? null : u(until).toISOString());
  });
});

describe('isTimeZone', () => {
  it.each([
    ['Pacific/Auckland', true],
    ['Pacific/Honolulu', true],
    ['UTC', true],
    ['Europe/London', true],
    ['Mars/Olympus_Mons', false],
    ['+13:00', false],
    ['', false],
  ])('%s → %s', (name, valid) => {
    expect(isTimeZone(name as string)).toBe(valid);
  });
});

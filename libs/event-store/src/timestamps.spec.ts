import pg from 'pg';
import { fastParse, parseTimestamptz } from './timestamps.js';

// node-postgres's own parser, the answer every form must match
const pgParse = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ) as (text: string) => Date | number | null;

const same = (text: string) => {
  const ours = parseTimestamptz(text);
  const theirs = pgParse(text);
  return { text, ours: ours instanceof Date ? ours.getTime() : ours, theirs: theirs instanceof Date ? theirs.getTime() : theirs };
};

/** The text PostgreSQL sends for `ms` (epoch milliseconds) plus `micros`, in a zone `offsetSeconds` east of UTC. */
function pgText(ms: number, micros: number, offsetSeconds: number, fractionDigits: number): string {
  const local = new Date(ms + offsetSeconds * 1000);
  const pad = (v: number, n = 2) => String(v).padStart(n, '0');
  let text = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())} ${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
  const fraction = `${pad(local.getUTCMilliseconds(), 3)}${pad(micros, 3)}`.slice(0, fractionDigits).replace(/0+$/, '');
  if (fraction) text += `.${fraction}`;
  const abs = Math.abs(offsetSeconds);
  text += `${offsetSeconds < 0 ? '-' : '+'}${pad(Math.floor(abs / 3600))}`;
  if (abs % 3600) text += `:${pad(Math.floor((abs % 3600) / 60))}`;
  if (abs % 60) text += `:${pad(abs % 60)}`;
  return text;
}

describe('parseTimestamptz', () => {
  it('reads what PostgreSQL sends exactly as node-postgres does: fractions, offsets east and west, hours, minutes and seconds', () => {
    const offsets = [0, 3600, -3600, 5.5 * 3600, -9.5 * 3600, 13 * 3600, -10 * 3600, 5 * 3600 + 45 * 60, 561, -(17 * 60 + 32)];
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const cases: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const ms = Math.floor(random() * 4102444800000); // 1970–2100
      cases.push(pgText(ms, Math.floor(random() * 1000), offsets[i % offsets.length]!, i % 7));
    }
    const differing = cases.map(same).filter((c) => c.ours !== c.theirs);
    expect(differing).toEqual([]);
    // and read by the fast path, not handed on
    expect(cases.filter((text) => fastParse(text) === null)).toEqual([]);
  });

  it('gives the forms it does not read itself to node-postgres: BC, years before 1000, infinity', () => {
    for (const text of ['0050-01-01 00:00:00+00', '0001-01-01 00:00:00+00 BC', '2020-01-01 00:00:00+00 BC', 'infinity', '-infinity', '0999-12-31 23:59:59.999+00']) {
      const { ours, theirs } = same(text);
      expect([text, ours]).toEqual([text, theirs]);
      expect([text, fastParse(text)]).toEqual([text, null]);
    }
  });

  it('reads a few instants to the millisecond, truncating microseconds', () => {
    expect((parseTimestamptz('2026-11-30 12:34:56.789999+00') as Date).toISOString()).toBe('2026-11-30T12:34:56.789Z');
    expect((parseTimestamptz('2026-03-29 01:30:00.5+05:30') as Date).toISOString()).toBe('2026-03-28T20:00:00.500Z');
    expect((parseTimestamptz('1883-11-18 12:00:00-04:56:02') as Date).toISOString()).toBe('1883-11-18T16:56:02.000Z');
    expect((parseTimestamptz('2000-02-29 00:00:00-10') as Date).toISOString()).toBe('2000-02-29T10:00:00.000Z');
  });

  it('leaves malformed text to node-postgres rather than guessing', () => {
    for (const text of ['2026-11-30 12:34:56.789+0', '2026-11-30 12:34:56+00x', '2026-11-30T12:34:56+00', '2026-1x-30 12:34:56+00', '2026-11-30 12:34:56.+00']) {
      const { ours, theirs } = same(text);
      expect([text, ours]).toEqual([text, theirs]);
      expect([text, fastParse(text)]).toEqual([text, null]);
    }
  });
});

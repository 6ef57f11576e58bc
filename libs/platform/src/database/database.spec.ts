import { inline } from './database.js';

describe('inline: parameters written in as quoted literals (one round trip for several statements)', () => {
  it('quotes every value, doubling quotes, and marks backslashes with E', () => {
    expect(inline('SELECT $1::text[], $2', ['{"a","it\'s"}', 'x'])).toBe(`SELECT '{"a","it''s"}'::text[], 'x'`);
    expect(inline('SELECT $1', ['a\\b'])).toBe(`SELECT  E'a\\\\b'`);
  });

  it('tells $1 from $10 and leaves a "$2" inside a value alone', () => {
    const values = Array.from({ length: 10 }, (_, i) => `v${i + 1}`);
    values[0] = 'costs $2';
    expect(inline('SELECT $10, $1, $2', values)).toBe(`SELECT 'v10', 'costs $2', 'v2'`);
  });
});

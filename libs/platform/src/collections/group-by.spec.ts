import { groupBy } from './group-by.js';

describe('groupBy', () => {
  it('groups items by key, keys and items in the order first seen', () => {
    const groups = groupBy(['b1', 'a1', 'b2', 'c1', 'a2'], (s) => s[0]);
    expect([...groups.entries()]).toEqual([
      ['b', ['b1', 'b2']],
      ['a', ['a1', 'a2']],
      ['c', ['c1']],
    ]);
  });

  it('gives an empty map for no items, and takes any iterable', () => {
    expect(groupBy([], String).size).toBe(0);
    expect(groupBy(new Set([1, 2, 3, 4]), (n) => n % 2).get(0)).toEqual([2, 4]);
  });
});

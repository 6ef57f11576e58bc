import { inputViolation } from './input-limits.js';

const limits = { maxDepth: 4, maxStringLength: 10, maxListLength: 3 };

describe('inputViolation', () => {
  it('passes what fits', () => {
    expect(inputViolation({ input: { a: ['x', 'y'], b: { c: 1 } }, n: 5 }, limits)).toBeNull();
    expect(inputViolation(undefined, limits)).toBeNull();
  });

  it('names the first value beyond a limit by its path', () => {
    expect(inputViolation({ input: { title: 'x'.repeat(11) } }, limits)).toMatchObject({ path: 'input.title', limit: 'stringLength' });
    expect(inputViolation({ input: { list: [1, 2, 3, 4] } }, limits)).toMatchObject({ path: 'input.list', limit: 'listLength' });
    expect(inputViolation({ input: { a: { b: { c: { d: 1 } } } } }, limits)).toBeNull(); // 4 objects deep: the limit
    expect(inputViolation({ input: { a: { b: { c: { d: { e: 1 } } } } } }, limits)).toMatchObject({ path: 'input.a.b.c.d', limit: 'inputDepth' });
    expect(inputViolation({ input: { a: 1, b: 2, c: 3, d: 4 } }, limits)).toMatchObject({ path: 'input', limit: 'listLength' });
  });

  it('does not echo hostile keys, and stops at the depth limit however deep the value goes', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(inputViolation({ [`<${'k'.repeat(100)}>`]: deep }, limits)).toMatchObject({ path: '?.0.0.0.0', limit: 'inputDepth' });
  });
});

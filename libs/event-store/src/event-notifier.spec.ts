import { notifiedPractices } from './event-notifier.js';

// What a commit's notification names: its practices, or (null) any practice, which makes a
// partitioned subscriber read every partition.

it.each([
  ['["p1"]', ['p1']],
  ['["p1","p 2"]', ['p1', 'p 2']],
  ['[]', []],
  ['', null],
  [undefined, null],
  ['not json', null],
  ['{"p1":true}', null],
  ['[1]', null],
  ['"p1"', null],
])('%j names %j', (payload, practices) => {
  expect(notifiedPractices(payload)).toEqual(practices);
});

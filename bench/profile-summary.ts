// Summarises a V8 CPU profile (.cpuprofile) by self time, within a window of
// the core bench (bench/out/core-windows.json): the top frames and the share
// of whole areas (graphql-js, Apollo, Nest, pg, GC, …).
// node dist/bench/profile-summary.js <profile> <list|assign> [top] [windows file]
// (the windows file: bench/out/core-windows.json by default; bench/ab.ts writes bench/out/ab-windows.json)
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
const [file, phase, topArg, windowsFile] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file!, 'utf8')) as { nodes: Node[]; startTime: number; samples: number[]; timeDeltas: number[] };
const window = (JSON.parse(readFileSync(windowsFile ?? 'bench/out/core-windows.json', 'utf8')) as Record<string, number[]>)[phase!]!;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<string, number>();
const areas = new Map<string, number>();
let t = profile.startTime;
let total = 0;
const area = (url: string, fn: string): string => {
  if (fn === '(garbage collector)') return 'garbage collection';
  if (fn === '(idle)' || fn === '(program)') return fn;
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  if (url.startsWith('node:') || url === '') return 'node internals / native';
  return 'our code';
};
for (let i = 0; i < profile.samples.length; i++) {
  t += profile.timeDeltas[i]!;
  if (t < window[0]! || t > window[1]!) continue;
  const n = byId.get(profile.samples[i]!)!;
  const f = n.callFrame;
  const key = `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, '')}:${f.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + 1);
  const a = area(f.url, f.functionName);
  areas.set(a, (areas.get(a) ?? 0) + 1);
  total++;
}
const busy = total - (areas.get('(idle)') ?? 0);
const pct = (n: number) => `${((100 * n) / busy).toFixed(1)} %`;
console.log(`${phase}: ${total} samples, ${busy} busy (${((100 * busy) / total).toFixed(0)} % of the window)\n`);
console.log('| area (self time) | share of busy |\n|---|---|');
for (const [a, n] of [...areas].filter(([a]) => a !== '(idle)').sort((x, y) => y[1] - x[1]).slice(0, 12)) console.log(`| ${a} | ${pct(n)} |`);
console.log('\n| frame (self time) | share of busy |\n|---|---|');
for (const [k, n] of [...self].filter(([k]) => !k.startsWith('(idle)')).sort((x, y) => y[1] - x[1]).slice(0, Number(topArg ?? 20))) console.log(`| \`${k}\` | ${pct(n)} |`);

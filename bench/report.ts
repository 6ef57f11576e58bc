import { writeFileSync } from 'node:fs';
import { figures, fmt, machine, type Figure } from './support.js';

/** The Markdown report: every figure beside its same-run reference, with the machine it ran on. */
export function writeReport(path: string, meta: { command: string; startedAt: Date; seconds: number; failed: string[] }): void {
  const sections = [...new Set(figures.map((f) => f.section))];
  const lines: string[] = [
    '# Benchmark report',
    '',
    `Produced by \`${meta.command}\` on ${meta.startedAt.toISOString()} (${meta.seconds.toFixed(0)} s).`,
    '',
    `Machine: ${machine()}.`,
    '',
    'Absolute numbers drift on shared machines; each figure stands beside a reference measured in the same run,',
    'and the ratio between them is the figure to compare across runs.',
    '',
    ...(meta.failed.length ? ['**Sections that failed in this run** (no figures below):', '', ...meta.failed.map((f) => `- ${f}`), ''] : []),
  ];
  for (const section of sections) {
    lines.push(`## ${section}`, '', '| figure | value | reference (same run) | ratio | target | met |', '|---|---|---|---|---|---|');
    for (const f of figures.filter((x) => x.section === section)) lines.push(row(f));
    const notes = figures.filter((x) => x.section === section && x.extra);
    if (notes.length) {
      lines.push('');
      for (const f of notes) lines.push(`- ${f.name}: ${f.extra}`);
    }
    lines.push('');
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}

function row(f: Figure): string {
  const ref = f.reference ? `${fmt(f.reference.value)} ${f.reference.unit} (${f.reference.name})` : '–';
  const ratio = f.reference ? `${fmt(f.value / f.reference.value)}×` : '–';
  const met = f.met === undefined ? '–' : f.met ? 'yes' : '**no**';
  return `| ${f.name} | ${fmt(f.value)} ${f.unit} | ${ref} | ${ratio} | ${f.target ?? '–'} | ${met} |`;
}

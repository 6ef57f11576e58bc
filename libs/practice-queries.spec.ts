// Citus-ready queries (docs/scaling.md "Citus"): a statement on a table of practice data names
// `practice_id`, so a cluster distributed by practice sends it to one shard. Every SQL string of
// libs/ and apps/ (migrations aside) that reads or writes a practice table must mention
// practice_id, or be listed below: ACROSS_PRACTICES for statements that are meant to span practices
// (each with its reason), KNOWN_DEBT for per-practice statements not yet written with the filter
// (row-level security still scopes them on PostgreSQL; on Citus they would go to every shard). The
// debt is a ceiling per file and table: fixing one lowers it, a new unfiltered query fails here.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Tables of practice data (every one has practice_id leading its keys: test/scale/citus-ready.int-spec.ts). */
const PRACTICE_TABLES = [
  'events', 'event_idempotency', 'engagements', 'homework', 'drafts', 'feedback', 'coaching_sessions', 'job_search_stats',
  'engagement_snapshots', 'practice_settings', 'activity_by_day', 'reminders', 'webhook_subscriptions', 'webhook_deliveries', 'access_audit',
];

/** `file|table` → how many statements may span practices there, and why. */
const ACROSS_PRACTICES: Record<string, { max: number; reason: string }> = {
  'libs/event-store/src/schema.ts|events': {
    max: 2,
    reason: 'the definitions of event_store_read_all (the global log, every practice by design) and event_store_read_stream (a SQL function whose callers scope it; its filter is the stream)',
  },
  'libs/event-store/src/schema.ts|event_idempotency': { max: 2, reason: 'a migration rewriting every row (idempotencyPerActor up and down)' },
  'libs/engagement/src/read/engagement-queries.ts|engagements': {
    max: 2,
    reason: "the WHERE is built at run time and always starts with 'e.practice_id = $1' (not visible to this scan)",
  },
};

/** `file|table` → per-practice statements still without the filter (to be written with it). */
const KNOWN_DEBT: Record<string, number> = {
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return ['migrations', 'node_modules', 'console'].includes(entry.name) ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** `file|table` → SQL strings naming a practice table without practice_id. */
function unfiltered(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of [...sourceFiles(join(ROOT, 'libs')), ...sourceFiles(join(ROOT, 'apps'))]) {
    const rel = relative(ROOT, file).split('\\').join('/');
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(/`([^`]*)`|'((?:[^'\\\n]|\\.)*)'/g)) {
      const sql = m[1] ?? m[2] ?? '';
      if (!/\b(SELECT|UPDATE|DELETE|INSERT)\b/.test(sql) || /practice_id/.test(sql)) continue;
      for (const table of PRACTICE_TABLES) {
        if (!new RegExp(`\\b(FROM|JOIN|UPDATE|INTO)\\s+${table}\\b`, 'i').test(sql)) continue;
        const key = `${rel}|${table}`;
        found.set(key, [...(found.get(key) ?? []), sql.replace(/\s+/g, ' ').trim().slice(0, 120)]);
      }
    }
  }
  return found;
}

it('every statement on a practice table names practice_id, or is listed with its reason', () => {
  const over: string[] = [];
  for (const [key, statements] of unfiltered()) {
    const allowed = (ACROSS_PRACTICES[key]?.max ?? 0) + (KNOWN_DEBT[key] ?? 0);
    if (statements.length > allowed) over.push(`${key}: ${statements.length} without practice_id (allowed ${allowed}):\n  ${statements.join('\n  ')}`);
  }
  expect(over).toEqual([]);
});

it('finds a statement without practice_id (the scan is not blind)', () => {
  const found = unfiltered();
  expect(found.get('libs/event-store/src/schema.ts|events')?.some((s) => s.includes('event_store_read_all'))).toBe(true);
});

// The rules of docs/architecture.md, checked on the source: who may import
// whom, and which lib's SQL may name which table. A new import or query that
// breaks them fails here, naming the file.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

type Part = 'event-store' | 'platform' | 'engagement' | 'reminders' | 'domain' | 'api' | 'worker' | 'cli';

/** What each part may import of ours (`#lib` aliases or relative paths into another part). */
const MAY_IMPORT: Record<Part, readonly Part[]> = {
  'event-store': [],
  platform: ['event-store'],
  domain: [],
  engagement: ['event-store', 'platform', 'domain'],
  reminders: ['event-store', 'platform', 'engagement'],
  api: ['event-store', 'platform', 'engagement', 'reminders', 'cli'],
  worker: ['event-store', 'platform', 'engagement', 'reminders'],
  // `start` runs the api and the worker in one process
  cli: ['event-store', 'platform', 'engagement', 'reminders', 'api', 'worker'],
};

/** Which part owns each table: only its owner's code names it in SQL (migrations aside). */
const TABLE_OWNER: Record<string, Part> = {
  events: 'event-store',
  event_idempotency: 'event-store',
  subscription_checkpoints: 'event-store',
  engagements: 'engagement',
  homework: 'engagement',
  drafts: 'engagement',
  feedback: 'engagement',
  coaching_sessions: 'engagement',
  job_search_stats: 'engagement',
  engagement_snapshots: 'engagement',
  engagement_history_snapshots: 'engagement',
  practice_settings: 'engagement',
  activity_by_day: 'engagement',
  reminders: 'reminders',
  webhook_subscriptions: 'reminders',
  webhook_deliveries: 'reminders',
  access_audit: 'platform',
};

function partOf(file: string): Part | null {
  const rel = relative(ROOT, file).split('\\').join('/');
  if (rel.startsWith('libs/engagement/src/domain/')) return 'domain';
  const lib = /^libs\/([^/]+)\//.exec(rel)?.[1];
  if (lib) return lib as Part;
  const app = /^apps\/([^/]+)\//.exec(rel)?.[1];
  return (app as Part | undefined) ?? null;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

const FILES = [...sourceFiles(join(ROOT, 'libs')), ...sourceFiles(join(ROOT, 'apps'))].map((path) => ({
  path,
  rel: relative(ROOT, path),
  part: partOf(path)!,
  text: readFileSync(path, 'utf8'),
}));

/** The parts a file imports (static and dynamic imports, `#lib` aliases and relative paths). */
function importsOf(file: (typeof FILES)[number]): { target: Part; spec: string }[] {
  const specs = [...file.text.matchAll(/(?:from\s+|import\s*\(\s*)'([^']+)'/g)].map((m) => m[1]!);
  return specs.flatMap((spec) => {
    if (spec.startsWith('#')) return [{ target: spec.slice(1).split('/')[0] as Part, spec }];
    if (!spec.startsWith('.')) return [];
    const target = partOf(resolve(dirname(file.path), spec));
    return target ? [{ target, spec }] : [];
  });
}

/** Table names a file's SQL names (FROM, JOIN, INTO, UPDATE, TABLE, ON … of a statement in a string). */
function tablesOf(text: string): string[] {
  const names = Object.keys(TABLE_OWNER).join('|');
  const re = new RegExp(String.raw`\b(?:FROM|JOIN|INTO|UPDATE|TABLE|ON)\s+(?:\$\{[^}]*\}\.?|[a-z_]+\.)?(${names})\b(?!\s*\()`, 'g');
  return [...text.matchAll(re)].map((m) => m[1]!);
}

describe('architecture rules (docs/architecture.md)', () => {
  it('reads every part', () => {
    const parts = new Set(FILES.map((f) => f.part));
    for (const part of Object.keys(MAY_IMPORT)) expect([part, parts.has(part as Part)]).toEqual([part, true]);
  });

  it('no part imports what it may not', () => {
    const broken = FILES.flatMap((f) =>
      importsOf(f)
        .filter(({ target }) => target !== f.part && !MAY_IMPORT[f.part].includes(target))
        .map(({ spec }) => `${f.rel} imports ${spec}`),
    );
    expect(broken).toEqual([]);
  });

  it("no lib's SQL names another lib's table (migrations aside)", () => {
    const broken = FILES.filter((f) => f.rel.startsWith('libs/') && !/\/migrations(\/|\.ts$)/.test(f.rel)).flatMap((f) =>
      tablesOf(f.text)
        .filter((table) => {
          const owner = TABLE_OWNER[table]!;
          // the domain is part of the engagement lib
          return owner !== f.part && !(owner === 'engagement' && f.part === 'domain');
        })
        .map((table) => `${f.rel} names ${table} (owned by ${TABLE_OWNER[table]})`),
    );
    expect(broken).toEqual([]);
  });

  it('the checks can fail', () => {
    expect(tablesOf('SELECT id FROM reminders WHERE x')).toEqual(['reminders']);
    expect(tablesOf('UPDATE ${this.t(\'homework\')} SET')).toEqual([]);
    expect(tablesOf('FROM rebuild.homework h JOIN events e ON')).toEqual(['homework', 'events']);
    expect(tablesOf('FROM event_store_read_stream(ids.id, 0) e')).toEqual([]);
    const fake = { path: join(ROOT, 'libs/engagement/src/x.ts'), rel: 'x', part: 'engagement' as Part, text: "import { a } from '#reminders';" };
    expect(importsOf(fake)).toEqual([{ target: 'reminders', spec: '#reminders' }]);
    const domain = { path: join(ROOT, 'libs/engagement/src/domain/x.ts'), rel: 'x', part: 'domain' as Part, text: "import { a } from '../read/x.js';" };
    expect(importsOf(domain)).toEqual([{ target: 'engagement', spec: '../read/x.js' }]);
  });
});

// A command is one slice: its input (GraphQL type and validation, one
// declaration), its command message (input → domain command) and its
// mutation live in one file, `libs/engagement/src/commands/<name>.slice.ts`.
// What else a new command touches is the recipe of docs/architecture.md; how
// many files its path crosses at run time is measured by
// test/architecture/command-path.e2e-spec.ts.
const ENGAGEMENT = FILES.filter((f) => f.rel.startsWith('libs/engagement/src/'));
const isSlice = (rel: string) => /^libs\/engagement\/src\/commands\/[a-z-]+\.slice\.ts$/.test(rel);

describe('command slices (docs/architecture.md, "Recipe")', () => {
  it('every engagement command message is declared in a slice', () => {
    const outside = ENGAGEMENT.filter((f) => /extends EngagementCommandMessage\b/.test(f.text) && !isSlice(f.rel)).map((f) => f.rel);
    expect(outside).toEqual([]);
  });

  it('every mutation of the engagement lib is declared in the slice of its command', () => {
    const outside = ENGAGEMENT.filter((f) => /@Mutation\(/.test(f.text) && !isSlice(f.rel)).map((f) => f.rel);
    expect(outside).toEqual([]);
  });

  it("a slice's mutations take inputs declared in the same slice, and send a command it declares", () => {
    const slices = ENGAGEMENT.filter((f) => isSlice(f.rel));
    expect(slices.length).toBeGreaterThan(5);
    const broken = slices.flatMap((f) => {
      const declared = new Set([...f.text.matchAll(/export const (\w+Input) = inputType\(/g)].map((m) => m[1]!));
      // an engagement command, or a command of its own (the practice's settings: no engagement stream)
      const commands = new Set([...f.text.matchAll(/export class (\w+Command) extends (?:EngagementCommandMessage\b|Command<)/g)].map((m) => m[1]!));
      const used = [...f.text.matchAll(/@Args\('input', \{ type: \(\) => (\w+) \}\)/g)].map((m) => m[1]!);
      const sent = [...f.text.matchAll(/new (\w+Command)\(/g)].map((m) => m[1]!);
      return [
        ...(commands.size === 0 ? [`${f.rel} declares no command`] : []),
        ...used.filter((i) => !declared.has(i)).map((i) => `${f.rel} takes ${i}, declared elsewhere`),
        ...sent.filter((c) => !commands.has(c)).map((c) => `${f.rel} sends ${c}, declared elsewhere`),
      ];
    });
    expect(broken).toEqual([]);
  });

  it('each slice is registered in the module', () => {
    const module = ENGAGEMENT.find((f) => f.rel === 'libs/engagement/src/engagement.module.ts')!.text;
    const resolvers = ENGAGEMENT.filter((f) => isSlice(f.rel)).flatMap((f) => [...f.text.matchAll(/@Resolver\(\)\s+export class (\w+)/g)].map((m) => m[1]!));
    expect(resolvers.filter((r) => !new RegExp(String.raw`\b${r}\b`).test(module))).toEqual([]);
  });
});

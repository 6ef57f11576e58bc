import pg from 'pg';
import { runMigrations } from '#platform';
import { ALL_MIGRATIONS } from '../../apps/cli/src/migrations.js';
import { pgPool, TEST_DATABASE_URL } from '../support/db.js';

// Citus distributes a table by one column and wants that column in every primary key, unique
// constraint (and unique index) and foreign key, so each of them can be checked on one shard. The
// service's distribution column is practice_id: this reads the catalog of the migrated schema and
// fails on any table of practice data or any constraint that breaks the rule.

/** Tables that hold no practice's data, and why. Anything else must carry practice_id. */
const NOT_PRACTICE_DATA: Record<string, string> = {
  schema_migrations: 'TypeORM bookkeeping (a Citus local table on the coordinator)',
  subscription_checkpoints: "a subscriber's position in the whole log (a reference or coordinator-local table)",
};

async function violations(pool: pg.Pool, schema: string, exempt: Record<string, string>): Promise<string[]> {
  const found: string[] = [];
  const { rows: tables } = await pool.query<{ table: string; column_ok: boolean | null }>(
    `SELECT c.relname AS table,
            (SELECT a.attnotnull FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'practice_id' AND NOT a.attisdropped) AS column_ok
       FROM pg_class c WHERE c.relnamespace = $1::regnamespace AND c.relkind IN ('r', 'p') ORDER BY 1`,
    [schema],
  );
  for (const t of tables) {
    if (t.table in exempt) {
      if (t.column_ok !== null) found.push(`${t.table}: has practice_id but is listed as not practice data`);
      continue;
    }
    if (t.column_ok === null) found.push(`${t.table}: no practice_id column`);
    else if (!t.column_ok) found.push(`${t.table}: practice_id may be NULL`);
  }
  const { rows: constraints } = await pool.query<{ table: string; name: string; type: string; cols: string[]; refcols: string[] | null }>(
    `SELECT c.conrelid::regclass::text AS table, c.conname AS name, c.contype::text AS type,
            ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i) AS cols,
            CASE WHEN c.contype = 'f' THEN
              ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i)
            END AS refcols
       FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
      WHERE c.connamespace = $1::regnamespace AND c.contype IN ('p', 'u', 'f', 'x')`,
    [schema],
  );
  for (const c of constraints) {
    const table = c.table.replace(/^.*\./, '');
    if (table in exempt) continue;
    const i = c.cols.indexOf('practice_id');
    if (i < 0) found.push(`${table}.${c.name}: (${c.cols.join(', ')}) lacks practice_id`);
    else if (c.type === 'f' && c.refcols![i] !== 'practice_id') found.push(`${table}.${c.name}: practice_id references ${c.refcols![i]}`);
  }
  const { rows: indexes } = await pool.query<{ table: string; name: string; def: string; has: boolean }>(
    `SELECT t.relname AS table, x.relname AS name, pg_get_indexdef(i.indexrelid) AS def,
            EXISTS (SELECT 1 FROM unnest(i.indkey) k(n) JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n WHERE a.attname = 'practice_id') AS has
       FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid JOIN pg_class x ON x.oid = i.indexrelid
      WHERE t.relnamespace = $1::regnamespace AND i.indisunique`,
    [schema],
  );
  for (const x of indexes) if (!(x.table in exempt) && !x.has) found.push(`${x.table}.${x.name}: unique index without practice_id (${x.def})`);
  return found;
}

// a database of its own with exactly what the migrations make (other tests add scratch tables to the shared one)
const base = new URL(TEST_DATABASE_URL);
const database = `${base.pathname.slice(1)}_citus`;
const url = Object.assign(new URL(base), { pathname: `/${database}` }).toString();
const admin = Object.assign(new URL(base), { pathname: '/postgres' }).toString();
let pool: pg.Pool;

async function onServer(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

beforeAll(async () => {
  await onServer(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await onServer(`CREATE DATABASE ${database}`);
  await runMigrations(url, ALL_MIGRATIONS);
  pool = pgPool(url, 2);
});
afterAll(async () => {
  await pool?.end();
  await onServer(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
});

it('every table of practice data has practice_id in its primary key, unique constraints and indexes, and foreign keys', async () => {
  expect(await violations(pool, 'public', NOT_PRACTICE_DATA)).toEqual([]);
  // the exemptions are real tables (a renamed one must be looked at again)
  const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relname = ANY($1)`, [
    Object.keys(NOT_PRACTICE_DATA),
  ]);
  expect(rows[0]!.n).toBe(Object.keys(NOT_PRACTICE_DATA).length);
});

it('the check finds each kind of break (a scratch schema of bad tables)', async () => {
  const schema = `citus_check_${process.pid}_${Date.now()}`;
  await pool.query(`CREATE SCHEMA ${schema}`);
  try {
    await pool.query(`
      CREATE TABLE ${schema}.parent (practice_id text NOT NULL, id uuid, PRIMARY KEY (practice_id, id), UNIQUE (id));
      CREATE TABLE ${schema}.child (practice_id text NOT NULL, id uuid PRIMARY KEY, parent_id uuid REFERENCES ${schema}.parent (id));
      CREATE TABLE ${schema}.loose (id uuid PRIMARY KEY, practice_id text);
      CREATE TABLE ${schema}.orphan (id uuid);
      CREATE UNIQUE INDEX orphan_id ON ${schema}.orphan (id);`);
    const found = await violations(pool, schema, {});
    expect(found.sort()).toEqual(
      [
        'child.child_pkey: (id) lacks practice_id',
        'child.child_parent_id_fkey: (parent_id) lacks practice_id',
        'child.child_pkey: unique index without practice_id (CREATE UNIQUE INDEX child_pkey ON ' + `${schema}.child USING btree (id))`,
        'loose: practice_id may be NULL',
        'loose.loose_pkey: (id) lacks practice_id',
        'loose.loose_pkey: unique index without practice_id (CREATE UNIQUE INDEX loose_pkey ON ' + `${schema}.loose USING btree (id))`,
        'orphan: no practice_id column',
        'orphan.orphan_id: unique index without practice_id (CREATE UNIQUE INDEX orphan_id ON ' + `${schema}.orphan USING btree (id))`,
        'parent.parent_id_key: (id) lacks practice_id',
        'parent.parent_id_key: unique index without practice_id (CREATE UNIQUE INDEX parent_id_key ON ' + `${schema}.parent USING btree (id))`,
      ].sort(),
    );
  } finally {
    await pool.query(`DROP SCHEMA ${schema} CASCADE`);
  }
});

import pg from 'pg';
import type { Queryable } from '#event-store';

/** Where the live tables are, where their replacements are built, and where the replaced ones are kept. */
export const LIVE_SCHEMA = 'public';
export const SHADOW_SCHEMA = 'rebuild';
export const RETIRED_SCHEMA = 'rebuild_previous';

interface Policy {
  name: string;
  permissive: boolean;
  command: string;
  roles: string[];
  using: string | null;
  check: string | null;
}

interface Grant {
  grantee: string;
  privilege: string;
  grantable: boolean;
  column: string | null;
}

/** What a live table is beyond its columns: everything a copy must get back. */
export interface TableDefinition {
  name: string;
  oid: string;
  owner: string;
  rowSecurity: boolean;
  forceRowSecurity: boolean;
  reloptions: string[] | null;
  columns: string[];
  /** primary keys, unique and exclusion constraints: needed while loading (ON CONFLICT, lookups by id) */
  keys: { name: string; definition: string }[];
  /** foreign keys, pointing at the copies of the tables they reference (when in the set); added after the load */
  foreignKeys: { name: string; definition: string }[];
  /** other indexes: b-trees before the load (the projector's lookups use them), the rest after it */
  indexes: { name: string; definition: string; btree: boolean }[];
  policies: Policy[];
  grants: Grant[];
}

const q = (identifier: string) => pg.escapeIdentifier(identifier);

/**
 * Blue/green copies of a set of tables: built in SHADOW_SCHEMA beside the live
 * ones, then swapped in by one transaction. Renaming or moving a table
 * (ALTER TABLE ... SET SCHEMA) carries everything that hangs on its OID:
 * indexes, constraints, foreign keys, policies, grants, triggers, statistics.
 * So the replaced table leaves with its own policies and grants, and the copy
 * arrives with only what it was given: this class gives it the live table's
 * keys, indexes (same names), foreign keys (between the copies), row-level
 * security (enabled, forced, same policies), grants (table and column),
 * owner and storage options, all read from the catalog, so a later migration
 * of the live tables needs no change here. What points at a table by OID
 * from outside the set would keep pointing at the replaced table, so the
 * swap refuses to start when there is any: foreign keys from other tables,
 * views, triggers, publications. Functions are unaffected: their bodies name
 * tables and are resolved when they run, and PostgreSQL re-plans cached
 * statements after the swap.
 */
export class ShadowTables {
  private definitions: TableDefinition[] = [];

  constructor(readonly tables: readonly string[]) {}

  get live(): string {
    return this.tables.map((t) => `${LIVE_SCHEMA}.${q(t)}`).join(', ');
  }

  /** Reads the live tables' definitions; throws when something outside the set depends on them. */
  async inspect(owner: pg.Pool): Promise<TableDefinition[]> {
    const client = await owner.connect();
    try {
      await client.query('BEGIN READ ONLY');
      // with only pg_catalog on the path every name the catalog prints comes schema-qualified
      await client.query('SET LOCAL search_path = pg_catalog');
      const { rows: tables } = await client.query<{
        oid: string;
        relname: string;
        owner: string;
        relrowsecurity: boolean;
        relforcerowsecurity: boolean;
        reloptions: string[] | null;
      }>(
        `SELECT c.oid::text AS oid, c.relname, pg_get_userbyid(c.relowner) AS owner, c.relrowsecurity, c.relforcerowsecurity, c.reloptions
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = $1 AND c.relname = ANY($2) AND c.relkind = 'r'`,
        [LIVE_SCHEMA, this.tables],
      );
      const missing = this.tables.filter((t) => !tables.some((r) => r.relname === t));
      if (missing.length) throw new Error(`no table ${missing.join(', ')} in schema ${LIVE_SCHEMA}: run the migrations first`);
      const oids = tables.map((t) => t.oid);
      await this.refuseOutsideDependents(client, oids);

      this.definitions = [];
      for (const name of this.tables) {
        const t = tables.find((r) => r.relname === name)!;
        const { rows: columns } = await client.query<{ attname: string }>(
          'SELECT attname FROM pg_attribute WHERE attrelid = $1::oid AND attnum > 0 AND NOT attisdropped ORDER BY attnum',
          [t.oid],
        );
        const { rows: constraints } = await client.query<{ conname: string; contype: string; def: string }>(
          `SELECT conname, contype, pg_get_constraintdef(oid) AS def FROM pg_constraint
            WHERE conrelid = $1::oid AND contype IN ('p', 'u', 'x', 'f') ORDER BY contype = 'p' DESC, conname`,
          [t.oid],
        );
        const { rows: indexes } = await client.query<{ name: string; def: string; btree: boolean }>(
          `SELECT ic.relname AS name, pg_get_indexdef(i.indexrelid) AS def, am.amname = 'btree' AS btree
             FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
            WHERE i.indrelid = $1::oid AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)
            ORDER BY ic.relname`,
          [t.oid],
        );
        const { rows: policies } = await client.query<Policy>(
          `SELECT polname AS name, polpermissive AS permissive, polcmd AS command,
                  ARRAY(SELECT CASE WHEN r = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(r)) END FROM unnest(polroles) r) AS roles,
                  pg_get_expr(polqual, polrelid) AS using, pg_get_expr(polwithcheck, polrelid) AS check
             FROM pg_policy WHERE polrelid = $1::oid ORDER BY polname`,
          [t.oid],
        );
        const { rows: grants } = await client.query<Grant>(
          `SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END AS grantee,
                  a.privilege_type AS privilege, a.is_grantable AS grantable, NULL::text AS column
             FROM pg_class c, aclexplode(c.relacl) a WHERE c.oid = $1::oid AND a.grantee <> c.relowner
           UNION ALL
           SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(a.grantee)) END,
                  a.privilege_type, a.is_grantable, att.attname::text
             FROM pg_attribute att JOIN pg_class c ON c.oid = att.attrelid, aclexplode(att.attacl) a
            WHERE att.attrelid = $1::oid AND att.attacl IS NOT NULL AND NOT att.attisdropped AND a.grantee <> c.relowner`,
          [t.oid],
        );
        this.definitions.push({
          name,
          oid: t.oid,
          owner: t.owner,
          rowSecurity: t.relrowsecurity,
          forceRowSecurity: t.relforcerowsecurity,
          reloptions: t.reloptions,
          columns: columns.map((c) => c.attname),
          keys: constraints.filter((c) => c.contype !== 'f').map((c) => ({ name: c.conname, definition: c.def })),
          foreignKeys: constraints.filter((c) => c.contype === 'f').map((c) => ({ name: c.conname, definition: this.toShadow(c.def, 'REFERENCES') })),
          indexes: indexes.map((i) => ({ name: i.name, definition: this.toShadow(i.def, 'ON'), btree: i.btree })),
          policies,
          grants,
        });
      }
      await client.query('COMMIT');
      return this.definitions;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /** Empty copies in SHADOW_SCHEMA with columns, defaults, checks, keys and b-tree indexes; leftovers of an earlier run dropped. */
  async create(owner: Queryable): Promise<void> {
    await this.dropShadow(owner);
    for (const t of this.definitions) {
      await owner.query(
        `CREATE TABLE ${SHADOW_SCHEMA}.${q(t.name)} (LIKE ${LIVE_SCHEMA}.${q(t.name)}
           INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING IDENTITY
           INCLUDING STORAGE INCLUDING COMPRESSION INCLUDING COMMENTS INCLUDING STATISTICS)`,
      );
      for (const k of t.keys) await owner.query(`ALTER TABLE ${SHADOW_SCHEMA}.${q(t.name)} ADD CONSTRAINT ${q(k.name)} ${k.definition}`);
      // b-trees now: the projector looks rows up by them while loading (homework of an engagement, ...)
      for (const i of t.indexes.filter((i) => i.btree)) await owner.query(i.definition);
    }
  }

  /** After the bulk load: the other indexes, foreign keys, policies (not yet enforced), storage options, statistics. */
  async complete(owner: Queryable): Promise<void> {
    for (const t of this.definitions) {
      const table = `${SHADOW_SCHEMA}.${q(t.name)}`;
      // GIN and the like: no lookup of the projector needs them, and one build beats row-by-row upkeep
      for (const i of t.indexes.filter((i) => !i.btree)) await owner.query(i.definition);
      if (t.reloptions?.length) await owner.query(`ALTER TABLE ${table} SET (${t.reloptions.join(', ')})`);
      for (const p of t.policies) {
        const command = { '*': 'ALL', r: 'SELECT', a: 'INSERT', w: 'UPDATE', d: 'DELETE' }[p.command] ?? 'ALL';
        await owner.query(
          `CREATE POLICY ${q(p.name)} ON ${table} AS ${p.permissive ? 'PERMISSIVE' : 'RESTRICTIVE'} FOR ${command} TO ${p.roles.join(', ')}` +
            (p.using ? ` USING (${p.using})` : '') +
            (p.check ? ` WITH CHECK (${p.check})` : ''),
        );
      }
    }
    // foreign keys once every copy has its keys (they check the rows already there)
    for (const t of this.definitions) {
      for (const f of t.foreignKeys) await owner.query(`ALTER TABLE ${SHADOW_SCHEMA}.${q(t.name)} ADD CONSTRAINT ${q(f.name)} ${f.definition}`);
    }
    for (const t of this.definitions) await owner.query(`ANALYZE ${SHADOW_SCHEMA}.${q(t.name)}`);
  }

  /**
   * Inside the caller's transaction, which holds ACCESS EXCLUSIVE locks on the
   * live tables: the live tables move to RETIRED_SCHEMA, the copies to the
   * live schema, and the copies get the live tables' owner, row-level
   * security and grants. Names of indexes and constraints are per schema or
   * per table, so every name is the same as before.
   */
  async swap(tx: Queryable): Promise<void> {
    for (const t of this.definitions) await tx.query(`ALTER TABLE ${LIVE_SCHEMA}.${q(t.name)} SET SCHEMA ${RETIRED_SCHEMA}`);
    for (const t of this.definitions) await tx.query(`ALTER TABLE ${SHADOW_SCHEMA}.${q(t.name)} SET SCHEMA ${LIVE_SCHEMA}`);
    const { rows } = await tx.query<{ me: string }>('SELECT current_user AS me');
    for (const t of this.definitions) {
      const table = `${LIVE_SCHEMA}.${q(t.name)}`;
      if (t.owner !== rows[0]!.me) await tx.query(`ALTER TABLE ${table} OWNER TO ${q(t.owner)}`);
      if (t.rowSecurity) await tx.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      if (t.forceRowSecurity) await tx.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
      for (const g of t.grants) {
        const what = g.column ? `${g.privilege} (${q(g.column)})` : g.privilege;
        await tx.query(`GRANT ${what} ON ${table} TO ${g.grantee}${g.grantable ? ' WITH GRANT OPTION' : ''}`);
      }
    }
  }

  /** The replaced tables, kept since the swap for comparison or a manual roll-back. */
  async dropRetired(owner: Queryable): Promise<void> {
    await owner.query(`DROP TABLE IF EXISTS ${this.tables.map((t) => `${RETIRED_SCHEMA}.${q(t)}`).join(', ')}`);
  }

  async dropShadow(owner: Queryable): Promise<void> {
    await owner.query(`DROP TABLE IF EXISTS ${this.tables.map((t) => `${SHADOW_SCHEMA}.${q(t)}`).join(', ')} CASCADE`);
  }

  /** The live table's columns, in order (the copies have the same ones). */
  columns(table: string): string[] {
    const t = this.definitions.find((d) => d.name === table);
    if (!t) throw new Error(`unknown table ${table}`);
    return t.columns;
  }

  /** A definition printed for a live table, made to name the copy: `ON public.t` / `REFERENCES public.t(`. */
  private toShadow(definition: string, keyword: 'ON' | 'REFERENCES'): string {
    let out = definition;
    for (const t of this.tables) {
      const name = escape(printed(t));
      const from = keyword === 'ON' ? new RegExp(` ON (ONLY )?${LIVE_SCHEMA}\\.${name} USING `) : new RegExp(`REFERENCES ${LIVE_SCHEMA}\\.${name}\\(`);
      out = out.replace(from, (_m, only?: string) =>
        keyword === 'ON' ? ` ON ${only ?? ''}${SHADOW_SCHEMA}.${q(t)} USING ` : `REFERENCES ${SHADOW_SCHEMA}.${q(t)}(`,
      );
    }
    return out;
  }

  private async refuseOutsideDependents(client: pg.PoolClient, oids: string[]): Promise<void> {
    const problems: string[] = [];
    const { rows: fks } = await client.query<{ what: string }>(
      `SELECT format('foreign key %s of %s', conname, conrelid::regclass) AS what FROM pg_constraint
        WHERE contype = 'f' AND confrelid = ANY($1::oid[]) AND NOT conrelid = ANY($1::oid[])`,
      [oids],
    );
    const { rows: views } = await client.query<{ what: string }>(
      `SELECT DISTINCT format('view %s', r.ev_class::regclass) AS what FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid
        WHERE d.classid = 'pg_rewrite'::regclass AND d.refobjid = ANY($1::oid[]) AND r.ev_class <> d.refobjid`,
      [oids],
    );
    const { rows: triggers } = await client.query<{ what: string }>(
      `SELECT format('trigger %s on %s', tgname, tgrelid::regclass) AS what FROM pg_trigger WHERE tgrelid = ANY($1::oid[]) AND NOT tgisinternal`,
      [oids],
    );
    const { rows: publications } = await client.query<{ what: string }>(
      `SELECT format('publication %s', p.pubname) AS what FROM pg_publication_rel pr JOIN pg_publication p ON p.oid = pr.prpubid
        WHERE pr.prrelid = ANY($1::oid[])`,
      [oids],
    );
    for (const r of [...fks, ...views, ...triggers, ...publications]) problems.push(r.what);
    if (problems.length) {
      throw new Error(
        `cannot swap these tables: ${problems.join('; ')} would keep pointing at the replaced tables. ` +
          'Drop or move them first, or extend ShadowTables to carry them over.',
      );
    }
  }
}

/** A name as the catalog prints it (quote_ident): bare when it can be. */
function printed(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : q(name);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

import type { DataSourceOptions } from 'typeorm';
import { dataSourceOptions } from './data-source-options.js';

/**
 * Applies pending migrations as the schema owner. Several processes may start at
 * once: an advisory lock makes them take turns, so each migration runs once.
 */
export async function runMigrations(
  url: string,
  /** every lib's migrations (the apps' ALL_MIGRATIONS) */
  migrations: NonNullable<DataSourceOptions['migrations']>,
  log: (msg: string) => void = () => undefined,
): Promise<string[]> {
  // loaded here, not at the top: the apps import this module's package but never load TypeORM
  const { DataSource } = await import('typeorm');
  const ds = new DataSource(dataSourceOptions({ url, poolSize: 2, applicationName: 'coaching-migrate' }, migrations));
  await ds.initialize();
  const runner = ds.createQueryRunner();
  try {
    await runner.connect();
    await runner.query("SELECT pg_advisory_lock(hashtextextended('coaching:migrations', 0))");
    const applied = await ds.runMigrations({ transaction: 'each' });
    for (const m of applied) log(`migration applied: ${m.name}`);
    return applied.map((m) => m.name);
  } finally {
    await runner.query("SELECT pg_advisory_unlock(hashtextextended('coaching:migrations', 0))").catch(() => undefined);
    await runner.release();
    await ds.destroy();
  }
}

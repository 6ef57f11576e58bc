import type { PoolConfig } from 'pg';
import type { DataSourceOptions } from 'typeorm';

export interface DatabaseSettings {
  url: string;
  poolSize: number;
  applicationName?: string;
}

/**
 * The apps' connection pool. node-postgres directly: the service's statements are hand-written SQL, so
 * TypeORM has nothing to do at run time, and not loading it keeps ~8 MB of modules out of every
 * process's live heap (bench/REPORT.md, 2026-12-03 12:00). TypeORM runs the migrations (below).
 */
export function poolConfig(settings: DatabaseSettings): PoolConfig {
  return {
    connectionString: settings.url,
    max: settings.poolSize,
    application_name: settings.applicationName ?? 'coaching',
    // fail fast instead of queueing forever when the database is gone
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    // a statement that runs away is cancelled rather than holding a connection
    statement_timeout: 30_000,
    idle_in_transaction_session_timeout: 60_000,
  };
}

/** The migration CLI's TypeORM data source: the same connection settings. Never `synchronize`. */
export function dataSourceOptions(settings: DatabaseSettings, migrations: NonNullable<DataSourceOptions['migrations']> = []): DataSourceOptions {
  const { connectionString, max, application_name, ...extra } = poolConfig(settings);
  return {
    type: 'postgres',
    url: connectionString,
    migrations,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    logging: ['error'],
    poolSize: max,
    applicationName: application_name,
    extra,
  };
}

import type { DataSourceOptions } from 'typeorm';

export interface DatabaseSettings {
  url: string;
  poolSize: number;
  logSql?: boolean;
  applicationName?: string;
}

/** One definition for the apps and the migration CLI. Never `synchronize`. */
export function dataSourceOptions(
  settings: DatabaseSettings,
  entities: DataSourceOptions['entities'] = [],
  migrations: NonNullable<DataSourceOptions['migrations']> = [],
): DataSourceOptions {
  return {
    type: 'postgres',
    url: settings.url,
    entities,
    migrations,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    logging: settings.logSql ? ['query', 'error'] : ['error'],
    poolSize: settings.poolSize,
    applicationName: settings.applicationName ?? 'coaching',
    extra: {
      // fail fast instead of queueing forever when the database is gone
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
      // a statement that runs away is cancelled rather than holding a connection
      statement_timeout: 30_000,
      idle_in_transaction_session_timeout: 60_000,
    },
  };
}

import { Global, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { PersonalDataSealing, PostgresEventStore, UpcasterRegistry } from '#event-store';
import { SecretBox } from '../crypto/secret-box.js';
import { AppConfigService } from '../config/app-config.js';
import { dataSourceOptions } from './data-source-options.js';
import { Database } from './database.js';
import { guardClientErrors } from './client-errors.js';

/** Upcasters of every event type the service stores; libs add theirs at module init. */
export abstract class EventUpcasters extends UpcasterRegistry {}
class Upcasters extends EventUpcasters {}

@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfigService],
      useFactory: (config: AppConfigService) => ({
        ...dataSourceOptions({
          url: config.get('DATABASE_URL'),
          poolSize: config.get('DATABASE_POOL_SIZE'),
          logSql: config.get('DATABASE_LOG_SQL'),
        }),
        autoLoadEntities: true,
      }),
    }),
  ],
  providers: [
    {
      provide: Database,
      inject: [DataSource],
      useFactory: (ds: DataSource) => {
        const db = new Database(ds);
        const logger = new Logger('Database');
        guardClientErrors(db.pool, (err) => logger.warn(`a pooled PostgreSQL connection failed (${(err as { code?: string }).code ?? 'no code'}): ${err.message}`));
        return db;
      },
    },
    { provide: EventUpcasters, useValue: new Upcasters() },
    {
      provide: PostgresEventStore,
      inject: [Database, EventUpcasters, AppConfigService],
      useFactory: (db: Database, upcasters: EventUpcasters, config: AppConfigService) => {
        // personal data keys are wrapped by the same key-encryption keys as every other secret (SECRETS_KEYS)
        const keys = SecretBox.fromConfig(config.get('SECRETS_KEYS'), { production: config.isProduction, seed: config.get('JWT_SECRET') });
        return new PostgresEventStore(db.pool, { upcasters, sealing: new PersonalDataSealing().useKeyWrapper(keys) });
      },
    },
  ],
  exports: [Database, PostgresEventStore, EventUpcasters],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(private readonly store: PostgresEventStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.notifier.close();
  }
}

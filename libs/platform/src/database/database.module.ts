import { Global, Logger, Module, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { PersonalDataSealing, PostgresEventStore, UpcasterRegistry } from '#event-store';
import { SecretBox } from '../crypto/secret-box.js';
import { AppConfigService } from '../config/app-config.js';
import { poolConfig } from './data-source-options.js';
import { Database } from './database.js';
import { guardClientErrors } from './client-errors.js';

/** Upcasters of every event type the service stores; libs add theirs at module init. */
export abstract class EventUpcasters extends UpcasterRegistry {}
class Upcasters extends EventUpcasters {}

@Global()
@Module({
  providers: [
    {
      provide: Database,
      inject: [AppConfigService],
      useFactory: (config: AppConfigService) => {
        const db = new Database(new pg.Pool(poolConfig({ url: config.get('DATABASE_URL'), poolSize: config.get('DATABASE_POOL_SIZE') })));
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
export class DatabaseModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Database');

  constructor(
    private readonly store: PostgresEventStore,
    private readonly db: Database,
  ) {}

  /**
   * A server without autovacuum keeps no statistics of what the service writes and never frees dead
   * rows: the planner then takes a practice's thousands of reminders for a hundred and updates a
   * batch of them by scanning the lot (seen on a CI server configured so; 189 ms instead of 3 ms a
   * lease). Said once at start, where the operator looks.
   */
  async onApplicationBootstrap(): Promise<void> {
    try {
      const { rows } = await this.db.pool.query<{ autovacuum: string }>('SHOW autovacuum');
      if (rows[0]?.autovacuum !== 'on') {
        this.logger.warn('PostgreSQL runs with autovacuum off: statistics go stale and dead rows pile up, and statements slow down; turn it on (autovacuum = on)');
      }
    } catch (err) {
      this.logger.warn(`could not read PostgreSQL's autovacuum setting: ${(err as Error).message}`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.store.notifier.close();
    await this.db.pool.end();
  }
}

import { Module, type DynamicModule, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuthModule, ConfigModule, DatabaseModule, MetricsModule } from '#platform';
import { EngagementWriteModule, PracticeSettingsRepository } from '#engagement';
import { ReminderQueueModule, ReminderReconciler, WebhookReplay } from '#reminders';

// The Nest contexts of the operator commands: each only what its command
// needs (no subscriber, no queue worker: a CLI run must never start taking
// jobs or owning subscribers).

/** The event store on the service role's pool, with every lib's upcasters. */
@Module({})
class RebuildContextModule {
  static forRoot(): DynamicModule {
    return { module: RebuildContextModule, imports: [ConfigModule.forRoot(), DatabaseModule, AuthModule, EngagementWriteModule] };
  }
}

@Module({})
class ReconcileContextModule {
  static forRoot(): DynamicModule {
    return {
      module: ReconcileContextModule,
      imports: [ConfigModule.forRoot(), DatabaseModule, MetricsModule, ReminderQueueModule],
      providers: [ReminderReconciler],
    };
  }
}

@Module({})
class ReplayContextModule {
  static forRoot(): DynamicModule {
    return {
      module: ReplayContextModule,
      imports: [ConfigModule.forRoot(), DatabaseModule, AuthModule],
      providers: [PracticeSettingsRepository, WebhookReplay],
    };
  }
}

const CONTEXTS = { rebuild: RebuildContextModule, reconcile: ReconcileContextModule, replay: ReplayContextModule };

/** Warnings and errors only: a command's output is what it prints. */
export function opsContext(kind: keyof typeof CONTEXTS): Promise<INestApplicationContext> {
  return NestFactory.createApplicationContext(CONTEXTS[kind].forRoot(), { logger: ['error', 'warn'], abortOnError: false });
}

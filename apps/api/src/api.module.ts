import { Module } from '@nestjs/common';
import { AuthModule, ConfigModule, DatabaseModule, LoggingModule, MetricsModule } from '#platform';
import { GraphqlApiModule } from './graphql/graphql.module.js';
import { ConsoleModule } from './console/console.module.js';
import { HealthModule } from './health/health.module.js';
import { ApiMetricsModule } from './metrics/api-metrics.module.js';
import { ReminderQueueModule } from '#reminders';
import { ReminderFieldsModule } from './reminders/reminder-fields.js';
import { EventWebhooksModule } from './webhooks/event-webhooks.resolver.js';
import { PersonErasureModule } from './gdpr/person-erasure.resolver.js';
import { PersonExportModule } from './gdpr/person-export.resolver.js';

/** The GraphQL API: stateless, any number of copies behind a load balancer. */
@Module({
  imports: [ConfigModule.forRoot(), LoggingModule, DatabaseModule, MetricsModule, AuthModule, GraphqlApiModule, ReminderFieldsModule, ReminderQueueModule, HealthModule, ApiMetricsModule, ConsoleModule, EventWebhooksModule, PersonExportModule, PersonErasureModule],
})
export class ApiModule {}

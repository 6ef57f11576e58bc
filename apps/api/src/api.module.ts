import { Module } from '@nestjs/common';
import { ConfigModule, DatabaseModule, LoggingModule } from '#platform';
import { HealthModule } from './health/health.module.js';

/** The GraphQL API: stateless, any number of copies behind a load balancer. */
@Module({
  imports: [ConfigModule.forRoot(), LoggingModule, DatabaseModule, HealthModule],
})
export class ApiModule {}

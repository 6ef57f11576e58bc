import { Module } from '@nestjs/common';
import { AccessAuditModule } from '#platform';
import { ExecutionCounter, GraphqlSecurity } from './graphql-security.js';
import { RateLimiter } from './rate-limiter.js';

/** The GraphQL endpoint's protections (see GraphqlSecurity), given to the GraphQL module's factory. */
@Module({
  imports: [AccessAuditModule],
  providers: [RateLimiter, ExecutionCounter, GraphqlSecurity],
  exports: [RateLimiter, ExecutionCounter, GraphqlSecurity],
})
export class SecurityModule {}

import { Module } from '@nestjs/common';
import { ConfigModule, DatabaseModule, LoggingModule, SubscriptionsModule } from '#platform';

/** Asynchronous projections and reminder processing; run one or more copies. */
@Module({
  imports: [
    ConfigModule.forRoot(),
    LoggingModule,
    DatabaseModule,
    SubscriptionsModule.forRoot({ imports: [], subscribers: [] }),
  ],
})
export class WorkerModule {}

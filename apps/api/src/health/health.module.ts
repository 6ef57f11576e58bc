import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { OpsHealth, QueueProbe, SubscriberLag } from '#platform';
import { ReminderClock, ReminderQueueModule } from '#reminders';
import { HealthController } from './health.controller.js';

@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json' }), ReminderQueueModule],
  controllers: [HealthController],
  providers: [
    OpsHealth,
    SubscriberLag,
    { provide: QueueProbe, inject: [ReminderClock], useFactory: (clock: ReminderClock) => QueueProbe.of(clock.queues) },
  ],
  exports: [SubscriberLag, QueueProbe],
})
export class HealthModule {}

import { Module, type DynamicModule, type Type } from '@nestjs/common';
import type { Subscriber } from '#event-store';
import { SubscriberClasses, SubscriptionHost } from './subscription-host.js';

@Module({})
export class SubscriptionsModule {
  /** Runs these subscribers (providers of the given modules) in this process. */
  static forRoot(options: { imports: DynamicModule['imports']; subscribers: Type<Subscriber>[] }): DynamicModule {
    return {
      module: SubscriptionsModule,
      imports: options.imports ?? [],
      providers: [{ provide: SubscriberClasses, useValue: { classes: options.subscribers } }, SubscriptionHost],
      exports: [SubscriptionHost],
    };
  }
}

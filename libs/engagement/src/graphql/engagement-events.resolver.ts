import { Args, Context, Resolver, Subscription } from '@nestjs/graphql';
import type { StoredEvent } from '#event-store';
import { AccessAuditLog, type RequestContext } from '#platform';
import { EngagementEventFeed } from './engagement-event-feed.js';
import { inputs, validate } from './input-validation.js';
import { noteRead, visibleEngagement } from './request.js';
import { engagementEventOf } from './timeline.js';
import { EngagementEvent, EngagementEventsArgs } from './types/timeline.types.js';
import { SUBSCRIPTION_DESCRIPTIONS } from './types/operation-descriptions.js';

@Resolver()
export class EngagementEventsResolver {
  constructor(
    private readonly feed: EngagementEventFeed,
    private readonly audit: AccessAuditLog,
  ) {}

  @Subscription(() => EngagementEvent, {
    description: SUBSCRIPTION_DESCRIPTIONS.engagementEvents,
    resolve: (event: StoredEvent) => engagementEventOf(event),
  })
  async engagementEvents(@Args() args: EngagementEventsArgs, @Context() ctx: RequestContext) {
    const id = validate(inputs.id, args.engagementId, 'engagementId');
    // no HTTP response ends a websocket operation's read transaction: end it here, refused or not
    const engagement = await visibleEngagement(ctx, id).finally(() => ctx.release());
    // no HTTP answer flushes a websocket operation's audit either: watching an engagement live is a read of it
    noteRead(ctx, engagement, 'Subscription.engagementEvents');
    await this.audit.flush(ctx);
    return this.feed.subscribe(engagement.id, engagement.practiceId);
  }
}

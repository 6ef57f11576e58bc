import { Args, Context, Resolver, Subscription } from '@nestjs/graphql';
import type { StoredEvent } from '#event-store';
import type { RequestContext } from '#platform';
import { EngagementEventFeed } from './engagement-event-feed.js';
import { inputs, validate } from './input-validation.js';
import { visibleEngagement } from './request.js';
import { engagementEventOf } from './timeline.js';
import { EngagementEvent, EngagementEventsArgs } from './types/timeline.types.js';
import { SUBSCRIPTION_DESCRIPTIONS } from './types/operation-descriptions.js';

@Resolver()
export class EngagementEventsResolver {
  constructor(private readonly feed: EngagementEventFeed) {}

  @Subscription(() => EngagementEvent, {
    description: SUBSCRIPTION_DESCRIPTIONS.engagementEvents,
    resolve: (event: StoredEvent) => engagementEventOf(event),
  })
  async engagementEvents(@Args() args: EngagementEventsArgs, @Context() ctx: RequestContext) {
    const id = validate(inputs.id, args.engagementId, 'engagementId');
    // no HTTP response ends a websocket operation's read transaction: end it here, refused or not
    const engagement = await visibleEngagement(ctx, id).finally(() => ctx.release());
    return this.feed.subscribe(engagement.id, engagement.practiceId);
  }
}

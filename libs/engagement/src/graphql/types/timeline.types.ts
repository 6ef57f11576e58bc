import { ArgsType, Field, GraphQLISODateTime, ID, Int, ObjectType } from '@nestjs/graphql';
import { Role } from './enums.js';
import { PageInfo } from './pagination.types.js';
import { GraphQLJSON, type JsonValue } from './scalars.js';

@ObjectType({ description: "One fact from an engagement's event stream, as the timeline shows it." })
export class EngagementEvent {
  @Field(() => Int, { description: "position in the engagement's stream, from 1, without gaps" })
  version!: number;

  @Field(() => String, { description: "the event's name, e.g. HomeworkAssigned" })
  type!: string;

  @Field(() => GraphQLISODateTime)
  occurredAt!: Date;

  @Field(() => ID)
  actorId!: string;

  @Field(() => Role)
  actorRole!: Role;

  @Field(() => GraphQLJSON)
  data!: JsonValue;
}

@ObjectType()
export class EngagementEventEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => EngagementEvent)
  node!: EngagementEvent;
}

@ObjectType()
export class EngagementEventConnection {
  @Field(() => [EngagementEventEdge])
  edges!: EngagementEventEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

/** Arguments of `Subscription.engagementEvents(engagementId: ID!)`. */
@ArgsType()
export class EngagementEventsArgs {
  @Field(() => ID)
  engagementId!: string;
}

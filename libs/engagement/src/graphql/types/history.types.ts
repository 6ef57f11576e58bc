import { ArgsType, Field, GraphQLISODateTime, ID, Int, ObjectType } from '@nestjs/graphql';
import { GraphQLJSON, type JsonValue } from './scalars.js';

@ObjectType({ description: 'One field of an engagement that one event changed (Engagement.changes).' })
export class FieldChange {
  @Field(() => String, {
    description: 'where, dotted; collections by id (homework.<id>.drafts.<id>.content, sessions.<id>, jobSearch.<CHANNEL>.applications)',
  })
  path!: string;

  @Field(() => GraphQLJSON, { nullable: true, description: 'the value before the event (null: it did not exist)' })
  before!: JsonValue | null;

  @Field(() => GraphQLJSON, { nullable: true, description: 'the value after the event (null: it ceased to exist)' })
  after!: JsonValue | null;

  @Field(() => Int, { description: "the version of the event that made the change" })
  version!: number;

  @Field(() => GraphQLISODateTime)
  occurredAt!: Date;

  @Field(() => ID, { description: 'who made it' })
  actorId!: string;
}

/** Arguments of `Engagement.changes(fromVersion: Int!, toVersion: Int)`. */
@ArgsType()
export class ChangesArgs {
  @Field(() => Int, { description: 'the version to compare from (0: before the engagement was opened)' })
  fromVersion!: number;

  @Field(() => Int, { nullable: true, description: "the version to compare to; default: the version shown (the current one, or the past view's)" })
  toVersion?: number | null;
}

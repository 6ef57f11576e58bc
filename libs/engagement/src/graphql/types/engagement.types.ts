import { ArgsType, Field, GraphQLISODateTime, ID, Int, ObjectType } from '@nestjs/graphql';
import { EngagementOutcome, EngagementStatus, HomeworkStatus } from './enums.js';
import { EngagementFilter } from './inputs.js';
import { ChannelStat, JobSearchFunnel } from './job-search.types.js';
import { PageInfo } from './pagination.types.js';
import { Person } from './person.types.js';

@ObjectType()
export class Intake {
  @Field(() => String, { description: "the client's own question, e.g. 'What am I doing wrong?'" })
  presentingQuestion!: string;

  @Field(() => String)
  background!: string;

  @Field(() => [String])
  goals!: string[];

  @Field(() => String)
  currentStrategy!: string;

  @Field(() => [ChannelStat])
  baseline!: ChannelStat[];

  @Field(() => GraphQLISODateTime)
  recordedAt!: Date;
}

@ObjectType()
export class CoachingSession {
  @Field(() => ID)
  id!: string;

  @Field(() => GraphQLISODateTime)
  heldAt!: Date;

  @Field(() => Int)
  durationMinutes!: number;

  @Field(() => String)
  summary!: string;
}

/**
 * `Engagement.homework(status: [HomeworkStatus!]): [Homework!]!` and
 * `Engagement.timeline(first: Int = 50, after: String): EngagementEventConnection!`
 * are NOT declared here: they have arguments, so they live on the resolver's
 * `@ResolveField` (with `HomeworkFilterArgs` / `TimelineArgs` below).
 */
@ObjectType()
export class Engagement {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  title!: string;

  @Field(() => EngagementStatus)
  status!: EngagementStatus;

  @Field(() => Person)
  coach!: Person;

  @Field(() => Person)
  client!: Person;

  /** resolved by a field resolver */
  @Field(() => Intake, { nullable: true })
  intake?: Intake | null;

  /** resolved by a field resolver */
  @Field(() => [CoachingSession])
  sessions?: CoachingSession[];

  /** resolved by a field resolver */
  @Field(() => JobSearchFunnel)
  jobSearch?: JobSearchFunnel;

  @Field(() => Int)
  openHomeworkCount!: number;

  /** resolved by a field resolver */
  @Field(() => Int)
  overdueHomeworkCount?: number;

  @Field(() => Int)
  awaitingFeedbackCount!: number;

  @Field(() => EngagementOutcome, { nullable: true })
  outcome!: EngagementOutcome | null;

  @Field(() => GraphQLISODateTime)
  openedAt!: Date;

  @Field(() => GraphQLISODateTime)
  updatedAt!: Date;

  @Field(() => GraphQLISODateTime, { nullable: true })
  closedAt!: Date | null;

  @Field(() => Int, {
    description: "the stream's current version; pass it as expectedVersion to refuse a write made on stale data",
  })
  version!: number;

  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description: 'the point in time this past view shows (engagement(asOf:) or the asOfVersion event\'s time); null: the live engagement',
  })
  asOf?: Date | null;
}

@ObjectType()
export class EngagementEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => Engagement)
  node!: Engagement;
}

@ObjectType()
export class EngagementConnection {
  @Field(() => [EngagementEdge])
  edges!: EngagementEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;

  @Field(() => Int)
  totalCount!: number;
}

// Arguments. A nullable argument with a default (`first: Int = 50`) needs
// `nullable: true` + `defaultValue`; graphql-js applies the default when the
// argument is omitted, but an explicit `null` reaches the resolver as null.

/** Arguments of `Engagement.homework(status: [HomeworkStatus!])`. */
@ArgsType()
export class HomeworkFilterArgs {
  @Field(() => [HomeworkStatus], { nullable: true })
  status?: HomeworkStatus[] | null;
}

/** Arguments of `Engagement.timeline(first: Int = 50, after: String)`. */
@ArgsType()
export class TimelineArgs {
  @Field(() => Int, { nullable: true, defaultValue: 50 })
  first: number | null = 50;

  @Field(() => String, { nullable: true })
  after?: string | null;
}

/** Arguments of `Query.engagements(filter: EngagementFilter, first: Int = 20, after: String)`. */
@ArgsType()
export class EngagementsArgs {
  @Field(() => EngagementFilter, { nullable: true })
  filter?: EngagementFilter | null;

  @Field(() => Int, { nullable: true, defaultValue: 20 })
  first: number | null = 20;

  @Field(() => String, { nullable: true })
  after?: string | null;
}

/** Arguments of `Query.engagement(id: ID!)`. */
@ArgsType()
export class EngagementByIdArgs {
  @Field(() => ID)
  id!: string;

  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description: 'time travel: the engagement as it stood at this instant, folded from its stream (null if it did not exist yet)',
  })
  asOf?: Date | null;

  @Field(() => Int, { nullable: true, description: 'time travel: the engagement as it stood after this version of its stream' })
  asOfVersion?: number | null;
}

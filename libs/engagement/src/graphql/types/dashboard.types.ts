import { ArgsType, Field, Float, GraphQLISODateTime, Int, ObjectType } from '@nestjs/graphql';
import { EngagementStatus } from './enums.js';
import { JobSearchFunnel } from './job-search.types.js';
import { Person } from './person.types.js';

@ObjectType()
export class StatusCount {
  @Field(() => EngagementStatus)
  status!: EngagementStatus;

  @Field(() => Int)
  count!: number;
}

@ObjectType()
export class CoachLoad {
  @Field(() => Person)
  coach!: Person;

  @Field(() => Int)
  activeEngagements!: number;

  @Field(() => Int)
  awaitingFeedback!: number;

  @Field(() => Int)
  overdueHomework!: number;
}

@ObjectType()
export class PracticeDashboard {
  @Field(() => [StatusCount])
  engagementsByStatus!: StatusCount[];

  @Field(() => Int)
  openHomework!: number;

  @Field(() => Int)
  overdueHomework!: number;

  @Field(() => Int)
  awaitingFeedback!: number;

  @Field(() => Float, {
    nullable: true,
    description: "hours from a draft's submission to its feedback, over feedback given since the query's `since`",
  })
  feedbackTurnaroundHoursP50!: number | null;

  @Field(() => Float, { nullable: true })
  feedbackTurnaroundHoursP90!: number | null;

  @Field(() => Int)
  remindersSent!: number;

  @Field(() => JobSearchFunnel)
  jobSearch!: JobSearchFunnel;

  @Field(() => [CoachLoad])
  coaches!: CoachLoad[];
}

/** Arguments of `Query.practiceDashboard(since: DateTime)`. */
@ArgsType()
export class PracticeDashboardArgs {
  @Field(() => GraphQLISODateTime, { nullable: true })
  since?: Date | null;
}

@ObjectType({ description: 'how many events of one type a practice recorded on one day (UTC)' })
export class ActivityDay {
  @Field(() => String, { description: 'YYYY-MM-DD' })
  day!: string;

  @Field(() => String, { description: 'an event type, e.g. DraftSubmitted' })
  eventType!: string;

  @Field(() => Int)
  events!: number;
}

@ArgsType()
export class ActivityArgs {
  @Field(() => Int, { nullable: true, defaultValue: 30, description: 'the last this many days, today included (1 to 366)' })
  days: number | null = 30;
}

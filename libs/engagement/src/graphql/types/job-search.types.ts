import { Field, Float, Int, ObjectType } from '@nestjs/graphql';
import { JobSearchChannel } from './enums.js';

@ObjectType()
export class ChannelStat {
  @Field(() => JobSearchChannel)
  channel!: JobSearchChannel;

  @Field(() => Int)
  applications!: number;

  @Field(() => Int)
  interviews!: number;

  @Field(() => Int)
  offers!: number;

  @Field(() => Float, {
    nullable: true,
    description: 'interviews / applications; null when there were no applications',
  })
  interviewRate!: number | null;
}

@ObjectType({ description: 'Intake baseline plus every logged job-search activity, per channel and in total.' })
export class JobSearchFunnel {
  @Field(() => [ChannelStat])
  channels!: ChannelStat[];

  @Field(() => Int)
  applications!: number;

  @Field(() => Int)
  interviews!: number;

  @Field(() => Int)
  offers!: number;

  @Field(() => Float, { nullable: true })
  interviewRate!: number | null;
}

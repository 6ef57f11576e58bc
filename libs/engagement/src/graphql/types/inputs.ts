import { Field, GraphQLISODateTime, ID, InputType, Int } from '@nestjs/graphql';
import { EngagementOutcome, EngagementStatus, FeedbackVerdict, JobSearchChannel } from './enums.js';

// Nullability in @nestjs/graphql 14: a field WITHOUT `nullable` is non-null even
// with a `defaultValue` (`offers: Int! = 0`), so the contract's nullable
// defaults (`offers: Int = 0`) need `nullable: true` AND `defaultValue`.
// graphql-js fills the default when the field is absent, but an explicit
// `null` still arrives as null: hence `number | null`.

@InputType()
export class EngagementFilter {
  @Field(() => [EngagementStatus], { nullable: true })
  status?: EngagementStatus[] | null;

  @Field(() => ID, { nullable: true })
  coachId?: string | null;

  @Field(() => ID, { nullable: true })
  clientId?: string | null;

  @Field(() => Boolean, { nullable: true })
  hasOverdueHomework?: boolean | null;

  @Field(() => String, { nullable: true, description: 'matches title, coach name or client name' })
  search?: string | null;
}

@InputType()
export class PersonInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true })
  email?: string | null;
}

@InputType()
export class ChannelStatInput {
  @Field(() => JobSearchChannel)
  channel!: JobSearchChannel;

  @Field(() => Int)
  applications!: number;

  @Field(() => Int)
  interviews!: number;

  @Field(() => Int, { nullable: true, defaultValue: 0 })
  offers!: number | null;
}

@InputType()
export class OpenEngagementInput {
  @Field(() => PersonInput)
  coach!: PersonInput;

  @Field(() => PersonInput)
  client!: PersonInput;

  @Field(() => String)
  title!: string;

  @Field(() => String, { nullable: true })
  idempotencyKey?: string | null;
}

@InputType()
export class RecordIntakeInput {
  @Field(() => ID)
  engagementId!: string;

  @Field(() => String)
  presentingQuestion!: string;

  @Field(() => String)
  background!: string;

  @Field(() => [String])
  goals!: string[];

  @Field(() => String)
  currentStrategy!: string;

  @Field(() => [ChannelStatInput])
  baseline!: ChannelStatInput[];

  @Field(() => Int, { nullable: true })
  expectedVersion?: number | null;

  @Field(() => String, { nullable: true })
  idempotencyKey?: string | null;
}

@InputType()
export class AssignHomeworkInput {
  @Field(() => ID)
  engagementId!: string;

  @Field(() => String)
  title!: string;

  @Field(() => String)
  instructions!: string;

  @Field(() => GraphQLISODateTime, { nullable: true })
  dueAt?: Date | null;

  @Field(() => Int, { nullable: true })
  expectedVersion?: number | null;

  @Field(() => String, { nullable: true })
  idempotencyKey?: string | null;
}

@InputType()
export class SubmitDraftInput {
  @Field(() => ID)
  homeworkId!: string;

  @Field(() => String)
  content!: string;

  @Field(() => String, { nullable: true })
  idempotencyKey?: string | null;
}

@InputType()
export class GiveFeedbackInput {
  @Field(() => ID)
  draftId!: string;

  @Field(() => FeedbackVerdict)
  verdict!: FeedbackVerdict;

  @Field(() => String)
  comments!: string;

  @Field(() => String, { nullable: true })
  idempotencyKey?: string | null;
}

@InputType()
export class CancelHomeworkInput {
  @Field(() => ID)
  homeworkId!: string;

  @Field(() => String)
  reason!: string;

  @Field(() => String, { nullable: true })
  idempotencyKey?: string | null;
}

@InputType({ description: 'A new due time for open homework (ASSIGNED, SUBMITTED or CHANGES_REQUESTED).' })
export class RescheduleHomeworkInput {
  @Field(() => ID)
  engagementId!: string;

  @Field(() => ID)
  homeworkId!: string;

  @Field(() => GraphQLISODateTime, { description: 'the new due time, in the future' })
  dueAt!: Date;

  @Field(() => Int, { nullable: true })
  expectedVersion?: number | null;

  @Field(() => String, { nullable: true })
  idempotencyKey?: string | null;
}

@InputType()
export class LogCoachingSessionInput {
  @Field(() => ID)
  engagementId!: string;

  @Field(() => GraphQLISODateTime)
  heldAt!: Date;

  @Field(() => Int)
  durationMinutes!: number;

  @Field(() => String)
  summary!: string;

  @Field(() => String, { nullable: true })
  idempotencyKey?: string | null;
}

@InputType()
export class LogJobSearchActivityInput {
  @Field(() => ID)
  engagementId!: string;

  @Field(() => JobSearchChannel)
  channel!: JobSearchChannel;

  @Field(() => Int)
  applications!: number;

  @Field(() => Int)
  interviews!: number;

  @Field(() => Int, { nullable: true, defaultValue: 0 })
  offers!: number | null;

  @Field(() => String, { nullable: true })
  note?: string | null;

  @Field(() => String, { nullable: true })
  idempotencyKey?: string | null;
}

@InputType()
export class PauseEngagementInput {
  @Field(() => ID)
  engagementId!: string;

  @Field(() => String)
  reason!: string;

  @Field(() => String, { nullable: true })
  idempotencyKey?: string | null;
}

@InputType()
export class ResumeEngagementInput {
  @Field(() => ID)
  engagementId!: string;

  @Field(() => String, { nullable: true })
  idempotencyKey?: string | null;
}

@InputType()
export class CloseEngagementInput {
  @Field(() => ID)
  engagementId!: string;

  @Field(() => EngagementOutcome)
  outcome!: EngagementOutcome;

  @Field(() => String, { nullable: true })
  note?: string | null;

  @Field(() => String, { nullable: true })
  idempotencyKey?: string | null;
}

@InputType()
export class UpdatePracticeSettingsInput {
  @Field(() => String, { nullable: true })
  webhookUrl?: string | null;

  @Field(() => String, { nullable: true })
  webhookSecret?: string | null;

  @Field(() => Boolean, { nullable: true })
  emailReminders?: boolean | null;

  @Field(() => [Int], { nullable: true })
  dueSoonOffsetsMinutes?: number[] | null;

  @Field(() => Int, { nullable: true })
  overdueAfterMinutes?: number | null;

  @Field(() => Int, { nullable: true })
  feedbackWindowMinutes?: number | null;
}

import { ArgsType, Field, GraphQLISODateTime, ID, Int, ObjectType } from '@nestjs/graphql';
import { Engagement } from './engagement.types.js';
import { EscalationTarget, FeedbackVerdict, HomeworkStatus, ReminderChannel, ReminderKind, ReminderStatus } from './enums.js';
import { Person } from './person.types.js';

/**
 * Homework, Draft and Feedback refer to each other. With `emitDecoratorMetadata`
 * a property typed with a class declared LATER emits `design:type` = that class,
 * evaluated while it is still in its temporal dead zone (ReferenceError at
 * import). Typing such properties as `Ref<T>` makes the emitted metadata
 * `Object`; the GraphQL type still comes from the lazy `@Field(() => T)`.
 */
type Ref<T> = T;

@ObjectType()
export class Reminder {
  @Field(() => ID)
  id!: string;

  @Field(() => ReminderKind)
  kind!: ReminderKind;

  @Field(() => ReminderStatus)
  status!: ReminderStatus;

  @Field(() => Person)
  recipient!: Person;

  @Field(() => GraphQLISODateTime)
  scheduledFor!: Date;

  @Field(() => GraphQLISODateTime, { nullable: true })
  sentAt!: Date | null;

  @Field(() => ReminderChannel, { nullable: true })
  channel!: ReminderChannel | null;

  @Field(() => Int, { description: 'delivery attempts so far' })
  attempts!: number;

  @Field(() => String, { nullable: true, description: 'why the last delivery attempt failed (FAILED: why it gave up)' })
  lastError!: string | null;

  @Field(() => String, { nullable: true, description: 'why it was CANCELLED, e.g. "draft submitted", "engagement paused"' })
  cancelReason!: string | null;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'HELD: when the hold ends and it goes' })
  heldUntil?: Date | null;

  @Field(() => String, { nullable: true, description: 'why it was HELD or DIGESTED, e.g. "quiet hours (21:00–08:00 in Pacific/Auckland)"' })
  note?: string | null;

  @Field(() => Int, { nullable: true, description: "HOMEWORK_ESCALATED: its step of the practice's escalation ladder, from 1" })
  escalationStep?: number | null;

  @Field(() => EscalationTarget, { nullable: true, description: 'HOMEWORK_ESCALATED: who the step notifies' })
  escalationTarget?: EscalationTarget | null;
}

@ObjectType()
export class Feedback {
  @Field(() => ID)
  id!: string;

  /** resolved by a field resolver */
  @Field(() => Draft)
  draft?: Ref<Draft>;

  @Field(() => FeedbackVerdict)
  verdict!: FeedbackVerdict;

  @Field(() => String)
  comments!: string;

  @Field(() => Person)
  givenBy!: Person;

  @Field(() => GraphQLISODateTime)
  givenAt!: Date;
}

@ObjectType()
export class Draft {
  @Field(() => ID)
  id!: string;

  /** resolved by a field resolver */
  @Field(() => Homework)
  homework?: Ref<Homework>;

  @Field(() => Int, { description: '1 for the first draft of a homework, then 2, 3, ...' })
  revision!: number;

  @Field(() => String)
  content!: string;

  @Field(() => GraphQLISODateTime)
  submittedAt!: Date;

  /** resolved by a field resolver */
  @Field(() => Feedback, { nullable: true })
  feedback?: Ref<Feedback> | null;
}

@ObjectType()
export class Homework {
  @Field(() => ID)
  id!: string;

  /** resolved by a field resolver */
  @Field(() => Engagement)
  engagement?: Engagement;

  @Field(() => String)
  title!: string;

  @Field(() => String)
  instructions!: string;

  @Field(() => GraphQLISODateTime, { nullable: true })
  dueAt!: Date | null;

  @Field(() => HomeworkStatus)
  status!: HomeworkStatus;

  /** resolved by a field resolver */
  @Field(() => Boolean, { description: 'dueAt has passed and the homework is neither ACCEPTED nor CANCELLED' })
  overdue?: boolean;

  @Field(() => GraphQLISODateTime)
  assignedAt!: Date;

  /** resolved by a field resolver */
  @Field(() => [Draft])
  drafts?: Draft[];

  /** resolved by a field resolver */
  @Field(() => Draft, { nullable: true })
  latestDraft?: Draft | null;

  /** resolved by a field resolver */
  @Field(() => [Reminder])
  reminders?: Reminder[];
}

/** Arguments of `Query.homework(id: ID!)`. */
@ArgsType()
export class HomeworkByIdArgs {
  @Field(() => ID)
  id!: string;
}

import { Field, Int, ObjectType } from '@nestjs/graphql';
import { EscalationChannel, EscalationTarget } from './enums.js';

@ObjectType({ description: "a daily window, in each recipient's own time zone, in which reminders are held to its end" })
export class QuietHours {
  @Field(() => String, { description: '"HH:MM", when the window opens' })
  start!: string;

  @Field(() => String, { description: '"HH:MM", when it closes; earlier than start: the window spans midnight' })
  end!: string;
}

@ObjectType({ description: 'one rung of the escalation ladder: a HOMEWORK_ESCALATED reminder with this step number' })
export class EscalationStep {
  @Field(() => Int, { description: 'minutes after the homework went overdue (its HOMEWORK_OVERDUE time)' })
  afterMinutes!: number;

  @Field(() => EscalationTarget)
  notify!: EscalationTarget;

  @Field(() => EscalationChannel, { nullable: true, description: "null: every channel the practice's settings allow" })
  channel!: EscalationChannel | null;
}

@ObjectType()
export class PracticeSettings {
  @Field(() => String, {
    nullable: true,
    description: 'where reminders are POSTed, signed (see PRODUCT.md); null: no webhook',
  })
  webhookUrl!: string | null;

  @Field(() => Boolean)
  webhookSecretSet!: boolean;

  @Field(() => Boolean, { description: "send reminders by email too, to the recipient's email" })
  emailReminders!: boolean;

  @Field(() => [Int], {
    description: 'HOMEWORK_DUE_SOON reminders go this many minutes before dueAt, one per entry',
  })
  dueSoonOffsetsMinutes!: number[];

  @Field(() => Int, { description: 'HOMEWORK_OVERDUE goes this many minutes after dueAt' })
  overdueAfterMinutes!: number;

  @Field(() => Int, { description: 'FEEDBACK_PENDING goes when a draft has waited this long without feedback' })
  feedbackWindowMinutes!: number;

  @Field(() => [EscalationStep], {
    description:
      'after HOMEWORK_DUE_SOON and HOMEWORK_OVERDUE (to the client), while the homework is still the client\'s to do: one HOMEWORK_ESCALATED reminder per step, numbered from 1; default: the coach 48 h and the admin 7 days after overdue',
  })
  escalation!: EscalationStep[];

  @Field(() => String, { nullable: true, description: 'where ADMIN escalation steps are emailed; null: webhook only' })
  escalationEmail!: string | null;

  @Field(() => QuietHours, { nullable: true, description: 'null: reminders go at any hour' })
  quietHours!: QuietHours | null;

  @Field(() => Int, {
    nullable: true,
    description:
      "reminders one recipient gets per day (in their time zone); past it, that day's further reminders are HELD and go together in one digest the next morning (each then DIGESTED); null: no budget",
  })
  maxRemindersPerDay!: number | null;

  @Field(() => Boolean, { description: 'each coach gets a morning digest (in their time zone) of the drafts waiting for their feedback' })
  coachDigest!: boolean;
}

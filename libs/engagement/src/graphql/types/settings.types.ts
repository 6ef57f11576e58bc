import { Field, Int, ObjectType } from '@nestjs/graphql';

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
}

import { Module } from '@nestjs/common';
import { Args, Context, Field, Int, ObjectType, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import DataLoader from 'dataloader';
import { ActivityArgs, Homework, PracticeDashboard, Reminder, pastViewOf } from '#engagement';
import { BadUserInput, type RequestContext } from '#platform';
import { reminderOutcomesByDay, remindersOfHomework, sentReminderCount, type ReminderModel } from '#reminders';

// The fields where the engagement's GraphQL types show reminders. They live
// in the app, which may import both libs: the engagement lib never names the
// reminders lib's table (nor imports it: reminders import engagement).

class HomeworkReminders {
  constructor(readonly loader: DataLoader<string, ReminderModel[]>) {}
}

@Resolver(() => Homework)
export class HomeworkRemindersResolver {
  @ResolveField(() => [Reminder])
  async reminders(@Parent() h: { id: string }, @Context() ctx: RequestContext): Promise<ReminderModel[]> {
    // reminders are live only: a past view (engagement(asOf:)) has none
    if (pastViewOf(h)) return [];
    const session = ctx.session;
    const { loader } = ctx.perRequest(
      HomeworkReminders,
      () => new HomeworkReminders(new DataLoader((ids) => remindersOfHomework(session.asQueryable(), session.practiceId, ids))),
    );
    const reminders = await loader.load(h.id);
    // lastError quotes the practice's own webhook receiver: for its staff, not its clients
    return ctx.requirePrincipal().role === 'CLIENT' ? reminders.map((r) => ({ ...r, lastError: null })) : reminders;
  }
}

@ObjectType({ description: 'reminders that reached an outcome on one day (UTC): sent, failed after the last attempt, or cancelled' })
export class ReminderOutcomeDay {
  @Field({ description: 'YYYY-MM-DD' })
  day!: string;

  @Field(() => Int)
  sent!: number;

  @Field(() => Int)
  failed!: number;

  @Field(() => Int)
  cancelled!: number;
}

@Resolver(() => PracticeDashboard)
export class DashboardRemindersResolver {
  @ResolveField(() => [ReminderOutcomeDay], { description: 'reminder outcomes per day, newest day first; days without any are left out' })
  reminderOutcomes(@Args() args: ActivityArgs, @Context() ctx: RequestContext): Promise<ReminderOutcomeDay[]> {
    const days = args.days ?? 30;
    if (!Number.isInteger(days) || days < 1 || days > 366) throw new BadUserInput('days', 'must be a whole number from 1 to 366');
    return reminderOutcomesByDay(ctx.session.asQueryable(), ctx.session.practiceId, days);
  }

  @ResolveField(() => Int)
  remindersSent(@Parent() d: { since: Date | null }, @Context() ctx: RequestContext): Promise<number> {
    return sentReminderCount(ctx.session.asQueryable(), ctx.session.practiceId, d.since);
  }
}

@Module({ providers: [HomeworkRemindersResolver, DashboardRemindersResolver] })
export class ReminderFieldsModule {}

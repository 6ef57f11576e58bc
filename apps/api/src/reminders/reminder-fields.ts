import { Module } from '@nestjs/common';
import { Context, Int, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import DataLoader from 'dataloader';
import { Homework, PracticeDashboard, Reminder } from '#engagement';
import type { RequestContext } from '#platform';
import { remindersOfHomework, sentReminderCount, type ReminderModel } from '#reminders';

// The fields where the engagement's GraphQL types show reminders. They live
// in the app, which may import both libs: the engagement lib never names the
// reminders lib's table (nor imports it: reminders import engagement).

class HomeworkReminders {
  constructor(readonly loader: DataLoader<string, ReminderModel[]>) {}
}

@Resolver(() => Homework)
export class HomeworkRemindersResolver {
  @ResolveField(() => [Reminder])
  reminders(@Parent() h: { id: string }, @Context() ctx: RequestContext): Promise<ReminderModel[]> {
    const session = ctx.session;
    const { loader } = ctx.perRequest(
      HomeworkReminders,
      () => new HomeworkReminders(new DataLoader((ids) => remindersOfHomework(session.asQueryable(), session.practiceId, ids))),
    );
    return loader.load(h.id);
  }
}

@Resolver(() => PracticeDashboard)
export class DashboardRemindersResolver {
  @ResolveField(() => Int)
  remindersSent(@Parent() d: { since: Date | null }, @Context() ctx: RequestContext): Promise<number> {
    return sentReminderCount(ctx.session.asQueryable(), ctx.session.practiceId, d.since);
  }
}

@Module({ providers: [HomeworkRemindersResolver, DashboardRemindersResolver] })
export class ReminderFieldsModule {}

import { Args, Context, Field, Int, ObjectType, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { BadUserInput, type RequestContext } from '#platform';
import { funnel, type FunnelModel, type JobSearchRow } from '../read/read-models.js';
import { ActivityArgs, PracticeDashboard } from './types/dashboard.types.js';
import { JobSearchFunnel } from './types/job-search.types.js';

// Figures the practice console's overview charts (apps/console), added beside the dashboard's
// own: reminder outcomes per day and the intake baseline on its own. Both read under the
// practice's row-level security like the rest of the dashboard (ADMIN only, checked by practiceDashboard).

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
export class DashboardFiguresResolver {
  @ResolveField(() => [ReminderOutcomeDay], { description: 'reminder outcomes per day, newest day first; days without any are left out' })
  async reminderOutcomes(@Parent() _dashboard: unknown, @Args() args: ActivityArgs, @Context() ctx: RequestContext): Promise<ReminderOutcomeDay[]> {
    const days = args.days ?? 30;
    if (!Number.isInteger(days) || days < 1 || days > 366) throw new BadUserInput('days', 'must be a whole number from 1 to 366');
    // a SENT reminder counts on the day it was sent; FAILED and CANCELLED on the day they became so
    const rows = await ctx.session.query<{ day: string; sent: string; failed: string; cancelled: string }>(
      `SELECT to_char(d, 'YYYY-MM-DD') AS day,
              count(*) FILTER (WHERE status = 'SENT') AS sent,
              count(*) FILTER (WHERE status = 'FAILED') AS failed,
              count(*) FILTER (WHERE status = 'CANCELLED') AS cancelled
         FROM (SELECT status, (coalesce(sent_at, updated_at) AT TIME ZONE 'UTC')::date AS d
                 FROM reminders
                WHERE practice_id = $1 AND status IN ('SENT', 'FAILED', 'CANCELLED')
                  AND coalesce(sent_at, updated_at) >= ((now() AT TIME ZONE 'UTC')::date - ($2::int - 1)) AT TIME ZONE 'UTC') r
        GROUP BY d ORDER BY d DESC`,
      [ctx.session.practiceId, days],
    );
    return rows.map((r) => ({ day: r.day, sent: Number(r.sent), failed: Number(r.failed), cancelled: Number(r.cancelled) }));
  }

  @ResolveField(() => JobSearchFunnel, { description: "the intakes' job-search baselines alone, per channel and in total (jobSearch adds every activity logged since)" })
  async intakeBaseline(@Parent() _dashboard: unknown, @Context() ctx: RequestContext): Promise<FunnelModel> {
    const rows = await ctx.session.query<JobSearchRow>(
      `SELECT b->>'channel' AS channel,
              sum((b->>'applications')::bigint) AS applications,
              sum((b->>'interviews')::bigint) AS interviews,
              sum(coalesce((b->>'offers')::bigint, 0)) AS offers
         FROM engagements e, jsonb_array_elements(e.intake->'baseline') b
        WHERE e.practice_id = $1 AND e.intake IS NOT NULL
        GROUP BY 1`,
      [ctx.session.practiceId],
    );
    return funnel(rows);
  }
}

import { Context, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import type { RequestContext } from '#platform';
import { funnel, type FunnelModel, type JobSearchRow } from '../read/read-models.js';
import { PracticeDashboard } from './types/dashboard.types.js';
import { JobSearchFunnel } from './types/job-search.types.js';

// A figure the practice console's overview charts (apps/console), added beside the dashboard's
// own: the intake baseline on its own (reminder outcomes per day are the reminders lib's, resolved
// in apps/api/src/reminders). Read under the practice's row-level security like the rest of the
// dashboard (ADMIN only, checked by practiceDashboard).

@Resolver(() => PracticeDashboard)
export class DashboardFiguresResolver {
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

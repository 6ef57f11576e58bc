import { Args, Context, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { RequestContext } from '#platform';
import { practiceDashboard } from '../read/engagement-queries.js';
import { PracticeSettingsRepository, type PracticeSettingsModel } from '../practice/practice-settings.js';
import { inputs, validate } from './input-validation.js';
import { requireRole } from './request.js';
import { ActivityArgs, ActivityDay, PracticeDashboard, PracticeDashboardArgs } from './types/dashboard.types.js';
import { BadUserInput } from '#platform';
import { QUERY_DESCRIPTIONS } from './types/operation-descriptions.js';
import { PracticeSettings } from './types/settings.types.js';

/** Practice-wide figures and settings: ADMIN only. */
@Resolver()
export class PracticeResolver {
  constructor(private readonly settings: PracticeSettingsRepository) {}

  @Query(() => PracticeDashboard, { description: QUERY_DESCRIPTIONS.practiceDashboard })
  practiceDashboard(@Args() args: PracticeDashboardArgs, @Context() ctx: RequestContext) {
    requireRole(ctx, ['ADMIN'], 'practiceDashboard');
    const { since } = validate(inputs.practiceDashboard, args, '');
    return practiceDashboard(ctx.session, since ?? null, new Date());
  }

  @Query(() => PracticeSettings, { description: QUERY_DESCRIPTIONS.practiceSettings })
  async practiceSettings(@Context() ctx: RequestContext): Promise<PracticeSettingsModel> {
    const principal = requireRole(ctx, ['ADMIN'], 'practiceSettings');
    const { sealedSecret: _secret, ...settings } = await this.settings.read(ctx.session.asQueryable(), principal.practiceId);
    return settings;
  }
}

/** The dashboard's activity chart, from the asynchronous activity-by-day projection (seconds behind at most). */
@Resolver(() => PracticeDashboard)
export class PracticeDashboardResolver {
  @ResolveField(() => [ActivityDay], { description: 'events per day and type, newest day first (kept by the worker, seconds behind at most)' })
  async activity(@Parent() _dashboard: unknown, @Args() args: ActivityArgs, @Context() ctx: RequestContext): Promise<ActivityDay[]> {
    const days = args.days ?? 30;
    if (!Number.isInteger(days) || days < 1 || days > 366) throw new BadUserInput('days', 'must be a whole number from 1 to 366');
    const rows = await ctx.session.query<{ day: string; event_type: string; events: string }>(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, event_type, events FROM activity_by_day
        WHERE practice_id = $1 AND day > (now() AT TIME ZONE 'UTC')::date - $2::int
        ORDER BY day DESC, event_type`,
      [ctx.session.practiceId, days],
    );
    return rows.map((r) => ({ day: r.day, eventType: r.event_type, events: Number(r.events) }));
  }
}

import { Args, Context, Mutation, Query, Resolver } from '@nestjs/graphql';
import { CommandBus } from '@nestjs/cqrs';
import type { RequestContext } from '#platform';
import { practiceDashboard } from '../read/engagement-queries.js';
import { PracticeSettingsRepository, UpdatePracticeSettingsCommand, type PracticeSettingsModel } from '../practice/practice-settings.js';
import { inputs, validate } from './input-validation.js';
import { originOf, requireRole } from './request.js';
import { PracticeDashboard, PracticeDashboardArgs } from './types/dashboard.types.js';
import { UpdatePracticeSettingsInput } from './types/inputs.js';
import { MUTATION_DESCRIPTIONS, QUERY_DESCRIPTIONS } from './types/operation-descriptions.js';
import { PracticeSettings } from './types/settings.types.js';

/** Practice-wide figures and settings: ADMIN only. */
@Resolver()
export class PracticeResolver {
  constructor(
    private readonly commands: CommandBus,
    private readonly settings: PracticeSettingsRepository,
  ) {}

  @Query(() => PracticeDashboard, { description: QUERY_DESCRIPTIONS.practiceDashboard })
  practiceDashboard(@Args() args: PracticeDashboardArgs, @Context() ctx: RequestContext) {
    requireRole(ctx, ['ADMIN'], 'practiceDashboard');
    return practiceDashboard(ctx.session, args.since ?? null, new Date());
  }

  @Query(() => PracticeSettings, { description: QUERY_DESCRIPTIONS.practiceSettings })
  async practiceSettings(@Context() ctx: RequestContext): Promise<PracticeSettingsModel> {
    const principal = requireRole(ctx, ['ADMIN'], 'practiceSettings');
    const { sealedSecret: _secret, ...settings } = await this.settings.read(ctx.session.asQueryable(), principal.practiceId);
    return settings;
  }

  @Mutation(() => PracticeSettings, { description: MUTATION_DESCRIPTIONS.updatePracticeSettings })
  async updatePracticeSettings(
    @Args('input', { type: () => UpdatePracticeSettingsInput }) raw: UpdatePracticeSettingsInput,
    @Context() ctx: RequestContext,
  ): Promise<PracticeSettingsModel> {
    requireRole(ctx, ['ADMIN'], 'updatePracticeSettings');
    const change = validate(inputs.updatePracticeSettings, raw, 'input');
    await ctx.release();
    return this.commands.execute(new UpdatePracticeSettingsCommand(originOf(ctx), change));
  }
}

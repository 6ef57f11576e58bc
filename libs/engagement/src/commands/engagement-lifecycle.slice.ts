import { Args, Context, ID, Mutation, Resolver } from '@nestjs/graphql';
import { CommandBus } from '@nestjs/cqrs';
import { z } from 'zod';
import type { RequestContext } from '#platform';
import { LIMITS } from '../domain/limits.js';
import { optionalKey, text, uuid, validate } from '../graphql/input-validation.js';
import { loaders, originOf, send } from '../graphql/request.js';
import { EngagementOutcome } from '../graphql/types/enums.js';
import { field, inputType } from '../graphql/types/input-type.js';
import { Engagement } from '../graphql/types/engagement.types.js';
import { type CommandOrigin, EngagementCommandMessage, type With, type WriteOptions } from '../write/command-executor.js';

// Pause, resume and close: the engagement's status, one slice for the three.

export const PauseEngagementInput = inputType('PauseEngagementInput', {
  engagementId: field(() => ID, uuid),
  reason: field(() => String, text(LIMITS.reason)),
  idempotencyKey: optionalKey,
});

export const ResumeEngagementInput = inputType('ResumeEngagementInput', {
  engagementId: field(() => ID, uuid),
  idempotencyKey: optionalKey,
});

export const CloseEngagementInput = inputType('CloseEngagementInput', {
  engagementId: field(() => ID, uuid),
  outcome: field(() => EngagementOutcome, z.enum(['ROLE_ACCEPTED', 'GOALS_MET', 'CLIENT_WITHDREW', 'COACH_ENDED', 'OTHER'])),
  note: field(() => String, text(LIMITS.note, 0).nullish()),
  idempotencyKey: optionalKey,
});

export class PauseEngagementCommand extends EngagementCommandMessage {
  constructor(origin: CommandOrigin, input: { engagementId: string; reason: string }, options: WriteOptions = {}) {
    super(origin, { engagementId: input.engagementId }, { type: 'PauseEngagement', data: { reason: input.reason } }, options, ['pauseEngagement', input]);
  }
}

export class ResumeEngagementCommand extends EngagementCommandMessage {
  constructor(origin: CommandOrigin, input: { engagementId: string; reason: string | null }, options: WriteOptions = {}) {
    super(origin, { engagementId: input.engagementId }, { type: 'ResumeEngagement', data: { reason: input.reason } }, options, ['resumeEngagement', input]);
  }
}

export class CloseEngagementCommand extends EngagementCommandMessage {
  constructor(origin: CommandOrigin, input: With<'CloseEngagement', 'engagementId'>, options: WriteOptions = {}) {
    const { engagementId, ...data } = input;
    super(origin, { engagementId }, { type: 'CloseEngagement', data }, options, ['closeEngagement', input]);
  }
}

@Resolver()
export class EngagementLifecycleResolver {
  constructor(private readonly bus: CommandBus) {}

  @Mutation(() => Engagement, { description: 'COACH or ADMIN' })
  async pauseEngagement(@Args('input', { type: () => PauseEngagementInput }) raw: unknown, @Context() ctx: RequestContext) {
    const { idempotencyKey, ...input } = validate(PauseEngagementInput.schema, raw, 'input');
    const outcome = await send(this.bus, ctx, 'pauseEngagement', new PauseEngagementCommand(originOf(ctx), input, { idempotencyKey }));
    return loaders(ctx).engagement.load(outcome.streamId);
  }

  @Mutation(() => Engagement, { description: 'COACH or ADMIN' })
  async resumeEngagement(@Args('input', { type: () => ResumeEngagementInput }) raw: unknown, @Context() ctx: RequestContext) {
    const { idempotencyKey, engagementId } = validate(ResumeEngagementInput.schema, raw, 'input');
    const command = new ResumeEngagementCommand(originOf(ctx), { engagementId, reason: null }, { idempotencyKey });
    const outcome = await send(this.bus, ctx, 'resumeEngagement', command);
    return loaders(ctx).engagement.load(outcome.streamId);
  }

  @Mutation(() => Engagement, { description: 'COACH or ADMIN' })
  async closeEngagement(@Args('input', { type: () => CloseEngagementInput }) raw: unknown, @Context() ctx: RequestContext) {
    const { idempotencyKey, note, ...rest } = validate(CloseEngagementInput.schema, raw, 'input');
    const outcome = await send(this.bus, ctx, 'closeEngagement', new CloseEngagementCommand(originOf(ctx), { ...rest, note: note ?? null }, { idempotencyKey }));
    return loaders(ctx).engagement.load(outcome.streamId);
  }
}

import { Args, Context, ID, Mutation, Resolver } from '@nestjs/graphql';
import { CommandBus } from '@nestjs/cqrs';
import { z } from 'zod';
import type { RequestContext } from '#platform';
import { LIMITS } from '../domain/limits.js';
import { optionalKey, text, uuid, validate } from '../graphql/input-validation.js';
import { eventOf, loaders, originOf, send } from '../graphql/request.js';
import { FeedbackVerdict } from '../graphql/types/enums.js';
import { field, inputType } from '../graphql/types/input-type.js';
import { Feedback } from '../graphql/types/homework.types.js';
import { type CommandOrigin, EngagementCommandMessage, newId, type With, type WriteOptions } from '../write/command-executor.js';

export const GiveFeedbackInput = inputType('GiveFeedbackInput', {
  draftId: field(() => ID, uuid),
  verdict: field(() => FeedbackVerdict, z.enum(['CHANGES_REQUESTED', 'ACCEPTED'])),
  comments: field(() => String, text(LIMITS.comments, 0)),
  idempotencyKey: optionalKey,
});

export class GiveFeedbackCommand extends EngagementCommandMessage {
  constructor(origin: CommandOrigin, input: Omit<With<'GiveFeedback', never>, 'feedbackId'>, options: WriteOptions = {}) {
    const data = { ...input, feedbackId: newId() };
    super(origin, { draftId: input.draftId }, { type: 'GiveFeedback', data }, options, ['giveFeedback', input]);
  }
}

@Resolver()
export class GiveFeedbackResolver {
  constructor(private readonly bus: CommandBus) {}

  @Mutation(() => Feedback, { description: 'COACH of the engagement only' })
  async giveFeedback(@Args('input', { type: () => GiveFeedbackInput }) raw: unknown, @Context() ctx: RequestContext) {
    // who may is the decider's to say, after the draft is found: another practice's is NOT_FOUND to anyone
    const { idempotencyKey, ...input } = validate(GiveFeedbackInput.schema, raw, 'input');
    const outcome = await send(this.bus, ctx, 'giveFeedback', new GiveFeedbackCommand(originOf(ctx), input, { idempotencyKey }));
    return loaders(ctx).feedback.load(eventOf(outcome, 'FeedbackGiven').feedbackId);
  }
}

import { Args, Context, ID, Mutation, Resolver } from '@nestjs/graphql';
import { CommandBus } from '@nestjs/cqrs';
import type { RequestContext } from '#platform';
import { LIMITS } from '../domain/limits.js';
import { optionalKey, text, uuid, validate } from '../graphql/input-validation.js';
import { eventOf, loaders, originOf, send } from '../graphql/request.js';
import { field, inputType } from '../graphql/types/input-type.js';
import { Draft } from '../graphql/types/homework.types.js';
import { type CommandOrigin, EngagementCommandMessage, newId, type WriteOptions } from '../write/command-executor.js';

export const SubmitDraftInput = inputType('SubmitDraftInput', {
  homeworkId: field(() => ID, uuid),
  content: field(() => String, text(LIMITS.draftContent)),
  idempotencyKey: optionalKey,
});

export class SubmitDraftCommand extends EngagementCommandMessage {
  constructor(origin: CommandOrigin, input: { homeworkId: string; content: string }, options: WriteOptions = {}) {
    const data = { ...input, draftId: newId() };
    super(origin, { homeworkId: input.homeworkId }, { type: 'SubmitDraft', data }, options, ['submitDraft', input]);
  }
}

@Resolver()
export class SubmitDraftResolver {
  constructor(private readonly bus: CommandBus) {}

  @Mutation(() => Draft, { description: 'CLIENT of the engagement only' })
  async submitDraft(@Args('input', { type: () => SubmitDraftInput }) raw: unknown, @Context() ctx: RequestContext) {
    // who may is the decider's to say, after the homework is found: another practice's is NOT_FOUND to anyone
    const { idempotencyKey, ...input } = validate(SubmitDraftInput.schema, raw, 'input');
    const outcome = await send(this.bus, ctx, 'submitDraft', new SubmitDraftCommand(originOf(ctx), input, { idempotencyKey }));
    return loaders(ctx).draft.load(eventOf(outcome, 'DraftSubmitted').draftId);
  }
}

import { Args, Context, ID, Mutation, Resolver } from '@nestjs/graphql';
import { CommandBus } from '@nestjs/cqrs';
import type { RequestContext } from '#platform';
import { LIMITS } from '../domain/limits.js';
import { optionalKey, text, uuid, validate } from '../graphql/input-validation.js';
import { loaders, originOf, send } from '../graphql/request.js';
import { field, inputType } from '../graphql/types/input-type.js';
import { Homework } from '../graphql/types/homework.types.js';
import { type CommandOrigin, EngagementCommandMessage, type WriteOptions } from '../write/command-executor.js';

export const CancelHomeworkInput = inputType('CancelHomeworkInput', {
  homeworkId: field(() => ID, uuid),
  reason: field(() => String, text(LIMITS.reason)),
  idempotencyKey: optionalKey,
});

export class CancelHomeworkCommand extends EngagementCommandMessage {
  constructor(origin: CommandOrigin, input: { homeworkId: string; reason: string }, options: WriteOptions = {}) {
    super(origin, { homeworkId: input.homeworkId }, { type: 'CancelHomework', data: input }, options, ['cancelHomework', input]);
  }
}

@Resolver()
export class CancelHomeworkResolver {
  constructor(private readonly bus: CommandBus) {}

  @Mutation(() => Homework, { description: 'COACH or ADMIN' })
  async cancelHomework(@Args('input', { type: () => CancelHomeworkInput }) raw: unknown, @Context() ctx: RequestContext) {
    const { idempotencyKey, ...input } = validate(CancelHomeworkInput.schema, raw, 'input');
    await send(this.bus, ctx, 'cancelHomework', new CancelHomeworkCommand(originOf(ctx), input, { idempotencyKey }));
    return loaders(ctx).homework.load(input.homeworkId);
  }
}

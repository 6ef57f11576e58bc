import { Args, Context, GraphQLISODateTime, ID, Mutation, Resolver } from '@nestjs/graphql';
import { CommandBus } from '@nestjs/cqrs';
import type { RequestContext } from '#platform';
import { instant, optionalKey, optionalVersion, uuid, validate } from '../graphql/input-validation.js';
import { loaders, originOf, send } from '../graphql/request.js';
import { field, inputType } from '../graphql/types/input-type.js';
import { Homework } from '../graphql/types/homework.types.js';
import { type CommandOrigin, EngagementCommandMessage, type WriteOptions } from '../write/command-executor.js';

export const RescheduleHomeworkInput = inputType(
  'RescheduleHomeworkInput',
  {
    engagementId: field(() => ID, uuid),
    homeworkId: field(() => ID, uuid),
    dueAt: field(() => GraphQLISODateTime, instant, { description: 'the new due time, in the future' }),
    expectedVersion: optionalVersion,
    idempotencyKey: optionalKey,
  },
  { description: 'A new due time for open homework (ASSIGNED, SUBMITTED or CHANGES_REQUESTED).' },
);

export class RescheduleHomeworkCommand extends EngagementCommandMessage {
  constructor(origin: CommandOrigin, input: { engagementId: string; homeworkId: string; dueAt: Date }, options: WriteOptions = {}) {
    const { engagementId, ...data } = input;
    super(origin, { engagementId }, { type: 'RescheduleHomework', data }, options, ['rescheduleHomework', input]);
  }
}

@Resolver()
export class RescheduleHomeworkResolver {
  constructor(private readonly bus: CommandBus) {}

  @Mutation(() => Homework, { description: 'COACH or ADMIN; reminders follow the new due time' })
  async rescheduleHomework(@Args('input', { type: () => RescheduleHomeworkInput }) raw: unknown, @Context() ctx: RequestContext) {
    const { expectedVersion, idempotencyKey, ...input } = validate(RescheduleHomeworkInput.schema, raw, 'input');
    await send(this.bus, ctx, 'rescheduleHomework', new RescheduleHomeworkCommand(originOf(ctx), input, { expectedVersion, idempotencyKey }));
    return loaders(ctx).homework.load(input.homeworkId);
  }
}

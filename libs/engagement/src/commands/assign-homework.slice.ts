import { Args, Context, GraphQLISODateTime, ID, Mutation, Resolver } from '@nestjs/graphql';
import { CommandBus } from '@nestjs/cqrs';
import type { RequestContext } from '#platform';
import { LIMITS } from '../domain/limits.js';
import { instant, line, optionalKey, optionalVersion, text, uuid, validate } from '../graphql/input-validation.js';
import { eventOf, loaders, originOf, send } from '../graphql/request.js';
import { field, inputType } from '../graphql/types/input-type.js';
import { Homework } from '../graphql/types/homework.types.js';
import { type CommandOrigin, EngagementCommandMessage, newId, type WriteOptions } from '../write/command-executor.js';

export const AssignHomeworkInput = inputType('AssignHomeworkInput', {
  engagementId: field(() => ID, uuid),
  title: field(() => String, line(LIMITS.title)),
  instructions: field(() => String, text(LIMITS.instructions, 0)),
  dueAt: field(() => GraphQLISODateTime, instant.nullish()),
  expectedVersion: optionalVersion,
  idempotencyKey: optionalKey,
});

export class AssignHomeworkCommand extends EngagementCommandMessage {
  constructor(origin: CommandOrigin, input: { engagementId: string; title: string; instructions: string; dueAt: Date | null }, options: WriteOptions = {}) {
    const { engagementId, ...data } = input;
    super(origin, { engagementId }, { type: 'AssignHomework', data: { homeworkId: newId(), ...data } }, options, ['assignHomework', input]);
  }
}

@Resolver()
export class AssignHomeworkResolver {
  constructor(private readonly bus: CommandBus) {}

  @Mutation(() => Homework, { description: 'COACH or ADMIN' })
  async assignHomework(@Args('input', { type: () => AssignHomeworkInput }) raw: unknown, @Context() ctx: RequestContext) {
    const { expectedVersion, idempotencyKey, dueAt, ...rest } = validate(AssignHomeworkInput.schema, raw, 'input');
    const command = new AssignHomeworkCommand(originOf(ctx), { ...rest, dueAt: dueAt ?? null }, { expectedVersion, idempotencyKey });
    const outcome = await send(this.bus, ctx, 'assignHomework', command);
    return loaders(ctx).homework.load(eventOf(outcome, 'HomeworkAssigned').homeworkId);
  }
}

import { Args, Context, ID, Int, Mutation, Resolver } from '@nestjs/graphql';
import { CommandBus } from '@nestjs/cqrs';
import type { RequestContext } from '#platform';
import { LIMITS } from '../domain/limits.js';
import { channel, count, optionalKey, text, uuid, validate } from '../graphql/input-validation.js';
import { loaders, originOf, send } from '../graphql/request.js';
import { JobSearchChannel } from '../graphql/types/enums.js';
import { field, inputType } from '../graphql/types/input-type.js';
import { Engagement } from '../graphql/types/engagement.types.js';
import { type CommandOrigin, EngagementCommandMessage, newId, type With, type WriteOptions } from '../write/command-executor.js';

export const LogJobSearchActivityInput = inputType('LogJobSearchActivityInput', {
  engagementId: field(() => ID, uuid),
  channel: field(() => JobSearchChannel, channel),
  applications: field(() => Int, count),
  interviews: field(() => Int, count),
  offers: field(() => Int, count.nullish(), { defaultValue: 0 }),
  note: field(() => String, text(LIMITS.note, 0).nullish()),
  idempotencyKey: optionalKey,
});

export class LogJobSearchActivityCommand extends EngagementCommandMessage {
  constructor(origin: CommandOrigin, input: Omit<With<'LogJobSearchActivity', 'engagementId'>, 'activityId'>, options: WriteOptions = {}) {
    const { engagementId, ...data } = input;
    super(origin, { engagementId }, { type: 'LogJobSearchActivity', data: { activityId: newId(), ...data } }, options, ['logJobSearchActivity', input]);
  }
}

@Resolver()
export class LogJobSearchActivityResolver {
  constructor(private readonly bus: CommandBus) {}

  @Mutation(() => Engagement, { description: 'CLIENT, COACH or ADMIN' })
  async logJobSearchActivity(@Args('input', { type: () => LogJobSearchActivityInput }) raw: unknown, @Context() ctx: RequestContext) {
    const { idempotencyKey, offers, note, ...rest } = validate(LogJobSearchActivityInput.schema, raw, 'input');
    const input = { ...rest, offers: offers ?? 0, note: note ?? null };
    const outcome = await send(this.bus, ctx, 'logJobSearchActivity', new LogJobSearchActivityCommand(originOf(ctx), input, { idempotencyKey }));
    return loaders(ctx).engagement.load(outcome.streamId);
  }
}

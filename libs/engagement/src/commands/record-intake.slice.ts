import { Args, Context, ID, Int, Mutation, Resolver } from '@nestjs/graphql';
import { CommandBus } from '@nestjs/cqrs';
import { z } from 'zod';
import type { RequestContext } from '#platform';
import { LIMITS } from '../domain/limits.js';
import { channel, count, line, optionalKey, optionalVersion, text, uuid, validate } from '../graphql/input-validation.js';
import { loaders, originOf, send } from '../graphql/request.js';
import { JobSearchChannel } from '../graphql/types/enums.js';
import { field, inputType } from '../graphql/types/input-type.js';
import { Engagement } from '../graphql/types/engagement.types.js';
import { type CommandOrigin, EngagementCommandMessage, type With, type WriteOptions } from '../write/command-executor.js';

export const ChannelStatInput = inputType('ChannelStatInput', {
  channel: field(() => JobSearchChannel, channel),
  applications: field(() => Int, count),
  interviews: field(() => Int, count),
  offers: field(() => Int, count.nullish(), { defaultValue: 0 }),
});

export const RecordIntakeInput = inputType('RecordIntakeInput', {
  engagementId: field(() => ID, uuid),
  presentingQuestion: field(() => String, text(LIMITS.presentingQuestion)),
  background: field(() => String, text(LIMITS.background, 0)),
  goals: field(() => [String], z.array(line(LIMITS.goal)).max(LIMITS.goals, `at most ${LIMITS.goals} goals`)),
  currentStrategy: field(() => String, text(LIMITS.currentStrategy, 0)),
  baseline: field(
    () => [ChannelStatInput],
    z
      .array(ChannelStatInput.schema)
      .max(LIMITS.baselineEntries)
      .refine((b) => new Set(b.map((x) => x.channel)).size === b.length, 'must name each channel at most once'),
  ),
  expectedVersion: optionalVersion,
  idempotencyKey: optionalKey,
});

export class RecordIntakeCommand extends EngagementCommandMessage {
  constructor(origin: CommandOrigin, input: With<'RecordIntake', 'engagementId'>, options: WriteOptions = {}) {
    const { engagementId, ...data } = input;
    super(origin, { engagementId }, { type: 'RecordIntake', data }, options, ['recordIntake', input]);
  }
}

@Resolver()
export class RecordIntakeResolver {
  constructor(private readonly bus: CommandBus) {}

  @Mutation(() => Engagement, { description: 'COACH or ADMIN' })
  async recordIntake(@Args('input', { type: () => RecordIntakeInput }) raw: unknown, @Context() ctx: RequestContext) {
    const { expectedVersion, idempotencyKey, baseline, ...rest } = validate(RecordIntakeInput.schema, raw, 'input');
    const input = { ...rest, baseline: baseline.map((b) => ({ ...b, offers: b.offers ?? 0 })) };
    const outcome = await send(this.bus, ctx, 'recordIntake', new RecordIntakeCommand(originOf(ctx), input, { expectedVersion, idempotencyKey }));
    return loaders(ctx).engagement.load(outcome.streamId);
  }
}

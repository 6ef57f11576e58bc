import { Args, Context, GraphQLISODateTime, ID, Int, Mutation, Resolver } from '@nestjs/graphql';
import { CommandBus } from '@nestjs/cqrs';
import { z } from 'zod';
import type { RequestContext } from '#platform';
import { LIMITS } from '../domain/limits.js';
import { instant, optionalKey, text, uuid, validate } from '../graphql/input-validation.js';
import { field, inputType } from '../graphql/types/input-type.js';
import { CoachingSession } from '../graphql/types/engagement.types.js';
import { type CommandOrigin, EngagementCommandMessage, newId, type With, type WriteOptions } from '../write/command-executor.js';
import { eventOf, originOf, send } from '../graphql/request.js';

export const LogCoachingSessionInput = inputType('LogCoachingSessionInput', {
  engagementId: field(() => ID, uuid),
  heldAt: field(() => GraphQLISODateTime, instant.refine((d) => d.getUTCFullYear() >= 2000, 'must be a real date (year 2000 or later)')),
  durationMinutes: field(
    () => Int,
    z.number().int('must be a whole number').min(1, 'must be at least 1').max(LIMITS.sessionMinutes, 'must be at most a day'),
  ),
  summary: field(() => String, text(LIMITS.summary)),
  idempotencyKey: optionalKey,
});

export class LogCoachingSessionCommand extends EngagementCommandMessage {
  constructor(origin: CommandOrigin, input: Omit<With<'LogCoachingSession', 'engagementId'>, 'sessionId'>, options: WriteOptions = {}) {
    const { engagementId, ...data } = input;
    super(origin, { engagementId }, { type: 'LogCoachingSession', data: { sessionId: newId(), ...data } }, options, ['logCoachingSession', input]);
  }
}

@Resolver()
export class LogCoachingSessionResolver {
  constructor(private readonly bus: CommandBus) {}

  @Mutation(() => CoachingSession, { description: 'COACH or ADMIN' })
  async logCoachingSession(@Args('input', { type: () => LogCoachingSessionInput }) raw: unknown, @Context() ctx: RequestContext) {
    const { idempotencyKey, ...input } = validate(LogCoachingSessionInput.schema, raw, 'input');
    const outcome = await send(this.bus, ctx, 'logCoachingSession', new LogCoachingSessionCommand(originOf(ctx), input, { idempotencyKey }));
    const d = eventOf(outcome, 'CoachingSessionLogged');
    return { id: d.sessionId, heldAt: new Date(d.heldAt), durationMinutes: d.durationMinutes, summary: d.summary };
  }
}

import { Args, Context, ID, Mutation, Resolver } from '@nestjs/graphql';
import { CommandBus } from '@nestjs/cqrs';
import { z } from 'zod';
import type { RequestContext } from '#platform';
import { LIMITS } from '../domain/limits.js';
import type { Person } from '../domain/types.js';
import { EMAIL, externalId, line, optionalKey, timeZone, validate } from '../graphql/input-validation.js';
import { loaders, originOf, requireRole, send } from '../graphql/request.js';
import { field, inputType } from '../graphql/types/input-type.js';
import { Engagement } from '../graphql/types/engagement.types.js';
import { type CommandOrigin, EngagementCommandMessage, newId, type WriteOptions } from '../write/command-executor.js';

export const PersonInput = inputType('PersonInput', {
  id: field(() => ID, externalId),
  name: field(() => String, line(LIMITS.personName)),
  email: field(() => String, z.string().max(LIMITS.email).regex(EMAIL, 'must be an email address').nullish()),
  timezone: field(() => String, timeZone.nullish(), {
    description: "IANA time zone, e.g. Pacific/Auckland: reminders' quiet hours follow it; absent: UTC",
  }),
});

export const OpenEngagementInput = inputType('OpenEngagementInput', {
  coach: field(() => PersonInput, PersonInput.schema),
  client: field(() => PersonInput, PersonInput.schema),
  title: field(() => String, line(LIMITS.title)),
  idempotencyKey: optionalKey,
});

export class OpenEngagementCommand extends EngagementCommandMessage {
  constructor(origin: CommandOrigin, input: { coach: Person; client: Person; title: string }, options: WriteOptions = {}) {
    const engagementId = newId();
    const data = { engagementId, practiceId: origin.practiceId, ...input };
    super(origin, { engagementId }, { type: 'OpenEngagement', data }, { idempotencyKey: options.idempotencyKey }, ['openEngagement', input]);
  }
}

@Resolver()
export class OpenEngagementResolver {
  constructor(private readonly bus: CommandBus) {}

  @Mutation(() => Engagement, { description: "COACH (as the engagement's coach) or ADMIN" })
  async openEngagement(@Args('input', { type: () => OpenEngagementInput }) raw: unknown, @Context() ctx: RequestContext) {
    requireRole(ctx, ['COACH', 'ADMIN'], 'openEngagement');
    const { idempotencyKey, coach, client, title } = validate(OpenEngagementInput.schema, raw, 'input');
    const person = (p: typeof coach) => ({ id: p.id, name: p.name, email: p.email ?? null, ...(p.timezone ? { timezone: p.timezone } : {}) });
    const command = new OpenEngagementCommand(originOf(ctx), { coach: person(coach), client: person(client), title }, { idempotencyKey });
    const outcome = await send(this.bus, ctx, 'openEngagement', command);
    return loaders(ctx).engagement.load(outcome.streamId);
  }
}

import type { CommandBus } from '@nestjs/cqrs';
import type { RequestContext } from '#platform';
import type { z } from 'zod';
import type { CommandOutcome } from '../write/command-executor.js';
import { LogCoachingSessionCommand, LogJobSearchActivityCommand } from '../write/handlers/activity.handlers.js';
import { GiveFeedbackCommand, SubmitDraftCommand } from '../write/handlers/drafts.handlers.js';
import { AssignHomeworkCommand, CancelHomeworkCommand } from '../write/handlers/homework.handlers.js';
import { CloseEngagementCommand, PauseEngagementCommand, ResumeEngagementCommand } from '../write/handlers/lifecycle.handlers.js';
import { OpenEngagementCommand } from '../write/handlers/open-engagement.handler.js';
import { RecordIntakeCommand } from '../write/handlers/record-intake.handler.js';
import type { inputs } from './input-validation.js';
import { loaders, noteRead, originOf, visibleEngagement } from './request.js';

type In<K extends keyof typeof inputs> = z.infer<(typeof inputs)[K]>;

/**
 * Validated GraphQL inputs → commands on the bus. The request's read
 * transaction is released first: a request never holds two connections.
 */
export class MutationCommands {
  constructor(private readonly bus: CommandBus) {}

  private async send(ctx: RequestContext, operation: string, command: Parameters<CommandBus['execute']>[0]): Promise<CommandOutcome> {
    await ctx.release();
    const outcome = (await this.bus.execute(command)) as CommandOutcome;
    // the answer comes from the rows the command wrote; a replay reads them afresh
    if (outcome.projected) loaders(ctx).accept(outcome.projected);
    else loaders(ctx).engagement.clear(outcome.streamId);
    // The answer is a read of the engagement like any other: the caller must
    // still be allowed to see it (a replay answers whoever presents the key)
    // and an ADMIN's read of it is audited.
    const engagement = await visibleEngagement(ctx, outcome.streamId);
    noteRead(ctx, engagement, `Mutation.${operation}`);
    return outcome;
  }

  openEngagement(ctx: RequestContext, i: In<'openEngagement'>) {
    const person = (p: In<'openEngagement'>['coach']) => ({ id: p.id, name: p.name, email: p.email ?? null });
    return this.send(ctx, 'openEngagement',
      new OpenEngagementCommand(originOf(ctx), { coach: person(i.coach), client: person(i.client), title: i.title }, { idempotencyKey: i.idempotencyKey }),
    );
  }

  recordIntake(ctx: RequestContext, i: In<'recordIntake'>) {
    const { expectedVersion, idempotencyKey, baseline, ...rest } = i;
    const data = { ...rest, baseline: baseline.map((b) => ({ ...b, offers: b.offers ?? 0 })) };
    return this.send(ctx, 'recordIntake', new RecordIntakeCommand(originOf(ctx), data, { expectedVersion, idempotencyKey }));
  }

  assignHomework(ctx: RequestContext, i: In<'assignHomework'>) {
    const { expectedVersion, idempotencyKey, dueAt, ...rest } = i;
    return this.send(ctx, 'assignHomework', new AssignHomeworkCommand(originOf(ctx), { ...rest, dueAt: dueAt ?? null }, { expectedVersion, idempotencyKey }));
  }

  submitDraft(ctx: RequestContext, i: In<'submitDraft'>) {
    const { idempotencyKey, ...data } = i;
    return this.send(ctx, 'submitDraft', new SubmitDraftCommand(originOf(ctx), data, { idempotencyKey }));
  }

  giveFeedback(ctx: RequestContext, i: In<'giveFeedback'>) {
    const { idempotencyKey, ...data } = i;
    return this.send(ctx, 'giveFeedback', new GiveFeedbackCommand(originOf(ctx), data, { idempotencyKey }));
  }

  cancelHomework(ctx: RequestContext, i: In<'cancelHomework'>) {
    const { idempotencyKey, ...data } = i;
    return this.send(ctx, 'cancelHomework', new CancelHomeworkCommand(originOf(ctx), data, { idempotencyKey }));
  }

  logCoachingSession(ctx: RequestContext, i: In<'logCoachingSession'>) {
    const { idempotencyKey, ...data } = i;
    return this.send(ctx, 'logCoachingSession', new LogCoachingSessionCommand(originOf(ctx), data, { idempotencyKey }));
  }

  logJobSearchActivity(ctx: RequestContext, i: In<'logJobSearchActivity'>) {
    const { idempotencyKey, offers, note, ...rest } = i;
    return this.send(ctx, 'logJobSearchActivity',
      new LogJobSearchActivityCommand(originOf(ctx), { ...rest, offers: offers ?? 0, note: note ?? null }, { idempotencyKey }),
    );
  }

  pauseEngagement(ctx: RequestContext, i: In<'pauseEngagement'>) {
    const { idempotencyKey, ...data } = i;
    return this.send(ctx, 'pauseEngagement', new PauseEngagementCommand(originOf(ctx), data, { idempotencyKey }));
  }

  resumeEngagement(ctx: RequestContext, i: In<'resumeEngagement'>) {
    return this.send(ctx, 'resumeEngagement', new ResumeEngagementCommand(originOf(ctx), { engagementId: i.engagementId, reason: null }, { idempotencyKey: i.idempotencyKey }));
  }

  closeEngagement(ctx: RequestContext, i: In<'closeEngagement'>) {
    const { idempotencyKey, note, ...rest } = i;
    return this.send(ctx, 'closeEngagement', new CloseEngagementCommand(originOf(ctx), { ...rest, note: note ?? null }, { idempotencyKey }));
  }
}

import { Args, Context, Mutation, Resolver } from '@nestjs/graphql';
import { CommandBus } from '@nestjs/cqrs';
import type { StoredEvent } from '#event-store';
import type { RequestContext } from '#platform';
import type { EngagementEvent } from '../domain/events.js';
import { validate } from './input-validation.js';
import { loaders, noteRead, originOf, requireRole, visibleEngagement } from './request.js';
import type { CommandOutcome } from '../write/command-executor.js';
import * as C from '../write/engagement-commands.js';
import { CoachingSession, Engagement } from './types/engagement.types.js';
import { Draft, Feedback, Homework } from './types/homework.types.js';
import {
  AssignHomeworkInput,
  CancelHomeworkInput,
  CloseEngagementInput,
  GiveFeedbackInput,
  LogCoachingSessionInput,
  LogJobSearchActivityInput,
  OpenEngagementInput,
  PauseEngagementInput,
  RescheduleHomeworkInput,
  RecordIntakeInput,
  ResumeEngagementInput,
  SubmitDraftInput,
} from './types/inputs.js';
import { MUTATION_DESCRIPTIONS as D } from './types/operation-descriptions.js';

/**
 * Every engagement mutation: validate the input at the edge, send the command,
 * answer with the read model it just updated (read-your-writes). A retried
 * idempotency key answers with the first attempt's object.
 */
@Resolver()
export class MutationsResolver {
  constructor(private readonly bus: CommandBus) {}

  /**
   * Sends the command (after releasing the request's read transaction: a
   * request never holds two connections) and primes the loaders with the rows
   * it wrote (read-your-writes; a replay reads them afresh). The answer is a
   * read of the engagement like any other: the caller must still be allowed
   * to see it (a replay answers whoever presents the key) and an ADMIN's read
   * is audited.
   */
  private async send(ctx: RequestContext, operation: string, command: C.EngagementCommandMessage): Promise<CommandOutcome> {
    await ctx.release();
    const outcome = await this.bus.execute(command);
    if (outcome.projected) loaders(ctx).accept(outcome.projected);
    else loaders(ctx).engagement.clear(outcome.streamId);
    noteRead(ctx, await visibleEngagement(ctx, outcome.streamId), `Mutation.${operation}`);
    return outcome;
  }

  @Mutation(() => Engagement, { description: D.openEngagement })
  async openEngagement(@Args('input', { type: () => OpenEngagementInput }) raw: unknown, @Context() ctx: RequestContext) {
    requireRole(ctx, ['COACH', 'ADMIN'], 'openEngagement');
    const { idempotencyKey, coach, client, title } = validate(OpenEngagementInput.schema, raw, 'input');
    const person = (p: typeof coach) => ({ id: p.id, name: p.name, email: p.email ?? null, ...(p.timezone ? { timezone: p.timezone } : {}) });
    const outcome = await this.send(ctx, 'openEngagement', new C.OpenEngagementCommand(originOf(ctx), { coach: person(coach), client: person(client), title }, { idempotencyKey }));
    return this.engagement(ctx, outcome.streamId);
  }

  @Mutation(() => Engagement, { description: D.recordIntake })
  async recordIntake(@Args('input', { type: () => RecordIntakeInput }) raw: unknown, @Context() ctx: RequestContext) {
    const { expectedVersion, idempotencyKey, baseline, ...rest } = validate(RecordIntakeInput.schema, raw, 'input');
    const input = { ...rest, baseline: baseline.map((b) => ({ ...b, offers: b.offers ?? 0 })) };
    const outcome = await this.send(ctx, 'recordIntake', new C.RecordIntakeCommand(originOf(ctx), input, { expectedVersion, idempotencyKey }));
    return this.engagement(ctx, outcome.streamId);
  }

  @Mutation(() => Homework, { description: D.assignHomework })
  async assignHomework(@Args('input', { type: () => AssignHomeworkInput }) raw: unknown, @Context() ctx: RequestContext) {
    const { expectedVersion, idempotencyKey, dueAt, ...rest } = validate(AssignHomeworkInput.schema, raw, 'input');
    const input = { ...rest, dueAt: dueAt ?? null };
    const outcome = await this.send(ctx, 'assignHomework', new C.AssignHomeworkCommand(originOf(ctx), input, { expectedVersion, idempotencyKey }));
    return this.homework(ctx, eventOf(outcome, 'HomeworkAssigned').homeworkId);
  }

  @Mutation(() => Draft, { description: D.submitDraft })
  async submitDraft(@Args('input', { type: () => SubmitDraftInput }) raw: unknown, @Context() ctx: RequestContext) {
    // who may is the decider's to say, after the homework or draft is found: another practice's is NOT_FOUND to anyone
    const { idempotencyKey, ...input } = validate(SubmitDraftInput.schema, raw, 'input');
    const outcome = await this.send(ctx, 'submitDraft', new C.SubmitDraftCommand(originOf(ctx), input, { idempotencyKey }));
    return loaders(ctx).draft.load(eventOf(outcome, 'DraftSubmitted').draftId);
  }

  @Mutation(() => Feedback, { description: D.giveFeedback })
  async giveFeedback(@Args('input', { type: () => GiveFeedbackInput }) raw: unknown, @Context() ctx: RequestContext) {
    // who may is the decider's to say, after the homework or draft is found: another practice's is NOT_FOUND to anyone
    const { idempotencyKey, ...input } = validate(GiveFeedbackInput.schema, raw, 'input');
    const outcome = await this.send(ctx, 'giveFeedback', new C.GiveFeedbackCommand(originOf(ctx), input, { idempotencyKey }));
    return loaders(ctx).feedback.load(eventOf(outcome, 'FeedbackGiven').feedbackId);
  }

  @Mutation(() => Homework, { description: D.cancelHomework })
  async cancelHomework(@Args('input', { type: () => CancelHomeworkInput }) raw: unknown, @Context() ctx: RequestContext) {
    const { idempotencyKey, ...input } = validate(CancelHomeworkInput.schema, raw, 'input');
    await this.send(ctx, 'cancelHomework', new C.CancelHomeworkCommand(originOf(ctx), input, { idempotencyKey }));
    return this.homework(ctx, input.homeworkId);
  }

  @Mutation(() => Homework, { description: 'COACH or ADMIN; reminders follow the new due time' })
  async rescheduleHomework(@Args('input', { type: () => RescheduleHomeworkInput }) raw: unknown, @Context() ctx: RequestContext) {
    const { expectedVersion, idempotencyKey, ...input } = validate(RescheduleHomeworkInput.schema, raw, 'input');
    await this.send(ctx, 'rescheduleHomework', new C.RescheduleHomeworkCommand(originOf(ctx), input, { expectedVersion, idempotencyKey }));
    return this.homework(ctx, input.homeworkId);
  }

  @Mutation(() => CoachingSession, { description: D.logCoachingSession })
  async logCoachingSession(
    @Args('input', { type: () => LogCoachingSessionInput }) raw: unknown,
    @Context() ctx: RequestContext,
  ) {
    const { idempotencyKey, ...input } = validate(LogCoachingSessionInput.schema, raw, 'input');
    const outcome = await this.send(ctx, 'logCoachingSession', new C.LogCoachingSessionCommand(originOf(ctx), input, { idempotencyKey }));
    const d = eventOf(outcome, 'CoachingSessionLogged');
    return { id: d.sessionId, heldAt: new Date(d.heldAt), durationMinutes: d.durationMinutes, summary: d.summary };
  }

  @Mutation(() => Engagement, { description: D.logJobSearchActivity })
  async logJobSearchActivity(
    @Args('input', { type: () => LogJobSearchActivityInput }) raw: unknown,
    @Context() ctx: RequestContext,
  ) {
    const { idempotencyKey, offers, note, ...rest } = validate(LogJobSearchActivityInput.schema, raw, 'input');
    const input = { ...rest, offers: offers ?? 0, note: note ?? null };
    const outcome = await this.send(ctx, 'logJobSearchActivity', new C.LogJobSearchActivityCommand(originOf(ctx), input, { idempotencyKey }));
    return this.engagement(ctx, outcome.streamId);
  }

  @Mutation(() => Engagement, { description: D.pauseEngagement })
  async pauseEngagement(@Args('input', { type: () => PauseEngagementInput }) raw: unknown, @Context() ctx: RequestContext) {
    const { idempotencyKey, ...input } = validate(PauseEngagementInput.schema, raw, 'input');
    const outcome = await this.send(ctx, 'pauseEngagement', new C.PauseEngagementCommand(originOf(ctx), input, { idempotencyKey }));
    return this.engagement(ctx, outcome.streamId);
  }

  @Mutation(() => Engagement, { description: D.resumeEngagement })
  async resumeEngagement(@Args('input', { type: () => ResumeEngagementInput }) raw: unknown, @Context() ctx: RequestContext) {
    const { idempotencyKey, engagementId } = validate(ResumeEngagementInput.schema, raw, 'input');
    const outcome = await this.send(ctx, 'resumeEngagement', new C.ResumeEngagementCommand(originOf(ctx), { engagementId, reason: null }, { idempotencyKey }));
    return this.engagement(ctx, outcome.streamId);
  }

  @Mutation(() => Engagement, { description: D.closeEngagement })
  async closeEngagement(@Args('input', { type: () => CloseEngagementInput }) raw: unknown, @Context() ctx: RequestContext) {
    const { idempotencyKey, note, ...rest } = validate(CloseEngagementInput.schema, raw, 'input');
    const outcome = await this.send(ctx, 'closeEngagement', new C.CloseEngagementCommand(originOf(ctx), { ...rest, note: note ?? null }, { idempotencyKey }));
    return this.engagement(ctx, outcome.streamId);
  }

  private engagement(ctx: RequestContext, id: string) {
    return loaders(ctx).engagement.load(id);
  }

  private homework(ctx: RequestContext, id: string) {
    return loaders(ctx).homework.load(id);
  }
}

type DataOf<T extends EngagementEvent['type']> = Extract<EngagementEvent, { type: T }>['data'];

/** The data of the event a mutation is about (its first attempt's, on a replay). */
function eventOf<T extends EngagementEvent['type']>(outcome: CommandOutcome, type: T): DataOf<T> {
  const event = outcome.events.find((e: StoredEvent) => e.type === type);
  if (!event) throw new Error(`expected a ${type} event in the outcome of ${outcome.streamId}`);
  return event.data as DataOf<T>;
}

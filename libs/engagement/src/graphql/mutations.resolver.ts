import { Args, Context, Mutation, Resolver } from '@nestjs/graphql';
import { CommandBus } from '@nestjs/cqrs';
import type { StoredEvent } from '#event-store';
import type { RequestContext } from '#platform';
import type { EngagementEvent } from '../domain/events.js';
import { MutationCommands } from './mutation-commands.js';
import { inputs, validate } from './input-validation.js';
import { loaders, requireRole } from './request.js';
import type { CommandOutcome } from '../write/command-executor.js';
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
  private readonly commands: MutationCommands;

  constructor(commandBus: CommandBus) {
    this.commands = new MutationCommands(commandBus);
  }

  @Mutation(() => Engagement, { description: D.openEngagement })
  async openEngagement(@Args('input', { type: () => OpenEngagementInput }) raw: OpenEngagementInput, @Context() ctx: RequestContext) {
    requireRole(ctx, ['COACH', 'ADMIN'], 'openEngagement');
    const input = validate(inputs.openEngagement, raw, 'input');
    const outcome = await this.commands.openEngagement(ctx, input);
    return this.engagement(ctx, outcome.streamId);
  }

  @Mutation(() => Engagement, { description: D.recordIntake })
  async recordIntake(@Args('input', { type: () => RecordIntakeInput }) raw: RecordIntakeInput, @Context() ctx: RequestContext) {
    const input = validate(inputs.recordIntake, raw, 'input');
    const outcome = await this.commands.recordIntake(ctx, input);
    return this.engagement(ctx, outcome.streamId);
  }

  @Mutation(() => Homework, { description: D.assignHomework })
  async assignHomework(@Args('input', { type: () => AssignHomeworkInput }) raw: AssignHomeworkInput, @Context() ctx: RequestContext) {
    const input = validate(inputs.assignHomework, raw, 'input');
    const outcome = await this.commands.assignHomework(ctx, input);
    return this.homework(ctx, eventOf(outcome, 'HomeworkAssigned').homeworkId);
  }

  @Mutation(() => Draft, { description: D.submitDraft })
  async submitDraft(@Args('input', { type: () => SubmitDraftInput }) raw: SubmitDraftInput, @Context() ctx: RequestContext) {
    // who may is the decider's to say, after the homework or draft is found: another practice's is NOT_FOUND to anyone
    const input = validate(inputs.submitDraft, raw, 'input');
    const outcome = await this.commands.submitDraft(ctx, input);
    return loaders(ctx).draft.load(eventOf(outcome, 'DraftSubmitted').draftId);
  }

  @Mutation(() => Feedback, { description: D.giveFeedback })
  async giveFeedback(@Args('input', { type: () => GiveFeedbackInput }) raw: GiveFeedbackInput, @Context() ctx: RequestContext) {
    // who may is the decider's to say, after the homework or draft is found: another practice's is NOT_FOUND to anyone
    const input = validate(inputs.giveFeedback, raw, 'input');
    const outcome = await this.commands.giveFeedback(ctx, input);
    return loaders(ctx).feedback.load(eventOf(outcome, 'FeedbackGiven').feedbackId);
  }

  @Mutation(() => Homework, { description: D.cancelHomework })
  async cancelHomework(@Args('input', { type: () => CancelHomeworkInput }) raw: CancelHomeworkInput, @Context() ctx: RequestContext) {
    const input = validate(inputs.cancelHomework, raw, 'input');
    await this.commands.cancelHomework(ctx, input);
    return this.homework(ctx, input.homeworkId);
  }

  @Mutation(() => CoachingSession, { description: D.logCoachingSession })
  async logCoachingSession(
    @Args('input', { type: () => LogCoachingSessionInput }) raw: LogCoachingSessionInput,
    @Context() ctx: RequestContext,
  ) {
    const input = validate(inputs.logCoachingSession, raw, 'input');
    const outcome = await this.commands.logCoachingSession(ctx, input);
    const d = eventOf(outcome, 'CoachingSessionLogged');
    return { id: d.sessionId, heldAt: new Date(d.heldAt), durationMinutes: d.durationMinutes, summary: d.summary };
  }

  @Mutation(() => Engagement, { description: D.logJobSearchActivity })
  async logJobSearchActivity(
    @Args('input', { type: () => LogJobSearchActivityInput }) raw: LogJobSearchActivityInput,
    @Context() ctx: RequestContext,
  ) {
    const input = validate(inputs.logJobSearchActivity, raw, 'input');
    const outcome = await this.commands.logJobSearchActivity(ctx, input);
    return this.engagement(ctx, outcome.streamId);
  }

  @Mutation(() => Engagement, { description: D.pauseEngagement })
  async pauseEngagement(@Args('input', { type: () => PauseEngagementInput }) raw: PauseEngagementInput, @Context() ctx: RequestContext) {
    const input = validate(inputs.pauseEngagement, raw, 'input');
    const outcome = await this.commands.pauseEngagement(ctx, input);
    return this.engagement(ctx, outcome.streamId);
  }

  @Mutation(() => Engagement, { description: D.resumeEngagement })
  async resumeEngagement(@Args('input', { type: () => ResumeEngagementInput }) raw: ResumeEngagementInput, @Context() ctx: RequestContext) {
    const input = validate(inputs.resumeEngagement, raw, 'input');
    const outcome = await this.commands.resumeEngagement(ctx, input);
    return this.engagement(ctx, outcome.streamId);
  }

  @Mutation(() => Engagement, { description: D.closeEngagement })
  async closeEngagement(@Args('input', { type: () => CloseEngagementInput }) raw: CloseEngagementInput, @Context() ctx: RequestContext) {
    const input = validate(inputs.closeEngagement, raw, 'input');
    const outcome = await this.commands.closeEngagement(ctx, input);
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

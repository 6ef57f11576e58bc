import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { FeedbackVerdict } from '../../domain/types.js';
import { CommandExecutor, type CommandOutcome } from '../command-executor.js';
import { EngagementLookup } from '../engagement-lookup.js';
import { EngagementCommandMessage, newId } from './base.js';

export class SubmitDraftCommand extends EngagementCommandMessage<{ homeworkId: string; content: string }> {}

@CommandHandler(SubmitDraftCommand)
export class SubmitDraftHandler implements ICommandHandler<SubmitDraftCommand> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly lookup: EngagementLookup,
  ) {}

  async execute({ origin, input, options }: SubmitDraftCommand): Promise<CommandOutcome> {
    const engagementId = await this.lookup.engagementOfHomework(origin.practiceId, input.homeworkId);
    const draftId = newId();
    return this.executor.execute({
      streamId: engagementId,
      origin,
      ...options,
      fingerprint: ['submitDraft', input],
      command: () => ({ type: 'SubmitDraft', data: { ...input, draftId }, context: { actor: origin.actor, now: origin.now } }),
    });
  }
}

export class GiveFeedbackCommand extends EngagementCommandMessage<{ draftId: string; verdict: FeedbackVerdict; comments: string }> {}

@CommandHandler(GiveFeedbackCommand)
export class GiveFeedbackHandler implements ICommandHandler<GiveFeedbackCommand> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly lookup: EngagementLookup,
  ) {}

  async execute({ origin, input, options }: GiveFeedbackCommand): Promise<CommandOutcome> {
    const engagementId = await this.lookup.engagementOfDraft(origin.practiceId, input.draftId);
    const feedbackId = newId();
    return this.executor.execute({
      streamId: engagementId,
      origin,
      ...options,
      fingerprint: ['giveFeedback', input],
      command: () => ({ type: 'GiveFeedback', data: { ...input, feedbackId }, context: { actor: origin.actor, now: origin.now } }),
    });
  }
}

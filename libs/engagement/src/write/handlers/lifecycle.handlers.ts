import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { EngagementOutcome } from '../../domain/types.js';
import { CommandExecutor, type CommandOutcome } from '../command-executor.js';
import { EngagementCommandMessage } from './base.js';

export class PauseEngagementCommand extends EngagementCommandMessage<{ engagementId: string; reason: string }> {}

@CommandHandler(PauseEngagementCommand)
export class PauseEngagementHandler implements ICommandHandler<PauseEngagementCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  execute({ origin, input, options }: PauseEngagementCommand): Promise<CommandOutcome> {
    return this.executor.execute({
      streamId: input.engagementId,
      origin,
      ...options,
      fingerprint: ['pauseEngagement', input],
      command: () => ({ type: 'PauseEngagement', data: { reason: input.reason }, context: { actor: origin.actor, now: origin.now } }),
    });
  }
}

export class ResumeEngagementCommand extends EngagementCommandMessage<{ engagementId: string; reason: string | null }> {}

@CommandHandler(ResumeEngagementCommand)
export class ResumeEngagementHandler implements ICommandHandler<ResumeEngagementCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  execute({ origin, input, options }: ResumeEngagementCommand): Promise<CommandOutcome> {
    return this.executor.execute({
      streamId: input.engagementId,
      origin,
      ...options,
      fingerprint: ['resumeEngagement', input],
      command: () => ({ type: 'ResumeEngagement', data: { reason: input.reason }, context: { actor: origin.actor, now: origin.now } }),
    });
  }
}

export class CloseEngagementCommand extends EngagementCommandMessage<{ engagementId: string; outcome: EngagementOutcome; note: string | null }> {}

@CommandHandler(CloseEngagementCommand)
export class CloseEngagementHandler implements ICommandHandler<CloseEngagementCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  execute({ origin, input, options }: CloseEngagementCommand): Promise<CommandOutcome> {
    const { engagementId, ...data } = input;
    return this.executor.execute({
      streamId: engagementId,
      origin,
      ...options,
      fingerprint: ['closeEngagement', input],
      command: () => ({ type: 'CloseEngagement', data, context: { actor: origin.actor, now: origin.now } }),
    });
  }
}

import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { JobSearchChannel } from '../../domain/types.js';
import { CommandExecutor, type CommandOutcome } from '../command-executor.js';
import { EngagementCommandMessage, newId } from './base.js';

export class LogCoachingSessionCommand extends EngagementCommandMessage<{
  engagementId: string;
  heldAt: Date;
  durationMinutes: number;
  summary: string;
}> {}

@CommandHandler(LogCoachingSessionCommand)
export class LogCoachingSessionHandler implements ICommandHandler<LogCoachingSessionCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  execute({ origin, input, options }: LogCoachingSessionCommand): Promise<CommandOutcome> {
    const { engagementId, ...data } = input;
    const sessionId = newId();
    return this.executor.execute({
      streamId: engagementId,
      origin,
      ...options,
      fingerprint: ['logCoachingSession', input],
      command: () => ({ type: 'LogCoachingSession', data: { sessionId, ...data }, context: { actor: origin.actor, now: origin.now } }),
    });
  }
}

export class LogJobSearchActivityCommand extends EngagementCommandMessage<{
  engagementId: string;
  channel: JobSearchChannel;
  applications: number;
  interviews: number;
  offers: number;
  note: string | null;
}> {}

@CommandHandler(LogJobSearchActivityCommand)
export class LogJobSearchActivityHandler implements ICommandHandler<LogJobSearchActivityCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  execute({ origin, input, options }: LogJobSearchActivityCommand): Promise<CommandOutcome> {
    const { engagementId, ...data } = input;
    const activityId = newId();
    return this.executor.execute({
      streamId: engagementId,
      origin,
      ...options,
      fingerprint: ['logJobSearchActivity', input],
      command: () => ({ type: 'LogJobSearchActivity', data: { activityId, ...data }, context: { actor: origin.actor, now: origin.now } }),
    });
  }
}

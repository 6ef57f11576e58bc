import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { Person } from '../../domain/types.js';
import { CommandExecutor, type CommandOutcome } from '../command-executor.js';
import { EngagementCommandMessage, newId } from './base.js';

export class OpenEngagementCommand extends EngagementCommandMessage<{ coach: Person; client: Person; title: string }> {}

@CommandHandler(OpenEngagementCommand)
export class OpenEngagementHandler implements ICommandHandler<OpenEngagementCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  execute({ origin, input, options }: OpenEngagementCommand): Promise<CommandOutcome> {
    const engagementId = newId();
    return this.executor.execute({
      streamId: engagementId,
      origin,
      idempotencyKey: options.idempotencyKey,
      fingerprint: ['openEngagement', input],
      command: () => ({
        type: 'OpenEngagement',
        data: { engagementId, practiceId: origin.practiceId, ...input },
        context: { actor: origin.actor, now: origin.now },
      }),
    });
  }
}

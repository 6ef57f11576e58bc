import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { RecordIntake } from '../../domain/commands.js';
import { CommandExecutor, type CommandOutcome } from '../command-executor.js';
import { EngagementCommandMessage } from './base.js';

export class RecordIntakeCommand extends EngagementCommandMessage<{ engagementId: string } & RecordIntake['data']> {}

@CommandHandler(RecordIntakeCommand)
export class RecordIntakeHandler implements ICommandHandler<RecordIntakeCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  execute({ origin, input, options }: RecordIntakeCommand): Promise<CommandOutcome> {
    const { engagementId, ...data } = input;
    return this.executor.execute({
      streamId: engagementId,
      origin,
      ...options,
      fingerprint: ['recordIntake', input],
      command: () => ({ type: 'RecordIntake', data, context: { actor: origin.actor, now: origin.now } }),
    });
  }
}

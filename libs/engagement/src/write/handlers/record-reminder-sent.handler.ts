import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { RecordReminderSent } from '../../domain/commands.js';
import { CommandExecutor, type CommandOutcome } from '../command-executor.js';
import { EngagementCommandMessage } from './base.js';

/** Records on the engagement that a reminder went out; idempotent by reminder id. */
export class RecordReminderSentCommand extends EngagementCommandMessage<{ engagementId: string } & RecordReminderSent['data']> {}

@CommandHandler(RecordReminderSentCommand)
export class RecordReminderSentHandler implements ICommandHandler<RecordReminderSentCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  execute({ origin, input }: RecordReminderSentCommand): Promise<CommandOutcome> {
    const { engagementId, ...data } = input;
    return this.executor.execute({
      streamId: engagementId,
      origin,
      idempotencyKey: `reminder:${data.reminderId}`,
      fingerprint: ['recordReminderSent', data.reminderId],
      command: () => ({ type: 'RecordReminderSent', data, context: { actor: origin.actor, now: origin.now } }),
    });
  }
}

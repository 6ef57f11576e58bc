import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandExecutor, type CommandOutcome } from '../command-executor.js';
import { EngagementLookup } from '../engagement-lookup.js';
import { EngagementCommandMessage, newId } from './base.js';

export class AssignHomeworkCommand extends EngagementCommandMessage<{
  engagementId: string;
  title: string;
  instructions: string;
  dueAt: Date | null;
}> {}

@CommandHandler(AssignHomeworkCommand)
export class AssignHomeworkHandler implements ICommandHandler<AssignHomeworkCommand> {
  constructor(private readonly executor: CommandExecutor) {}

  execute({ origin, input, options }: AssignHomeworkCommand): Promise<CommandOutcome> {
    const { engagementId, ...data } = input;
    const homeworkId = newId();
    return this.executor.execute({
      streamId: engagementId,
      origin,
      ...options,
      fingerprint: ['assignHomework', input],
      command: () => ({ type: 'AssignHomework', data: { homeworkId, ...data }, context: { actor: origin.actor, now: origin.now } }),
    });
  }
}

export class CancelHomeworkCommand extends EngagementCommandMessage<{ homeworkId: string; reason: string }> {}

@CommandHandler(CancelHomeworkCommand)
export class CancelHomeworkHandler implements ICommandHandler<CancelHomeworkCommand> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly lookup: EngagementLookup,
  ) {}

  async execute({ origin, input, options }: CancelHomeworkCommand): Promise<CommandOutcome> {
    const engagementId = await this.lookup.engagementOfHomework(origin.practiceId, input.homeworkId);
    return this.executor.execute({
      streamId: engagementId,
      origin,
      ...options,
      fingerprint: ['cancelHomework', input],
      command: () => ({ type: 'CancelHomework', data: input, context: { actor: origin.actor, now: origin.now } }),
    });
  }
}

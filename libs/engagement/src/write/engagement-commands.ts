import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { EngagementCommand } from '../domain/commands.js';
import type { Person } from '../domain/types.js';
import { CommandExecutor, type CommandOrigin, type CommandOutcome } from './command-executor.js';
import { EngagementLookup } from './engagement-lookup.js';

/** Options every engagement mutation may carry. */
export interface WriteOptions {
  expectedVersion?: number | null;
  idempotencyKey?: string | null;
}

/** Which engagement a command is for: named directly, or by a homework or draft of it (facts that never change). */
export type Target = { engagementId: string } | { homeworkId: string } | { draftId: string };

/** A domain command without its context (who and when come from the origin). */
export type DomainCommand = { [T in EngagementCommand['type']]: Omit<Extract<EngagementCommand, { type: T }>, 'context'> }[EngagementCommand['type']];

/**
 * An engagement command on the CQRS bus: who asks (origin), which engagement
 * (target), the domain command, and the write options. Every engagement
 * command is one of these, handled by the one generic handler below; the
 * named subclasses are only constructors that map an input to their domain
 * command (new ids are made here, never in the decider).
 */
export class EngagementCommandMessage extends Command<CommandOutcome> {
  constructor(
    readonly origin: CommandOrigin,
    readonly target: Target,
    readonly command: DomainCommand,
    readonly options: WriteOptions,
    /** what an idempotency key stands for: the operation and its input (never the ids made here) */
    readonly fingerprint: [string, unknown],
  ) {
    super();
  }
}

/** The one handler: find the engagement, then the executor's load → authorize → decide → append → project. */
@CommandHandler(EngagementCommandMessage)
export class EngagementCommandHandler implements ICommandHandler<EngagementCommandMessage> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly lookup: EngagementLookup,
  ) {}

  async execute(message: EngagementCommandMessage): Promise<CommandOutcome> {
    const { origin, target, command, options, fingerprint } = message;
    return this.executor.execute({
      streamId: await this.lookup.engagementOf(origin.practiceId, target),
      origin,
      expectedVersion: options.expectedVersion,
      idempotencyKey: options.idempotencyKey,
      fingerprint,
      command: { ...command, context: { actor: origin.actor, now: origin.now } } as EngagementCommand,
    });
  }
}

export function newId(): string {
  return crypto.randomUUID();
}

// ---------------------------------------------------------------------------
// One constructor per command: its input → the domain command.
// ---------------------------------------------------------------------------

export class OpenEngagementCommand extends EngagementCommandMessage {
  constructor(origin: CommandOrigin, input: { coach: Person; client: Person; title: string }, options: WriteOptions = {}) {
    const engagementId = newId();
    const data = { engagementId, practiceId: origin.practiceId, ...input };
    super(origin, { engagementId }, { type: 'OpenEngagement', data }, { idempotencyKey: options.idempotencyKey }, ['openEngagement', input]);
  }
}

type With<T extends EngagementCommand['type'], K extends string> = { [P in K]: string } & Extract<EngagementCommand, { type: T }>['data'];

export class RecordIntakeCommand extends EngagementCommandMessage {
  constructor(origin: CommandOrigin, input: With<'RecordIntake', 'engagementId'>, options: WriteOptions = {}) {
    const { engagementId, ...data } = input;
    super(origin, { engagementId }, { type: 'RecordIntake', data }, options, ['recordIntake', input]);
  }
}

export class AssignHomeworkCommand extends EngagementCommandMessage {
  constructor(origin: CommandOrigin, input: { engagementId: string; title: string; instructions: string; dueAt: Date | null }, options: WriteOptions = {}) {
    const { engagementId, ...data } = input;
    super(origin, { engagementId }, { type: 'AssignHomework', data: { homeworkId: newId(), ...data } }, options, ['assignHomework', input]);
  }
}

export class CancelHomeworkCommand extends EngagementCommandMessage {
  constructor(origin: CommandOrigin, input: { homeworkId: string; reason: string }, options: WriteOptions = {}) {
    super(origin, { homeworkId: input.homeworkId }, { type: 'CancelHomework', data: input }, options, ['cancelHomework', input]);
  }
}

export class RescheduleHomeworkCommand extends EngagementCommandMessage {
  constructor(origin: CommandOrigin, input: { engagementId: string; homeworkId: string; dueAt: Date }, options: WriteOptions = {}) {
    const { engagementId, ...data } = input;
    super(origin, { engagementId }, { type: 'RescheduleHomework', data }, options, ['rescheduleHomework', input]);
  }
}

export class SubmitDraftCommand extends EngagementCommandMessage {
  constructor(origin: CommandOrigin, input: { homeworkId: string; content: string }, options: WriteOptions = {}) {
    const data = { ...input, draftId: newId() };
    super(origin, { homeworkId: input.homeworkId }, { type: 'SubmitDraft', data }, options, ['submitDraft', input]);
  }
}

export class GiveFeedbackCommand extends EngagementCommandMessage {
  constructor(origin: CommandOrigin, input: Omit<With<'GiveFeedback', never>, 'feedbackId'>, options: WriteOptions = {}) {
    const data = { ...input, feedbackId: newId() };
    super(origin, { draftId: input.draftId }, { type: 'GiveFeedback', data }, options, ['giveFeedback', input]);
  }
}

export class LogCoachingSessionCommand extends EngagementCommandMessage {
  constructor(origin: CommandOrigin, input: Omit<With<'LogCoachingSession', 'engagementId'>, 'sessionId'>, options: WriteOptions = {}) {
    const { engagementId, ...data } = input;
    super(origin, { engagementId }, { type: 'LogCoachingSession', data: { sessionId: newId(), ...data } }, options, ['logCoachingSession', input]);
  }
}

export class LogJobSearchActivityCommand extends EngagementCommandMessage {
  constructor(origin: CommandOrigin, input: Omit<With<'LogJobSearchActivity', 'engagementId'>, 'activityId'>, options: WriteOptions = {}) {
    const { engagementId, ...data } = input;
    super(origin, { engagementId }, { type: 'LogJobSearchActivity', data: { activityId: newId(), ...data } }, options, ['logJobSearchActivity', input]);
  }
}

export class PauseEngagementCommand extends EngagementCommandMessage {
  constructor(origin: CommandOrigin, input: { engagementId: string; reason: string }, options: WriteOptions = {}) {
    super(origin, { engagementId: input.engagementId }, { type: 'PauseEngagement', data: { reason: input.reason } }, options, ['pauseEngagement', input]);
  }
}

export class ResumeEngagementCommand extends EngagementCommandMessage {
  constructor(origin: CommandOrigin, input: { engagementId: string; reason: string | null }, options: WriteOptions = {}) {
    super(origin, { engagementId: input.engagementId }, { type: 'ResumeEngagement', data: { reason: input.reason } }, options, ['resumeEngagement', input]);
  }
}

export class CloseEngagementCommand extends EngagementCommandMessage {
  constructor(origin: CommandOrigin, input: With<'CloseEngagement', 'engagementId'>, options: WriteOptions = {}) {
    const { engagementId, ...data } = input;
    super(origin, { engagementId }, { type: 'CloseEngagement', data }, options, ['closeEngagement', input]);
  }
}

/** Records on the engagement that a reminder went out; idempotent by reminder id. */
export class RecordReminderSentCommand extends EngagementCommandMessage {
  constructor(origin: CommandOrigin, input: With<'RecordReminderSent', 'engagementId'>) {
    const { engagementId, ...data } = input;
    const options = { idempotencyKey: `reminder:${data.reminderId}` };
    super(origin, { engagementId }, { type: 'RecordReminderSent', data }, options, ['recordReminderSent', data.reminderId]);
  }
}

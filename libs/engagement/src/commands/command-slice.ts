import { Int } from '@nestjs/graphql';
import { Command, CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { StoredEvent } from '#event-store';
import { Database, ResourceNotFound, type RequestContext } from '#platform';
import type { EngagementCommand } from '../domain/commands.js';
import type { EngagementEvent } from '../domain/events.js';
import { idempotencyKey, version } from '../graphql/input-validation.js';
import { field } from '../graphql/types/input-type.js';
import { loaders, noteRead, visibleEngagement } from '../graphql/request.js';
import { CommandExecutor, type CommandOrigin, type CommandOutcome } from '../write/command-executor.js';

// What every command slice (`commands/*.slice.ts`: its input, its command,
// its mutation) shares: the command's origin (who asks, from the request),
// the command message on the CQRS bus, the one handler that takes it to the
// executor, and the mutation's send-and-answer.

/** Options every engagement mutation may carry. */
export interface WriteOptions {
  expectedVersion?: number | null;
  idempotencyKey?: string | null;
}

/** The input fields of those options, declared once for every slice's input. */
export const optionalKey = field(() => String, idempotencyKey.nullish());
export const optionalVersion = field(() => Int, version.nullish());

/** Which engagement a command is for: named directly, or by a homework or draft of it (facts that never change). */
export type Target = { engagementId: string } | { homeworkId: string } | { draftId: string };

/** A domain command without its context (who and when come from the origin). */
export type DomainCommand = { [T in EngagementCommand['type']]: Omit<Extract<EngagementCommand, { type: T }>, 'context'> }[EngagementCommand['type']];

/** The data of a domain command of this type, with the ids its input names besides (K). */
export type With<T extends EngagementCommand['type'], K extends string> = { [P in K]: string } & Extract<EngagementCommand, { type: T }>['data'];

/**
 * An engagement command on the CQRS bus: who asks (origin), which engagement
 * (target), the domain command, and the write options. Every engagement
 * command is one of these, handled by the one generic handler below; each
 * slice's subclass is only a constructor that maps its input to the domain
 * command (new ids are made there, never in the decider).
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

/** Who asks, for whom and in which request: the metadata of the events a mutation appends. */
export function originOf(ctx: RequestContext): CommandOrigin {
  const principal = ctx.requirePrincipal();
  return {
    actor: { id: principal.id, role: principal.role },
    practiceId: principal.practiceId,
    correlationId: ctx.requestId,
    causationId: ctx.requestId,
    now: new Date(),
  };
}

export function newId(): string {
  return crypto.randomUUID();
}

/** The one handler: find the engagement, then the executor's load → authorize → decide → append → project. */
@CommandHandler(EngagementCommandMessage)
export class EngagementCommandHandler implements ICommandHandler<EngagementCommandMessage> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly db: Database,
  ) {}

  async execute(message: EngagementCommandMessage): Promise<CommandOutcome> {
    const { origin, target, command, options, fingerprint } = message;
    return this.executor.execute({
      streamId: 'engagementId' in target ? target.engagementId : await this.engagementOf(origin.practiceId, target),
      origin,
      expectedVersion: options.expectedVersion,
      idempotencyKey: options.idempotencyKey,
      fingerprint,
      command: { ...command, context: { actor: origin.actor, now: origin.now } } as EngagementCommand,
    });
  }

  /** The engagement of a homework or draft (immutable facts, read from the read models). */
  private async engagementOf(practiceId: string, target: { homeworkId: string } | { draftId: string }): Promise<string> {
    const [entity, id, sql] =
      'homeworkId' in target
        ? (['Homework', target.homeworkId, 'SELECT engagement_id FROM homework WHERE id = $1 AND practice_id = $2'] as const)
        : (['Draft', target.draftId, 'SELECT engagement_id FROM drafts WHERE id = $1 AND practice_id = $2'] as const);
    const rows = await this.db.read<{ engagement_id: string }>(practiceId, sql, [id, practiceId]);
    if (!rows[0]) throw new ResourceNotFound(entity, id);
    return rows[0].engagement_id;
  }
}

/**
 * A mutation's send: the command goes on the bus after the request's read
 * transaction is released (a request never holds two connections); the
 * loaders are primed with the rows it wrote (read-your-writes; a replay reads
 * them afresh). The answer is a read of the engagement like any other: the
 * caller must still be allowed to see it (a replay answers whoever presents
 * the key) and an ADMIN's read is audited.
 */
export async function send(bus: CommandBus, ctx: RequestContext, operation: string, command: EngagementCommandMessage): Promise<CommandOutcome> {
  await ctx.release();
  const outcome = await bus.execute(command);
  if (outcome.projected) loaders(ctx).accept(outcome.projected);
  else loaders(ctx).engagement.clear(outcome.streamId);
  noteRead(ctx, await visibleEngagement(ctx, outcome.streamId), `Mutation.${operation}`);
  return outcome;
}

type DataOf<T extends EngagementEvent['type']> = Extract<EngagementEvent, { type: T }>['data'];

/** The data of the event a mutation is about (its first attempt's, on a replay). */
export function eventOf<T extends EngagementEvent['type']>(outcome: CommandOutcome, type: T): DataOf<T> {
  const event = outcome.events.find((e: StoredEvent) => e.type === type);
  if (!event) throw new Error(`expected a ${type} event in the outcome of ${outcome.streamId}`);
  return event.data as DataOf<T>;
}

import { Command } from '@nestjs/cqrs';
import type { CommandOrigin, CommandOutcome } from '../command-executor.js';

/** Options every engagement mutation may carry. */
export interface WriteOptions {
  expectedVersion?: number | null;
  idempotencyKey?: string | null;
}

/** An engagement command: who asks (origin), what (input), and the write options. */
export abstract class EngagementCommandMessage<I> extends Command<CommandOutcome> {
  constructor(
    readonly origin: CommandOrigin,
    readonly input: I,
    readonly options: WriteOptions = {},
  ) {
    super();
  }
}

export function newId(): string {
  return crypto.randomUUID();
}

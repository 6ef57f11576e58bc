import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { PostgresEventStore, WrongExpectedVersionError, type NewEvent, type Queryable, type StoredEvent } from '#event-store';
import { AccessDenied, BadUserInput, Database, ResourceNotFound, RuleViolation, VersionConflict } from '#platform';
import { DomainError, Forbidden, NotFound, RuleViolated } from '../domain/errors.js';
import type { EngagementCommand } from '../domain/commands.js';
import { decide, evolve } from '../domain/decider.js';
import type { EngagementState } from '../domain/state.js';
import type { Actor } from '../domain/types.js';
import { EngagementProjector } from '../read/engagement-projector.js';
import { EngagementRepository, toDomain } from './engagement-repository.js';

/** Where a command comes from: stored as the metadata of the events it causes. */
export interface CommandOrigin {
  actor: Actor;
  practiceId: string;
  /** the request (or job) the whole chain started from */
  correlationId: string;
  /** the message that directly caused this command */
  causationId: string;
  now: Date;
}

export interface ExecuteRequest {
  streamId: string;
  origin: CommandOrigin;
  /** when given, the stream must be at exactly this version (else CONFLICT, nothing changes) */
  expectedVersion?: number | null;
  /** a retry with the same key returns the first outcome and appends nothing */
  idempotencyKey?: string | null;
  /** what the key must stand for: the operation and its input */
  fingerprint: unknown;
  /** builds the domain command from the current state (may throw a domain error) */
  command(state: EngagementState): EngagementCommand;
}

export interface CommandOutcome {
  streamId: string;
  /** the stream's version after the command */
  version: number;
  /** the events this command appended (or, on a replay, the first attempt's) */
  events: StoredEvent[];
  replayed: boolean;
}

const RETRIES_WITHOUT_EXPECTED_VERSION = 5;

/**
 * The one path every engagement command takes: in a practice-scoped
 * transaction, load the state, decide, append at the loaded version, project
 * the new events into the read models and snapshot the state — all or nothing.
 */
@Injectable()
export class CommandExecutor {
  private readonly repository: EngagementRepository;
  private readonly projector = new EngagementProjector();

  constructor(
    private readonly db: Database,
    private readonly store: PostgresEventStore,
  ) {
    this.repository = new EngagementRepository(store);
  }

  async execute(request: ExecuteRequest): Promise<CommandOutcome> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(request);
      } catch (err) {
        if (err instanceof DomainError) throw asApiError(err, request.streamId);
        if (!(err instanceof WrongExpectedVersionError)) throw err;
        const given = request.expectedVersion;
        if (given !== undefined && given !== null) throw new VersionConflict(given, err.actual);
        // the caller didn't pin a version: someone else wrote first, decide again on the new state
        if (attempt >= RETRIES_WITHOUT_EXPECTED_VERSION) throw new VersionConflict(err.expected as number, err.actual);
        await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
      }
    }
  }

  private attempt(request: ExecuteRequest): Promise<CommandOutcome> {
    const { origin, streamId } = request;
    const practiceId = origin.practiceId;
    const key = request.idempotencyKey ? `${origin.actor.id}:${request.idempotencyKey}` : undefined;
    const requestHash = key ? fingerprint(request.fingerprint) : undefined;

    return this.db.transaction(practiceId, async (tx) => {
      if (key) {
        const earlier = await this.store.findIdempotent(practiceId, key, tx);
        if (earlier) return this.replay(earlier.streamId, earlier.firstVersion, earlier.nextVersion, earlier.requestHash, requestHash!, tx);
      }
      const { state, version } = await this.repository.load(tx, streamId, practiceId);
      const expected = request.expectedVersion;
      if (expected !== undefined && expected !== null && expected !== version) throw new VersionConflict(expected, version);

      const decided = decide(request.command(state), state);
      if (decided.length === 0) return { streamId, version, events: [], replayed: false };

      const metadata = {
        actorId: origin.actor.id,
        actorRole: origin.actor.role,
        practiceId,
        correlationId: origin.correlationId,
        causationId: origin.causationId,
        occurredAt: origin.now.toISOString(),
      };
      const newEvents: NewEvent[] = decided.map((e) => ({ type: e.type, data: e.data, metadata, eventId: crypto.randomUUID() }));
      const appended = await this.store.append(streamId, newEvents, {
        expectedVersion: version === 0 ? 'no_stream' : version,
        idempotencyKey: key,
        requestHash,
        tx,
      });
      if (appended.replayed) {
        return this.replay(appended.streamId, appended.firstVersion, appended.nextVersion, appended.requestHash, requestHash!, tx);
      }
      const stored: StoredEvent[] = newEvents.map((e, i) => ({
        eventId: e.eventId!,
        streamId,
        version: appended.firstVersion + i,
        position: appended.positions[i]!,
        transactionId: '',
        type: e.type,
        schemaVersion: 1,
        data: e.data,
        metadata,
        occurredAt: origin.now,
      }));
      await this.projector.apply(tx, stored);
      const next = stored.reduce((s, e) => evolve(s, toDomain(e)), state);
      await this.repository.saveSnapshot(tx, streamId, practiceId, appended.nextVersion, next);
      return { streamId, version: appended.nextVersion, events: stored, replayed: false };
    });
  }

  private async replay(
    streamId: string,
    first: number,
    last: number,
    storedHash: string | null,
    requestHash: string,
    tx: Queryable,
  ): Promise<CommandOutcome> {
    if (storedHash !== null && storedHash !== requestHash) {
      throw new BadUserInput('idempotencyKey', 'this key was already used for a different request');
    }
    const events = await this.store.readStream(streamId, { fromVersion: first, maxCount: last - first + 1, tx });
    return { streamId, version: last, events, replayed: true };
  }
}

function fingerprint(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('hex');
}

/** JSON with sorted keys, so the same input always hashes the same. */
function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
}

/** A refusal of the domain, as the API reports it. */
function asApiError(err: DomainError, streamId: string): Error {
  if (err instanceof RuleViolated) return new RuleViolation(err.rule, err.message);
  if (err instanceof Forbidden) return new AccessDenied(err.message);
  if (err instanceof NotFound) return new ResourceNotFound(err.entity, err.id || streamId);
  return err;
}

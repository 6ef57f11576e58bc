import type { Database } from '../database/database.js';
import { ReadSession } from '../database/read-session.js';
import { Unauthenticated } from '../auth/errors.js';
import type { Principal } from '../auth/principal.js';

/**
 * Everything one GraphQL operation shares: who calls, the request id that
 * becomes the correlation id of what it causes, its read session and its
 * per-request objects (DataLoaders). Created per HTTP request or per
 * subscription operation; never shared between requests.
 */
export class RequestContext {
  private readonly cache = new Map<unknown, unknown>();
  private readSession: ReadSession | null = null;
  private ended = false;
  /**
   * The operation's time budget, set before execution when a limit applies
   * (queries; a mutation is never cut off between its write and its answer).
   */
  deadline: { at: number; budgetMs: number } | null = null;

  constructor(
    private readonly db: Database,
    readonly principal: Principal | null,
    readonly requestId: string,
    /** why authentication failed, reported when an operation needs a principal */
    readonly authError: Unauthenticated | null = null,
  ) {}

  requirePrincipal(): Principal {
    if (this.principal) return this.principal;
    throw this.authError ?? new Unauthenticated();
  }

  /** The request's practice-scoped read session (opened at its first read). */
  get session(): ReadSession {
    if (this.ended) throw new Error('This operation has ended (cancelled or disconnected); it reads nothing more');
    this.readSession ??= new ReadSession(this.db, this.requirePrincipal().practiceId, this.deadline);
    return this.readSession;
  }

  /** One instance per request of whatever `create` makes (DataLoaders). */
  perRequest<T>(key: unknown, create: () => T): T {
    if (!this.cache.has(key)) this.cache.set(key, create());
    return this.cache.get(key) as T;
  }

  /** Ends the read transaction (before a command runs, and when the response is sent). */
  async release(): Promise<void> {
    await this.readSession?.release();
  }

  /**
   * Ends the operation for good: releases the read transaction and refuses
   * any later read, so a resolver still running after a websocket operation
   * was cancelled or its socket closed cannot open a transaction nobody ends.
   */
  async end(): Promise<void> {
    this.ended = true;
    await this.readSession?.end();
  }

  /** Statements the read session sent (for tests and metrics). */
  get readStatements(): number {
    return this.readSession?.statements ?? 0;
  }
}

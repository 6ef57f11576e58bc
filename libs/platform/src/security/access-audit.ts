import { Injectable, Logger, Module } from '@nestjs/common';
import { Database } from '../database/database.js';
import type { ReadSession } from '../database/read-session.js';
import type { RequestContext } from '../graphql/request-context.js';

/** One engagement read by someone who is not its coach or client, and the root field that read it. */
export interface AccessRead {
  engagementId: string;
  /** e.g. `Query.engagement` */
  operation: string;
}

/** A row of the access audit, as the API lists it. */
export interface AccessAuditRow {
  id: string;
  engagementId: string;
  actorId: string;
  actorRole: string;
  operation: string;
  operationName: string | null;
  requestId: string;
  occurredAt: Date;
}

/**
 * The reads one request made that the audit must record, collected while the
 * resolvers run (one entry per engagement, whatever the number of fields that
 * touched it) and written once, when the answer is ready.
 */
export class AccessAuditTrail {
  private readonly reads = new Map<string, string>();

  note(engagementId: string, operation: string): void {
    if (!this.reads.has(engagementId)) this.reads.set(engagementId, operation);
  }

  /** The reads noted so far, forgotten once taken (so a flush never writes one twice). */
  take(): AccessRead[] {
    const reads = [...this.reads].map(([engagementId, operation]) => ({ engagementId, operation }));
    this.reads.clear();
    return reads;
  }

  static of(ctx: RequestContext): AccessAuditTrail {
    return ctx.perRequest(AccessAuditTrail, () => new AccessAuditTrail());
  }
}

const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,199}$/;

/**
 * The `access_audit` table: written through the service role under row-level
 * security (the practice of the reader), read through the request's session.
 */
@Injectable()
export class AccessAuditLog {
  private readonly logger = new Logger('AccessAudit');

  constructor(private readonly db: Database) {}

  /**
   * Writes the request's noted reads in one statement. Never fails the read
   * that caused it: a failure is logged (with what was lost) and swallowed.
   */
  async flush(ctx: RequestContext, operationName: string | null = null): Promise<void> {
    const principal = ctx.principal;
    const reads = AccessAuditTrail.of(ctx).take();
    if (!principal || reads.length === 0) return;
    const name = operationName && OPERATION_NAME.test(operationName) ? operationName : null;
    try {
      await this.db.transaction(principal.practiceId, (tx) =>
        tx.query(
          `INSERT INTO access_audit (practice_id, engagement_id, actor_id, actor_role, operation, operation_name, request_id)
           SELECT $1, r.engagement_id, $2, $3, r.operation, $4, $5
             FROM unnest($6::uuid[], $7::text[]) AS r(engagement_id, operation)`,
          [principal.practiceId, principal.id, principal.role, name, ctx.requestId, reads.map((r) => r.engagementId), reads.map((r) => r.operation)],
        ),
      );
    } catch (err) {
      this.logger.error(
        { err, practiceId: principal.practiceId, actorId: principal.id, requestId: ctx.requestId, engagementIds: reads.map((r) => r.engagementId) },
        'could not record an access in the audit; the read was answered',
      );
    }
  }

  /** Newest first; `beforeId` is the id of the last row of the previous page. */
  async list(session: ReadSession, engagementId: string | null, first: number, beforeId: string | null): Promise<{ rows: AccessAuditRow[]; hasNextPage: boolean }> {
    const rows = await session.query<{
      id: string;
      engagement_id: string;
      actor_id: string;
      actor_role: string;
      operation: string;
      operation_name: string | null;
      request_id: string;
      occurred_at: Date;
    }>(
      `SELECT id::text, engagement_id, actor_id, actor_role, operation, operation_name, request_id, occurred_at
         FROM access_audit
        WHERE practice_id = $1 AND ($2::uuid IS NULL OR engagement_id = $2) AND ($3::bigint IS NULL OR id < $3)
        ORDER BY access_audit.id DESC -- the column: a bare \`id\` would be the text output column (10 before 9)
        LIMIT $4`,
      [session.practiceId, engagementId, beforeId, first + 1],
    );
    return {
      hasNextPage: rows.length > first,
      rows: rows.slice(0, first).map((r) => ({
        id: r.id,
        engagementId: r.engagement_id,
        actorId: r.actor_id,
        actorRole: r.actor_role,
        operation: r.operation,
        operationName: r.operation_name,
        requestId: r.request_id,
        occurredAt: r.occurred_at,
      })),
    };
  }
}

@Module({ providers: [AccessAuditLog], exports: [AccessAuditLog] })
export class AccessAuditModule {}

/** The access audit's entries about a person (GDPR export): reads they made, and reads of their engagements. */
export async function accessAuditOfPerson(
  tx: { query<R extends Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[] }> },
  practiceId: string,
  personId: string,
  engagementIds: readonly string[],
): Promise<Record<string, unknown>[]> {
  const { rows } = await tx.query<Record<string, unknown>>(
    'SELECT * FROM access_audit WHERE practice_id = $1 AND (actor_id = $2 OR engagement_id = ANY($3::uuid[])) ORDER BY id',
    [practiceId, personId, engagementIds],
  );
  return rows;
}

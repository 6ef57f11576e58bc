import pg from 'pg';
import { inTransaction, type Queryable } from '#event-store';
import { guardClientErrors } from '#platform';

// A batch's lease must outlive the batch: if it ends while the batch is still delivering or
// recording, another worker (or the row's own job) takes the row and sends it again. Renewing
// each lease on the shared pool failed exactly when it mattered: with hundreds of batches
// waiting for a connection, a heartbeat queued behind them and the lease ran out (the
// reminders bench saw 54 of 10,000 sent twice). So one keeper per process renews the leases
// the process holds, one statement per practice, on a connection of its own.
//
// Only leases near their end are renewed: a lease runs REMINDER_LEASE_SECONDS past its rows'
// time (a batch taken up ahead of its time waits for it under the lease), and most batches end
// well within it. Renewing every held row every few seconds rewrote thousands of rows that were
// about to be SENT anyway (the steady reminders bench: 24 statements of ~200 ms, 71,410 rows, in a
// minute of one worker; pg_stat_statements).

interface Held {
  practiceId: string;
  ids: ReadonlySet<string>;
  /** when the batch began holding its rows (Date.now()): its lease was taken after, and runs at least `seconds` */
  since: number;
}

export interface LeaseKeeperOptions {
  /** the service's database URL (through PgBouncer when there is one: these are short transactions) */
  connectionString: string;
  /**
   * how long a lease lasts (past its rows' time); the keeper looks every sixth of it and renews the rows
   * with less than five sixths left, so a renewed lease always had at least two thirds of it to run
   */
  seconds: number;
  onError(err: Error): void;
}

export class LeaseKeeper {
  private readonly pool: pg.Pool;
  private readonly held = new Map<string, Held>();
  private readonly timer: NodeJS.Timeout;
  private renewing: Promise<void> | null = null;

  constructor(private readonly options: LeaseKeeperOptions) {
    this.pool = new pg.Pool({ connectionString: options.connectionString, max: 1, application_name: 'coaching-reminder-leases' });
    guardClientErrors(this.pool, options.onError);
    this.pool.on('error', options.onError);
    this.timer = setInterval(() => void this.renew(), (options.seconds * 1000) / 6);
    this.timer.unref();
  }

  /** Keeps the rows of `token` leased until `release(token)`; `ids` may grow (a batch's swept rows). */
  hold(token: string, practiceId: string, ids: ReadonlySet<string>): void {
    this.held.set(token, { practiceId, ids, since: Date.now() });
  }

  release(token: string): void {
    this.held.delete(token);
  }

  /** Renews the held leases near their end now (one statement per practice); a renewal still running is not doubled. */
  renew(): Promise<void> {
    this.renewing ??= this.renewAll().finally(() => {
      this.renewing = null;
    });
    return this.renewing;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.renewing;
    await this.pool.end();
  }

  private async renewAll(): Promise<void> {
    const byPractice = new Map<string, { ids: string[]; tokens: string[] }>();
    // a lease taken less than a sixth of its length ago has more than five sixths left: not asked about
    const youngest = Date.now() - (this.options.seconds * 1000) / 6;
    for (const [token, { practiceId, ids, since }] of this.held) {
      if (since > youngest) continue;
      const set = byPractice.get(practiceId) ?? { ids: [], tokens: [] };
      set.ids.push(...ids);
      if (ids.size) set.tokens.push(token);
      byPractice.set(practiceId, set);
    }
    for (const [practiceId, { ids, tokens }] of byPractice) {
      if (!ids.length) continue;
      try {
        await inTransaction(this.pool, practiceId, (tx) => renewLeases(tx, practiceId, ids, tokens, this.options.seconds));
      } catch (err) {
        this.options.onError(err as Error);
      }
    }
  }
}

/**
 * Extends the leases of rows still held by this process whose lease has less than five sixths of its
 * length left: by id (the primary key), under any of its live tokens (a row another run took since has
 * another token; one that moved from one of this process's batches to another is this process's all
 * the same). Rows another transaction has locked are skipped, not waited on: that is their batch
 * recording them, and its record ends the lease. Each row matched against its own token instead
 * (`array_position` over the id list) cost 63 ms for 1,777 held rows (auto_explain, reminders bench);
 * the tokens are a handful.
 */
async function renewLeases(tx: Queryable, practiceId: string, ids: string[], tokens: string[], seconds: number): Promise<void> {
  await tx.query(
    `UPDATE reminders r SET lease_until = now() + make_interval(secs => $4)
       FROM (SELECT id FROM reminders
              WHERE practice_id = $1 AND id = ANY($2::uuid[]) AND lease_token = ANY($3::uuid[])
                AND lease_until < now() + make_interval(secs => $4 * 5 / 6.0)
                FOR UPDATE SKIP LOCKED) AS held
      WHERE r.practice_id = $1 AND r.id = held.id`,
    [practiceId, ids, tokens, seconds],
  );
}

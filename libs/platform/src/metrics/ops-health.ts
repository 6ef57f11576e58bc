import { Injectable, ServiceUnavailableException } from '@nestjs/common';
import { HealthIndicatorService, type HealthCheckResult, type HealthIndicatorFunction, type HealthIndicatorResult } from '@nestjs/terminus';
import { AppConfigService } from '../config/app-config.js';
import { Database } from '../database/database.js';
import { QueueProbe } from './queue-probe.js';
import { SubscriberLag } from './subscriber-lag.js';

const TIMEOUT_MS = 2_000;

/** The checks behind /health/ready, for the API and the worker to compose. */
@Injectable()
export class OpsHealth {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly db: Database,
    private readonly queue: QueueProbe,
    private readonly lag: SubscriberLag,
    private readonly config: AppConfigService,
  ) {}

  /** A round trip to PostgreSQL through the service's own pool (a full pool shows here too). */
  postgres(): HealthIndicatorFunction {
    return () =>
      this.indicators
        .check('postgres')
        .attempt(async () => {
          await this.db.pool.query('SELECT 1');
        })
        .withTimeout(TIMEOUT_MS);
  }

  /** A PING to the queue's Redis; `degraded` (still 200) for processes that serve without it. */
  redis(whenUnreachable: 'down' | 'degraded'): HealthIndicatorFunction {
    return async () => {
      const check = this.indicators.check('redis');
      try {
        await within(this.queue.ping(), TIMEOUT_MS, 'Redis did not answer PING');
        return check.up();
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        return whenUnreachable === 'down' ? check.down({ message }) : check.degraded({ message });
      }
    };
  }

  /**
   * Each subscriber's lag (age of its oldest unprocessed event) and checkpoint.
   * `enforce`: down when one is further behind than SUBSCRIPTION_MAX_LAG_SECONDS
   * (the worker); otherwise reported only (the API serves reads regardless).
   * `owned`: which of them this process owns, when it runs subscribers.
   */
  subscribers(options: { names?: readonly string[]; enforce: boolean; owned?: () => Record<string, boolean> }): HealthIndicatorFunction {
    return async () => {
      const check = this.indicators.check('subscribers');
      const maxLagSeconds = this.config.get('SUBSCRIPTION_MAX_LAG_SECONDS');
      let rows;
      try {
        rows = await within(this.lag.read(options.names), TIMEOUT_MS, 'the lag query did not answer');
      } catch (err) {
        return check.down({ message: err instanceof Error ? err.message : String(err) });
      }
      const owned = options.owned?.() ?? {};
      const details = Object.fromEntries(
        rows.map((r) => [
          r.name,
          {
            lagSeconds: Math.round(r.lagSeconds * 1000) / 1000,
            checkpoint: { transactionId: r.transactionId, position: r.position },
            ...(r.name in owned ? { ownedHere: owned[r.name] } : {}),
          },
        ]),
      );
      const behind = rows.filter((r) => r.lagSeconds > maxLagSeconds).map((r) => r.name);
      return options.enforce && behind.length > 0
        ? check.down({ maxLagSeconds, behind, ...details })
        : check.up({ maxLagSeconds, ...details });
    };
  }
}

/**
 * /health/ready as a caller may see it: everyone gets the overall status and each check's
 * status; the details (subscribers' checkpoints — the global event position — lag, ownership,
 * error messages) only the operator or the metrics scraper, since they show activity across
 * every practice. `run` is the terminus check, which throws 503 with the result when down.
 */
export async function readiness(run: () => Promise<HealthCheckResult>, full: boolean): Promise<HealthCheckResult> {
  try {
    const result = await run();
    return full ? result : statusesOnly(result);
  } catch (err) {
    if (full || !(err instanceof ServiceUnavailableException)) throw err;
    throw new ServiceUnavailableException(statusesOnly(err.getResponse() as HealthCheckResult));
  }
}

function statusesOnly(result: HealthCheckResult): HealthCheckResult {
  const strip = (group: HealthCheckResult['info']): HealthIndicatorResult =>
    Object.fromEntries(Object.entries(group ?? {}).flatMap(([name, check]) => (check ? [[name, { status: check.status }]] : [])));
  return { status: result.status, info: strip(result.info), error: strip(result.error), details: strip(result.details) };
}

function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

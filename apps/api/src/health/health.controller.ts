import { Controller, Get, Headers } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { OperatorAccess, OpsHealth, readiness } from '#platform';

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly checks: OpsHealth,
    private readonly access: OperatorAccess,
  ) {}

  /** The process is up and its event loop turns (no dependency checked): for restarts. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /**
   * Ready to serve: for load balancers. PostgreSQL must answer. Here Redis
   * only holds the rate-limit counters (the limiter lets requests through
   * while Redis is away) and feeds the queue dashboard, so losing it is
   * `degraded` (still 200): taking every API out of the balancer over it
   * would turn a Redis blip into an outage. The subscribers' lag is
   * reported, never enforced: reads and mutations do not wait for
   * asynchronous projections. Each check's details only for the operator or the metrics
   * scraper (see `readiness`).
   */
  @Get('ready')
  @HealthCheck()
  ready(@Headers('authorization') authorization: string | undefined) {
    const full = this.access.isOperator(authorization) || this.access.isMetricsScraper(authorization);
    return readiness(
      () => this.health.check([this.checks.postgres(), this.checks.redis('degraded'), this.checks.subscribers({ enforce: false })]),
      full,
    );
  }
}

import { Controller, Get, Headers } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { OperatorAccess, OpsHealth, readiness, SubscriptionHost } from '#platform';

@Controller('health')
export class WorkerHealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly checks: OpsHealth,
    private readonly host: SubscriptionHost,
    private readonly access: OperatorAccess,
  ) {}

  /** The process is up and its event loop turns: for restarts. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /**
   * Doing its job: PostgreSQL and Redis answer, and no subscriber is further
   * behind the log than SUBSCRIPTION_MAX_LAG_SECONDS. The lag is the
   * subscriber's, not this process's: a standby reports a stuck owner too, so
   * the alert fires wherever it is scraped. The details say which subscribers
   * this process owns; they are for the operator or the metrics scraper only (see `readiness`).
   */
  @Get('ready')
  @HealthCheck()
  ready(@Headers('authorization') authorization: string | undefined) {
    const names = this.host.status().map((s) => s.name);
    const owned = () => Object.fromEntries(this.host.status().map((s) => [s.name, s.leader]));
    const full = this.access.isOperator(authorization) || this.access.isMetricsScraper(authorization);
    return readiness(
      () => this.health.check([this.checks.postgres(), this.checks.redis('down'), this.checks.subscribers({ names, enforce: true, owned })]),
      full,
    );
  }
}

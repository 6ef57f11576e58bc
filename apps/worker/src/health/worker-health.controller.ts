import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { OpsHealth, SubscriptionHost } from '#platform';

@Controller('health')
export class WorkerHealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly checks: OpsHealth,
    private readonly host: SubscriptionHost,
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
   * this process owns.
   */
  @Get('ready')
  @HealthCheck()
  ready() {
    const names = this.host.status().map((s) => s.name);
    const owned = () => Object.fromEntries(this.host.status().map((s) => [s.name, s.leader]));
    return this.health.check([this.checks.postgres(), this.checks.redis('down'), this.checks.subscribers({ names, enforce: true, owned })]);
  }
}

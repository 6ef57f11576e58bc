import { Controller, Get, Headers, HttpException, HttpStatus, Logger, NotFoundException, Res, type OnModuleInit } from '@nestjs/common';
import type { Response } from 'express';
import { AppConfigService } from '../config/app-config.js';
import { OperatorAccess } from '../security/operator-access.js';
import { Metrics } from './metrics.js';

/**
 * Prometheus' scrape endpoint, on the process's public port. With METRICS_TOKEN set it wants
 * `Authorization: Bearer <METRICS_TOKEN>` (Prometheus: `authorization: { credentials: ... }`).
 * In production without METRICS_TOKEN it is off (404): the figures name no practice, but they
 * describe the whole service's activity. Development and tests serve it openly.
 */
@Controller('metrics')
export class MetricsController implements OnModuleInit {
  private readonly off: boolean;

  constructor(
    private readonly metrics: Metrics,
    private readonly access: OperatorAccess,
    config: AppConfigService,
  ) {
    this.off = config.isProduction && !access.metricsTokenConfigured;
  }

  onModuleInit(): void {
    if (this.off) new Logger(MetricsController.name).warn('METRICS_TOKEN is not set: /metrics is off in production (404)');
  }

  @Get()
  async scrape(@Headers('authorization') authorization: string | undefined, @Res() res: Response): Promise<void> {
    if (this.off) throw new NotFoundException();
    if (this.access.metricsTokenConfigured && !this.access.isMetricsScraper(authorization)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
      throw new HttpException('metrics token required', HttpStatus.UNAUTHORIZED);
    }
    const { contentType, body } = await this.metrics.render();
    res.status(200).setHeader('Content-Type', contentType).setHeader('Cache-Control', 'no-store').send(body);
  }
}

import { createHash, timingSafeEqual } from 'node:crypto';
import { Controller, Get, Headers, HttpException, HttpStatus, Logger, Res, type OnModuleInit } from '@nestjs/common';
import type { Response } from 'express';
import { AppConfigService } from '../config/app-config.js';
import { Metrics } from './metrics.js';

/**
 * Prometheus' scrape endpoint. Meant for the internal network only (the
 * figures name no practice, but they describe the whole service); with
 * METRICS_TOKEN set it also wants `Authorization: Bearer <METRICS_TOKEN>`
 * (Prometheus: `authorization: { credentials: ... }`).
 */
@Controller('metrics')
export class MetricsController implements OnModuleInit {
  private readonly token: Buffer | null;

  constructor(
    private readonly metrics: Metrics,
    private readonly config: AppConfigService,
  ) {
    const token = config.get('METRICS_TOKEN');
    this.token = token ? digest(token) : null;
  }

  onModuleInit(): void {
    if (!this.token && this.config.isProduction) {
      new Logger(MetricsController.name).warn('METRICS_TOKEN is not set: /metrics answers anyone who can reach this port');
    }
  }

  @Get()
  async scrape(@Headers('authorization') authorization: string | undefined, @Res() res: Response): Promise<void> {
    if (this.token) {
      const given = authorization?.startsWith('Bearer ') ? digest(authorization.slice(7)) : null;
      if (!given || !timingSafeEqual(given, this.token)) {
        res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
        throw new HttpException('metrics token required', HttpStatus.UNAUTHORIZED);
      }
    }
    const { contentType, body } = await this.metrics.render();
    res.status(200).setHeader('Content-Type', contentType).setHeader('Cache-Control', 'no-store').send(body);
  }
}

/** Fixed-length digests, so the comparison takes the same time whatever was sent. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

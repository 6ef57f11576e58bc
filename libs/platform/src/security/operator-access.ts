import { createHash, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppConfigService } from '../config/app-config.js';

/**
 * The platform operator's credentials, apart from every practice's: OPERATOR_TOKEN (alias
 * ADMIN_QUEUES_SECRET) for the queue dashboard and the details of /health/ready, METRICS_TOKEN
 * for Prometheus. A practice's bearer token, whatever its role, is never one of them: a practice
 * ADMIN is a tenant, and these tools show every practice.
 */
@Injectable()
export class OperatorAccess {
  private readonly operator: Buffer | null;
  private readonly metrics: Buffer | null;

  constructor(config: AppConfigService) {
    const operator = config.get('OPERATOR_TOKEN') ?? config.get('ADMIN_QUEUES_SECRET');
    this.operator = operator ? digest(operator) : null;
    const metrics = config.get('METRICS_TOKEN');
    this.metrics = metrics ? digest(metrics) : null;
  }

  get operatorConfigured(): boolean {
    return this.operator !== null;
  }

  get metricsTokenConfigured(): boolean {
    return this.metrics !== null;
  }

  /** `Bearer <OPERATOR_TOKEN>`, or HTTP Basic (any user name) with it as the password: what a browser can send. */
  isOperator(authorization: string | undefined | null): boolean {
    return this.operator !== null && matches(credentialOf(authorization), this.operator);
  }

  /** `Bearer <METRICS_TOKEN>` (Prometheus' `authorization: { credentials: ... }`). */
  isMetricsScraper(authorization: string | undefined | null): boolean {
    return this.metrics !== null && matches(bearerOf(authorization), this.metrics);
  }
}

function bearerOf(header: string | undefined | null): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match ? match[1]! : null;
}

function credentialOf(header: string | undefined | null): string | null {
  const bearer = bearerOf(header);
  if (bearer !== null) return bearer;
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!basic) return null;
  const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : decoded.slice(colon + 1);
}

/** Fixed-length digests, so the comparison takes the same time whatever was sent. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function matches(given: string | null, expected: Buffer): boolean {
  return given !== null && given.length > 0 && timingSafeEqual(digest(given), expected);
}

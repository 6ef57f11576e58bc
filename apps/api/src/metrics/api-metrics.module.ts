import { Module } from '@nestjs/common';
import { MetricsController, QueueMetrics, SubscriptionMetrics } from '#platform';
import { HealthModule } from '../health/health.module.js';
import { GraphqlMetricsPlugin } from './graphql-metrics.plugin.js';

/**
 * GET /metrics of an API process: its own GraphQL, command and append
 * figures, plus the queue's depth and the subscribers' lag (the same from
 * every process; they stay visible while no worker runs).
 */
@Module({
  imports: [HealthModule],
  controllers: [MetricsController],
  providers: [GraphqlMetricsPlugin, QueueMetrics, SubscriptionMetrics],
})
export class ApiMetricsModule {}

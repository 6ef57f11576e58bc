import { Global, Module } from '@nestjs/common';
import { OperatorAccess } from '../security/operator-access.js';
import { Metrics } from './metrics.js';

@Global()
@Module({ providers: [Metrics, OperatorAccess], exports: [Metrics, OperatorAccess] })
export class MetricsModule {}

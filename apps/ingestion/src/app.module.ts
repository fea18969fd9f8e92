import { DynamicModule, Global, Module } from '@nestjs/common';
import { GrpcHealthController } from '@exportd/grpc';
import { Clock, MongoModule, SystemClock } from '@exportd/runtime';
import { AppsModule } from './apps/apps.module';
import { IngestionEnv } from './config/env';
import { ErasureModule } from './erasure/erasure.module';
import { RetentionModule } from './retention/retention.module';
import { TrackingModule } from './tracking/tracking.module';

@Global()
@Module({})
export class IngestionModule {
  static forRoot(env: IngestionEnv, clock: Clock = new SystemClock()): DynamicModule {
    return {
      module: IngestionModule,
      imports: [
        MongoModule.forRoot(env.MONGO_URL),
        AppsModule,
        TrackingModule,
        ErasureModule,
        RetentionModule.forRoot({ intervalMs: env.RETENTION_SWEEP_INTERVAL_MS }),
      ],
      controllers: [GrpcHealthController],
      providers: [{ provide: Clock, useValue: clock }],
      exports: [Clock],
    };
  }
}

import { Module } from '@nestjs/common';
import { Clock, SystemClock } from '@exportd/runtime';
import { TrackingBatcher } from './tracking.batcher';
import { TrackingController } from './tracking.controller';
import { TrackingKeyResolver } from './tracking-key.resolver';
import { TRACKING_CONFIG, trackingConfig } from './tracking.config';

@Module({
  controllers: [TrackingController],
  providers: [
    { provide: TRACKING_CONFIG, useFactory: () => trackingConfig() },
    { provide: Clock, useClass: SystemClock },
    TrackingKeyResolver,
    TrackingBatcher,
  ],
})
export class TrackingModule {}

import { Module } from '@nestjs/common';
import { Clock, clockFromEnv } from '@exportd/runtime';
import { TrackingBatcher } from './tracking.batcher';
import { TrackingController } from './tracking.controller';
import { TrackingKeyResolver } from './tracking-key.resolver';
import { TRACKING_CONFIG, trackingConfig } from './tracking.config';

@Module({
  controllers: [TrackingController],
  providers: [
    { provide: TRACKING_CONFIG, useFactory: () => trackingConfig() },
    // Calls without a timestamp are stamped now: the platform's time (moved by end-to-end tests).
    { provide: Clock, useFactory: () => clockFromEnv() },
    TrackingKeyResolver,
    TrackingBatcher,
  ],
  // For other public tracking surfaces (the Segment-compatible routes): one key cache, one batcher.
  exports: [TrackingKeyResolver, TrackingBatcher, Clock],
})
export class TrackingModule {}

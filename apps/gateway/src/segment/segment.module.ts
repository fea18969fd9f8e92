import { Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { Clock, clockFromEnv } from '@exportd/runtime';
import type { FastifyInstance } from 'fastify';
import { TrackingBatcher } from '../tracking/tracking.batcher';
import { TrackingKeyResolver } from '../tracking/tracking-key.resolver';
import { TRACKING_CONFIG, trackingConfig } from '../tracking/tracking.config';
import { installSegmentBodyLimits } from './segment-body-limits';
import { SegmentController } from './segment.controller';

/**
 * The Segment-compatible HTTP Tracking API (`/v1/...`). It stores through the Tracking API's own classes (key
 * lookup with its cache, the batcher with its store deadline), instances of its own since TrackingModule exports
 * none; installs Segment's body size limits on the HTTP server before it starts.
 */
@Module({
  controllers: [SegmentController],
  providers: [
    { provide: TRACKING_CONFIG, useFactory: () => trackingConfig() },
    // Calls without a timestamp are stamped now: the platform's time (moved by end-to-end tests).
    { provide: Clock, useFactory: () => clockFromEnv() },
    TrackingKeyResolver,
    TrackingBatcher,
  ],
})
export class SegmentModule implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    // No HTTP server in a standalone application context: nothing to limit.
    const adapter = this.adapterHost.httpAdapter as HttpAdapterHost['httpAdapter'] | undefined;
    if (adapter) installSegmentBodyLimits(adapter.getInstance<FastifyInstance>());
  }
}

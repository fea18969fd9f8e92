import { Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { TrackingModule } from '../tracking/tracking.module';
import { installSegmentBodyLimits } from './segment-body-limits';
import { SegmentController } from './segment.controller';

/**
 * The Segment-compatible HTTP Tracking API (`/v1/...`). It stores through the Tracking API's own key lookup
 * (with its cache), batcher (with its store deadline) and rate limiter; installs Segment's body size limits
 * on the HTTP server before it starts.
 */
@Module({
  imports: [TrackingModule],
  controllers: [SegmentController],
})
export class SegmentModule implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    // No HTTP server in a standalone application context: nothing to limit.
    const adapter = this.adapterHost.httpAdapter as HttpAdapterHost['httpAdapter'] | undefined;
    if (adapter) installSegmentBodyLimits(adapter.getInstance<FastifyInstance>());
  }
}

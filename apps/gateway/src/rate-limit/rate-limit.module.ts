import { Global, Module } from '@nestjs/common';
import { ApiRateLimiter, RATE_LIMIT_NOW, TrackingRateLimiter } from './rate-limiters';

/**
 * The gateway's rate limiters, global so any module's controllers and guards can inject them (ApiKeyGuard,
 * the tracking routes, the Segment-compatible routes). Needs 'GATEWAY_ENV' (GrpcClientsModule).
 */
@Global()
@Module({
  providers: [
    { provide: RATE_LIMIT_NOW, useValue: () => performance.now() },
    TrackingRateLimiter,
    ApiRateLimiter,
  ],
  exports: [TrackingRateLimiter, ApiRateLimiter],
})
export class RateLimitModule {}

import { Inject, Injectable } from '@nestjs/common';
import type { GatewayEnv } from '../config/env';
import { RateLimitedException } from './rate-limited.exception';
import { TokenBuckets } from './token-buckets';

/** The monotonic clock of the limiters (milliseconds); tests of the limiters inject their own. */
export const RATE_LIMIT_NOW = Symbol('RATE_LIMIT_NOW');

type RateLimitEnv = Pick<GatewayEnv, 'TRACKING_RATE_LIMIT' | 'TRACKING_RATE_BURST' | 'API_RATE_LIMIT' | 'API_RATE_BURST'>;

/**
 * Calls per second per tracking key on the public tracking routes (TRACKING_RATE_LIMIT, burst
 * TRACKING_RATE_BURST). Call `take` once the key is known and before the calls are submitted, with the
 * number of calls of the request: over the limit it throws RateLimitedException (429, Retry-After) and
 * nothing of the request is stored.
 */
@Injectable()
export class TrackingRateLimiter {
  private readonly buckets: TokenBuckets;

  constructor(@Inject('GATEWAY_ENV') env: RateLimitEnv, @Inject(RATE_LIMIT_NOW) now: () => number) {
    this.buckets = new TokenBuckets(env.TRACKING_RATE_LIMIT, env.TRACKING_RATE_BURST, now);
  }

  take(trackingKey: string, calls = 1): void {
    const result = this.buckets.take(trackingKey, calls);
    if (!result.ok) {
      throw new RateLimitedException(
        result.retryAfterSeconds,
        `too many tracking calls for this tracking key (limit ${this.buckets.ratePerSecond} calls per second, burst ${this.buckets.burst})`,
      );
    }
  }
}

/** Requests per second per API key on the key-authenticated APIs (API_RATE_LIMIT, burst API_RATE_BURST); see ApiKeyGuard. */
@Injectable()
export class ApiRateLimiter {
  private readonly buckets: TokenBuckets;

  constructor(@Inject('GATEWAY_ENV') env: RateLimitEnv, @Inject(RATE_LIMIT_NOW) now: () => number) {
    this.buckets = new TokenBuckets(env.API_RATE_LIMIT, env.API_RATE_BURST, now);
  }

  /** `keyId`: the authenticated key's id (so unknown keys take no room). */
  take(keyId: string): void {
    const result = this.buckets.take(keyId, 1);
    if (!result.ok) {
      throw new RateLimitedException(
        result.retryAfterSeconds,
        `too many requests for this API key (limit ${this.buckets.ratePerSecond} per second, burst ${this.buckets.burst})`,
      );
    }
  }
}

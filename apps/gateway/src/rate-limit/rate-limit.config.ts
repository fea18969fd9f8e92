import { env } from '@exportd/config';

/**
 * Rate limits of the public API, per gateway process (in memory: with N replicas behind a load balancer a key
 * gets up to N times the rate). A rate of 0 turns that limit off.
 */
export const rateLimitEnvSchema = {
  TRACKING_RATE_LIMIT: env.int(
    'tracking calls per second per tracking key on the public tracking routes (a bulk request counts its calls; 0: no limit)',
    1_000,
    0,
  ),
  TRACKING_RATE_BURST: env.int('tracking calls one tracking key may send at once above its rate (the bucket size)', 2_000, 1),
  API_RATE_LIMIT: env.int('requests per second per API key on the key-authenticated APIs (0: no limit)', 50, 0),
  API_RATE_BURST: env.int('requests one API key may send at once above its rate (the bucket size)', 100, 1),
};

import { env, EnvOf, internalServiceEnv, loadEnvOrExit, loggingEnv, serviceAddressEnv } from '@exportd/config';
import { rateLimitEnvSchema } from '../rate-limit/rate-limit.config';
import { trackingEnvSchema } from '../tracking/tracking.config';

export const gatewayEnvSchema = {
  NODE_ENV: internalServiceEnv.NODE_ENV,
  INTERNAL_TOKEN: internalServiceEnv.INTERNAL_TOKEN,
  ...serviceAddressEnv,
  PORT: env.int('HTTP port of the public API', 3000, 1, 65535),
  HOST: env.string('address the HTTP server binds to', '0.0.0.0'),
  ADMIN_TOKEN: env.secret('Bearer token of the admin API; required outside development', 16, ''),
  ...loggingEnv,
  METRICS_TOKEN: env.secret('when set, GET /metrics needs Authorization: Bearer <METRICS_TOKEN>', 16, ''),
  // Validated with the rest, so one report lists every bad variable.
  ...trackingEnvSchema,
  ...rateLimitEnvSchema,
};

export type GatewayEnv = EnvOf<typeof gatewayEnvSchema>;

export function loadGatewayEnv(): GatewayEnv {
  const loaded = loadEnvOrExit(gatewayEnvSchema, 'gateway');
  if (!loaded.ADMIN_TOKEN && loaded.NODE_ENV !== 'development') {
    process.stderr.write('gateway: Invalid configuration:\n  - ADMIN_TOKEN is required outside development\n');
    process.exit(1);
  }
  return loaded;
}

export const GATEWAY_ENV = Symbol('GATEWAY_ENV');

import { env, EnvVar, internalServiceEnv, loadEnvOrExit, mongoEnv, serviceAddressEnv } from '@exportd/config';
import { parseEncryptionKey } from '@exportd/runtime';
import { DEFAULT_RETRY_SCHEDULE_MS, parseRetrySchedule } from '../outbox/retry-schedule';

const encryptionKey: EnvVar<Buffer> = {
  description: '32 bytes, base64: AES-256-GCM key webhook secrets are encrypted with at rest',
  parse: parseEncryptionKey,
};

const retrySchedule: EnvVar<number[]> = {
  description: 'delays before each retry of an email or webhook, e.g. 5s,5m,30m,2h (default: the Standard Webhooks schedule)',
  default: [...DEFAULT_RETRY_SCHEDULE_MS],
  parse: parseRetrySchedule,
};

export const notificationEnvSchema = {
  ...internalServiceEnv,
  ...mongoEnv,
  SMTP_URL: env.url('SMTP server mail is sent through', ['smtp', 'smtps']),
  SMTP_FROM: env.string('From address of notification emails', 'Exports <exports@localhost>'),
  OUTBOUND_ALLOW_PRIVATE_NETWORKS: env.bool(
    'allow webhooks to loopback/private addresses and plain http (development and tests only)',
    false,
  ),
  ENCRYPTION_KEY: encryptionKey,
  DELIVERY_RETRY_SCHEDULE: retrySchedule,
  DELIVERY_POLL_INTERVAL_MS: env.int('how often the outbox worker looks for due deliveries, in ms', 1_000, 50, 60_000),
  DELIVERY_CONCURRENCY: env.int('deliveries one notification process sends at the same time', 8, 1, 100),
  NOTIFICATION_GRPC_ADDR: serviceAddressEnv.NOTIFICATION_GRPC_ADDR,
};
export const loadNotificationEnv = () => loadEnvOrExit(notificationEnvSchema, 'notification');
export type NotificationEnv = ReturnType<typeof loadNotificationEnv>;

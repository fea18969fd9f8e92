import { env, internalServiceEnv, loadEnvOrExit, mongoEnv, serviceAddressEnv } from '@exportd/config';

export const notificationEnvSchema = {
  ...internalServiceEnv,
  ...mongoEnv,
  SMTP_URL: env.url('SMTP server mail is sent through', ['smtp', 'smtps']),
  SMTP_FROM: env.string('From address of notification emails', 'Exports <exports@localhost>'),
  OUTBOUND_ALLOW_PRIVATE_NETWORKS: env.bool(
    'allow webhooks to loopback/private addresses and plain http (development and tests only)',
    false,
  ),
  NOTIFICATION_GRPC_ADDR: serviceAddressEnv.NOTIFICATION_GRPC_ADDR,
};
export const loadNotificationEnv = () => loadEnvOrExit(notificationEnvSchema, 'notification');
export type NotificationEnv = ReturnType<typeof loadNotificationEnv>;

import { PROJECT_ROOT } from '@exportd/runtime';
import { join } from 'node:path';

/** Root of the .proto contracts, read at run time by every gRPC server and client. */
export const PROTO_ROOT = join(PROJECT_ROOT, 'proto');

/** The proto packages each service serves, and the files that declare them. */
export const PROTO_PACKAGES = {
  health: { package: 'grpc.health.v1', files: ['grpc/health/v1/health.proto'] },
  tenancy: { package: 'tenancy.v1', files: ['tenancy/v1/tenancy.proto'] },
  tracking: { package: 'tracking.v1', files: ['tracking/v1/tracking.proto'] },
  analytics: { package: 'analytics.v1', files: ['analytics/v1/analytics.proto'] },
  exports: {
    package: 'exports.v1',
    files: ['exports/v1/exports.proto', 'exports/v1/destinations.proto', 'exports/v1/schedules.proto'],
  },
  notifications: { package: 'notifications.v1', files: ['notifications/v1/notifications.proto'] },
  privacy: { package: 'privacy.v1', files: ['privacy/v1/privacy.proto'] },
} as const;

export type ProtoPackageName = keyof typeof PROTO_PACKAGES;

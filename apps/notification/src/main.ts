import 'reflect-metadata';
import { startGrpcService } from '@exportd/grpc';
import { clockFromEnv } from '@exportd/runtime';
import { NotificationModule } from './app.module';
import { loadNotificationEnv } from './config/env';

async function main(): Promise<void> {
  const env = loadNotificationEnv();
  await startGrpcService({
    name: 'notification',
    module: NotificationModule.forRoot(env, { clock: clockFromEnv() }),
    packages: ['notifications'],
    bindHost: env.GRPC_BIND_HOST,
    address: env.NOTIFICATION_GRPC_ADDR,
    internalToken: env.INTERNAL_TOKEN,
    observability: env,
  });
}

void main();

import 'reflect-metadata';
import { startGrpcService } from '@exportd/grpc';
import { clockFromEnv } from '@exportd/runtime';
import { IngestionModule } from './app.module';
import { loadIngestionEnv } from './config/env';

async function main(): Promise<void> {
  const env = loadIngestionEnv();
  await startGrpcService({
    name: 'ingestion',
    module: IngestionModule.forRoot(env, clockFromEnv()),
    packages: ['tenancy', 'tracking', 'privacy'],
    bindHost: env.GRPC_BIND_HOST,
    address: env.INGESTION_GRPC_ADDR,
    internalToken: env.INTERNAL_TOKEN,
    observability: env,
  });
}

void main();

import 'reflect-metadata';
import { startGrpcService } from '@exportd/grpc';
import { clockFromEnv } from '@exportd/runtime';
import { ExportJobModule } from './app.module';
import { loadExportJobEnv } from './config/env';

async function main(): Promise<void> {
  const env = loadExportJobEnv();
  await startGrpcService({
    name: 'export-job',
    module: ExportJobModule.forRoot(env, clockFromEnv()),
    packages: ['exports', 'privacy'],
    bindHost: env.GRPC_BIND_HOST,
    address: env.EXPORT_JOB_GRPC_ADDR,
    internalToken: env.INTERNAL_TOKEN,
    observability: env,
  });
}

void main();

import 'reflect-metadata';
import { startGrpcService } from '@exportd/grpc';
import { clockFromEnv } from '@exportd/runtime';
import { AggregationModule } from './app.module';
import { loadAggregationEnv } from './config/env';

async function main(): Promise<void> {
  const env = loadAggregationEnv();
  await startGrpcService({
    name: 'aggregation',
    module: AggregationModule.forRoot(env, clockFromEnv()),
    packages: ['analytics', 'privacy'],
    bindHost: env.GRPC_BIND_HOST,
    address: env.AGGREGATION_GRPC_ADDR,
    internalToken: env.INTERNAL_TOKEN,
    observability: env,
  });
}

void main();

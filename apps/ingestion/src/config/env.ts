import { env, internalServiceEnv, loadEnvOrExit, mongoEnv, serviceAddressEnv } from '@exportd/config';

export const ingestionEnvSchema = {
  ...internalServiceEnv,
  ...mongoEnv,
  INGESTION_GRPC_ADDR: serviceAddressEnv.INGESTION_GRPC_ADDR,
  RETENTION_SWEEP_INTERVAL_MS: env.int(
    'how often the retention sweep deletes raw calls and aggregates older than each app policy keeps (ms)',
    3_600_000,
    100,
  ),
};
export const loadIngestionEnv = () => loadEnvOrExit(ingestionEnvSchema, 'ingestion');
export type IngestionEnv = ReturnType<typeof loadIngestionEnv>;

import { internalServiceEnv, loadEnvOrExit, mongoEnv, serviceAddressEnv } from '@exportd/config';

export const ingestionEnvSchema = {
  ...internalServiceEnv,
  ...mongoEnv,
  INGESTION_GRPC_ADDR: serviceAddressEnv.INGESTION_GRPC_ADDR,
};
export const loadIngestionEnv = () => loadEnvOrExit(ingestionEnvSchema, 'ingestion');
export type IngestionEnv = ReturnType<typeof loadIngestionEnv>;

import { internalServiceEnv, loadEnvOrExit, mongoEnv, s3Env, serviceAddressEnv } from '@exportd/config';

export const exportJobEnvSchema = {
  ...internalServiceEnv,
  ...mongoEnv,
  ...s3Env,
  AGGREGATION_GRPC_ADDR: serviceAddressEnv.AGGREGATION_GRPC_ADDR,
  NOTIFICATION_GRPC_ADDR: serviceAddressEnv.NOTIFICATION_GRPC_ADDR,
  EXPORT_JOB_GRPC_ADDR: serviceAddressEnv.EXPORT_JOB_GRPC_ADDR,
};
export const loadExportJobEnv = () => loadEnvOrExit(exportJobEnvSchema, 'export-job');
export type ExportJobEnv = ReturnType<typeof loadExportJobEnv>;

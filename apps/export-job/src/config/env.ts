import { env, EnvVar, internalServiceEnv, loadEnvOrExit, mongoEnv, s3Env, serviceAddressEnv } from '@exportd/config';
import { parseEncryptionKey } from '@exportd/runtime';

/** The same key notification reads: one ENCRYPTION_KEY per deployment seals every secret at rest. */
const encryptionKey: EnvVar<Buffer> = {
  description: '32 bytes, base64: AES-256-GCM key destination secrets are encrypted with at rest',
  parse: parseEncryptionKey,
};

/** The longest validity a SigV4 presigned URL can have (7 days). */
const SIGV4_MAX_EXPIRES_SECONDS = 7 * 24 * 3600;

export const exportJobEnvSchema = {
  ...internalServiceEnv,
  ...mongoEnv,
  ...s3Env,
  INGESTION_GRPC_ADDR: serviceAddressEnv.INGESTION_GRPC_ADDR,
  AGGREGATION_GRPC_ADDR: serviceAddressEnv.AGGREGATION_GRPC_ADDR,
  NOTIFICATION_GRPC_ADDR: serviceAddressEnv.NOTIFICATION_GRPC_ADDR,
  EXPORT_JOB_GRPC_ADDR: serviceAddressEnv.EXPORT_JOB_GRPC_ADDR,
  ENCRYPTION_KEY: encryptionKey,
  OUTBOUND_ALLOW_PRIVATE_NETWORKS: env.bool(
    'allow destinations on loopback/private addresses and plain http endpoints (development and tests only)',
    false,
  ),
  EXPORT_WORKER_CONCURRENCY: env.int('partitions this process exports at the same time (0 = no worker)', 2, 0, 64),
  EXPORT_LEASE_MS: env.int('lease of a claimed partition; a worker that stops heartbeating loses it after this', 30_000, 500),
  EXPORT_POLL_INTERVAL_MS: env.int('how often an idle worker looks for a partition to claim', 500, 10),
  // 8 attempts backing off 1, 2, 4, 8, 16, 30, 30 s ride out about 90 s of a restarting service or S3 outage.
  EXPORT_MAX_ATTEMPTS: env.int('attempts per partition before the job fails', 8, 1, 100),
  EXPORT_RETRY_BASE_MS: env.int('back-off before a failed partition is retried (doubles per attempt)', 1_000, 0),
  EXPORT_RETRY_MAX_MS: env.int('longest back-off before a failed partition is retried', 30_000, 0),
  EXPORT_STALL_TIMEOUT_MS: env.int(
    'a partition that reads no rows for this long (S3 or aggregation stuck) is aborted and retried',
    60_000,
    100,
  ),
  EXPORT_S3_MAX_ATTEMPTS: env.int('attempts of one S3 request inside the SDK', 3, 1, 20),
  EXPORT_GZIP_LEVEL: env.int('gzip level of export files', 6, 1, 9),
  BULK_EXPORT_LINK_TTL_SECONDS: env.int(
    'validity of the presigned download links of Bulk Data Export API jobs, from the end of the job',
    2 * 24 * 3600,
    1,
    SIGV4_MAX_EXPIRES_SECONDS,
  ),
  ON_DEMAND_EXPORT_LINK_TTL_SECONDS: env.int(
    'validity of the presigned download links of on-demand export jobs, from the end of the job',
    SIGV4_MAX_EXPIRES_SECONDS,
    1,
    SIGV4_MAX_EXPIRES_SECONDS,
  ),
  EXPORT_JOB_RETENTION_SECONDS: env.int('how long job information is shown after creation (then 404)', 3 * 24 * 3600, 1),
  EXPORT_SWEEP_INTERVAL_MS: env.int('how often the retention sweeper runs', 60_000, 100),
  EXPORT_NOTIFY_RETRY_BASE_MS: env.int('first back-off of the export-finished notification call', 5_000, 10),
  EXPORT_NOTIFY_RETRY_MAX_MS: env.int('longest back-off of the export-finished notification call', 10 * 60_000, 10),
  PRIVACY_POLL_INTERVAL_MS: env.int('how often each process looks for privacy requests to carry out (0 = none)', 1_000, 0),
  PRIVACY_LEASE_MS: env.int('lease of a privacy request being carried out; lost after this without a heartbeat', 30_000, 300),
  PRIVACY_RETRY_MAX_MS: env.int('longest back-off between attempts of a privacy request (retried until done)', 60_000, 10),
  SCHEDULER_INTERVAL_MS: env.int('how often each process looks for due scheduled runs (0 = no scheduler)', 15_000, 0),
  SCHEDULE_LEASE_MS: env.int(
    'lease of a claimed scheduled run; a process that stops heartbeating loses it after this',
    60_000,
    500,
  ),
  SCHEDULE_RETRY_BASE_MS: env.int('first back-off before a failed scheduled run is retried (doubles per attempt)', 60_000, 10),
  SCHEDULE_RETRY_MAX_MS: env.int('longest back-off between attempts of a scheduled run', 60 * 60_000, 10),
  SCHEDULE_MAX_ATTEMPTS: env.int('attempts of a scheduled run before its period counts as failed', 8, 1, 100),
  SCHEDULE_INCREMENTAL_DELAY_MS: env.int(
    'an incremental run starts this long after its period (calls stamped before the end are then all stored)',
    60_000,
    0,
  ),
};
export const loadExportJobEnv = () => loadEnvOrExit(exportJobEnvSchema, 'export-job');
export type ExportJobEnv = ReturnType<typeof loadExportJobEnv>;
export const EXPORT_JOB_ENV = 'EXPORT_JOB_ENV';

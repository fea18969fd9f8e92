import { PlatformOptions, ProcessName, RunningPlatform, startPlatform } from '@exportd/local-stack';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerSecret } from './log-secrets';
import { createTestBucket, testMongoUrl, testServers, uniqueName } from './test-servers';

export interface TestPlatform extends RunningPlatform {
  adminToken: string;
  internalToken: string;
  bucket: string;
  mongoUrl: string;
}

/**
 * The five real processes for an end-to-end test, with a database and bucket of their own, against the
 * servers of the run. Call `stop()` in afterAll.
 */
export async function startTestPlatform(
  extraEnv: NodeJS.ProcessEnv = {},
  options: Pick<PlatformOptions, 'metricsPorts'> = {},
): Promise<TestPlatform> {
  const servers = testServers();
  const adminToken = `adm_${randomBytes(16).toString('hex')}`;
  const internalToken = randomBytes(16).toString('hex');
  const bucket = await createTestBucket('e2e');
  const mongoUrl = testMongoUrl('e2e');
  const env: NodeJS.ProcessEnv = {
    NODE_ENV: 'test',
    ADMIN_TOKEN: adminToken,
    INTERNAL_TOKEN: internalToken,
    MONGO_URL: mongoUrl,
    S3_ENDPOINT: servers.s3Endpoint,
    S3_REGION: 'us-east-1',
    S3_ACCESS_KEY_ID: servers.s3AccessKeyId,
    S3_SECRET_ACCESS_KEY: servers.s3SecretAccessKey,
    S3_BUCKET: bucket,
    SMTP_URL: servers.smtpUrl,
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'true',
    DELIVERY_RETRY_SCHEDULE: '1s,1s,2s',
    EXPORT_STALL_TIMEOUT_MS: '10000',
    ...extraEnv,
  };
  // None of these may reach a log line: the run's teardown scans the logs for them (see log-secrets.ts).
  registerSecret('admin token', env.ADMIN_TOKEN);
  registerSecret('internal token', env.INTERNAL_TOKEN);
  registerSecret('encryption key', env.ENCRYPTION_KEY);
  registerSecret('metrics token', env.METRICS_TOKEN);
  registerSecret('S3 secret key', env.S3_SECRET_ACCESS_KEY);
  const platform = await startWithFreshPorts(async () => {
    const logDir = join(servers.tmpDir, 'logs', uniqueName('platform'));
    mkdirSync(logDir, { recursive: true });
    return startPlatform({ logDir, env, ...options });
  });
  return { ...platform, adminToken, internalToken, bucket, mongoUrl };
}

/**
 * Ports are picked free, then bound by the child processes a moment later: with test files starting servers
 * in parallel, another one can take a port in between. Such a start-up (a process that failed to listen) is
 * tried again on new ports; any other failure is the test's.
 */
async function startWithFreshPorts(start: () => Promise<RunningPlatform>, attempts = 3): Promise<RunningPlatform> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      const log = /log: (\S+)$/.exec((error as Error).message)?.[1];
      const collided = /already in use/.test((error as Error).message) || (log !== undefined && logSaysPortTaken(log));
      if (!collided || attempt >= attempts) throw error;
    }
  }
}

function logSaysPortTaken(logFile: string): boolean {
  try {
    return readFileSync(logFile, 'utf8').includes('EADDRINUSE');
  } catch {
    return false;
  }
}

export type { ProcessName };

import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RunningMongo, startFerretDb } from './mongo-server';
import { PlatformOptions, RunningPlatform, startPlatform } from './platform';
import { startS3Server } from './s3-server';
import { startSmtpCapture } from './smtp-capture';

export interface StandaloneStack {
  platform: RunningPlatform;
  mongo: RunningMongo;
  /** The platform's database. */
  mongoUrl: string;
  adminToken: string;
  /** Stops the platform, then the servers. */
  stop(): Promise<void>;
}

/** Where a standalone platform's servers are, and its admin token. */
export interface PlatformServers {
  adminToken: string;
  mongoUrl: string;
  s3Endpoint: string;
  s3Credentials: { accessKeyId: string; secretAccessKey: string };
  bucket: string;
  smtpUrl: string;
}

/** The env of every process of a platform on these servers, with fresh internal token and encryption key. */
export function platformEnv(servers: PlatformServers): NodeJS.ProcessEnv {
  return {
    NODE_ENV: 'production',
    ADMIN_TOKEN: servers.adminToken,
    INTERNAL_TOKEN: randomBytes(16).toString('hex'),
    MONGO_URL: servers.mongoUrl,
    S3_ENDPOINT: servers.s3Endpoint,
    S3_REGION: 'us-east-1',
    S3_ACCESS_KEY_ID: servers.s3Credentials.accessKeyId,
    S3_SECRET_ACCESS_KEY: servers.s3Credentials.secretAccessKey,
    S3_BUCKET: servers.bucket,
    SMTP_URL: servers.smtpUrl,
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  };
}

/**
 * The whole platform on its own servers (FerretDB, versitygw with a bucket, SMTP capture) under `dataDir`,
 * on free ports, with fresh secrets: what the benchmarks run against.
 */
export async function startStandaloneStack(
  dataDir: string,
  env: NodeJS.ProcessEnv = {},
  processes: Pick<PlatformOptions, 'runFrom' | 'nodeFlags'> = {},
): Promise<StandaloneStack> {
  // Servers are stopped in reverse order of start, also when a later step fails (no server outlives it).
  const started: { stop(): Promise<void> }[] = [];
  const stopStarted = async () => {
    for (const server of started.reverse()) await server.stop().catch(() => undefined);
  };
  try {
    const mongo = await startFerretDb({ dataDir });
    started.push(mongo);
    const credentials = {
      accessKeyId: `bench${randomBytes(4).toString('hex')}`,
      secretAccessKey: randomBytes(20).toString('hex'),
    };
    const s3 = await startS3Server({ dataDir, ...credentials });
    started.push(s3.process);
    const smtp = await startSmtpCapture({ mailDir: join(dataDir, 'mail') });
    started.push(smtp);
    const bucket = 'bench';
    const s3Client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
    await s3Client.send(new CreateBucketCommand({ Bucket: bucket }));
    s3Client.destroy();

    const logDir = join(dataDir, 'logs');
    mkdirSync(logDir, { recursive: true });
    const adminToken = `adm_${randomBytes(16).toString('hex')}`;
    const mongoUrl = `${mongo.url}/bench`;
    const platform = await startPlatform({
      logDir,
      ...processes,
      env: {
        ...platformEnv({ adminToken, mongoUrl, s3Endpoint: s3.endpoint, s3Credentials: credentials, bucket, smtpUrl: smtp.url }),
        ...env,
      },
    });
    started.push(platform);
    return { platform, mongo, mongoUrl, adminToken, stop: stopStarted };
  } catch (error) {
    await stopStarted();
    throw error;
  }
}

/** Peak resident memory (VmHWM) of a process, in MB; NaN when unknown. */
export function peakRssMb(pid: number | undefined): number {
  return statusMb(pid, 'VmHWM');
}

/** Resident memory (VmRSS) of a process now, in MB; NaN when unknown. */
export function rssMb(pid: number | undefined): number {
  return statusMb(pid, 'VmRSS');
}

function statusMb(pid: number | undefined, field: 'VmHWM' | 'VmRSS'): number {
  if (!pid) return NaN;
  try {
    const kb = Number(new RegExp(`${field}:\\s+(\\d+)\\s+kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return kb / 1024;
  } catch {
    return NaN;
  }
}

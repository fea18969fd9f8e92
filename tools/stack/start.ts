/**
 * `npm start`: the whole platform on one machine. Starts what is not configured (FerretDB when MONGO_URL is
 * unset, versitygw when S3_ENDPOINT is unset, an SMTP capture server when SMTP_URL is unset), then the four
 * gRPC services and the gateway. Data lives under DATA_DIR (default .data/) and is reused on the next start.
 * Ctrl-C or SIGTERM stops every child.
 */
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import {
  ManagedProcess,
  ProcessName,
  REPO_ROOT,
  RunningSmtp,
  startFerretDb,
  startPlatform,
  startS3Server,
  startSmtpCapture,
} from '@exportd/local-stack';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const say = (line: string) => process.stdout.write(`[stack] ${line}\n`);

/** Secrets generated on the first start and kept in DATA_DIR, so restarts reuse keys and data. */
function localSecrets(dataDir: string): Record<string, string> {
  const file = join(dataDir, 'local-secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  const secrets = {
    INTERNAL_TOKEN: randomBytes(24).toString('hex'),
    ADMIN_TOKEN: `adm_${randomBytes(24).toString('hex')}`,
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    S3_ACCESS_KEY_ID: `local${randomBytes(6).toString('hex')}`,
    S3_SECRET_ACCESS_KEY: randomBytes(20).toString('hex'),
  };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

async function ensureBucket(env: NodeJS.ProcessEnv): Promise<void> {
  const s3 = new S3Client({
    endpoint: env.S3_ENDPOINT || undefined,
    region: env.S3_REGION,
    forcePathStyle: env.S3_FORCE_PATH_STYLE !== 'false',
    credentials: { accessKeyId: env.S3_ACCESS_KEY_ID as string, secretAccessKey: env.S3_SECRET_ACCESS_KEY as string },
  });
  try {
    await s3.send(new HeadBucketCommand({ Bucket: env.S3_BUCKET }));
  } catch {
    await s3.send(new CreateBucketCommand({ Bucket: env.S3_BUCKET }));
    say(`created bucket ${env.S3_BUCKET}`);
  } finally {
    s3.destroy();
  }
}

/** The resolved configuration, for `nx serve <app>` (its serve target reads this file). */
function writeDevEnv(file: string, env: NodeJS.ProcessEnv): void {
  const names = [
    'NODE_ENV',
    'PORT',
    'ADMIN_TOKEN',
    'INTERNAL_TOKEN',
    'ENCRYPTION_KEY',
    'MONGO_URL',
    'S3_ENDPOINT',
    'S3_REGION',
    'S3_ACCESS_KEY_ID',
    'S3_SECRET_ACCESS_KEY',
    'S3_BUCKET',
    'SMTP_URL',
    'OUTBOUND_ALLOW_PRIVATE_NETWORKS',
    'INGESTION_GRPC_ADDR',
    'AGGREGATION_GRPC_ADDR',
    'EXPORT_JOB_GRPC_ADDR',
    'NOTIFICATION_GRPC_ADDR',
  ];
  const lines = names.filter((n) => env[n] !== undefined).map((n) => `${n}=${env[n]}`);
  writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
}

async function main(): Promise<void> {
  const dataDir = resolve(REPO_ROOT, process.env.DATA_DIR ?? '.data');
  const logDir = join(dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const secrets = localSecrets(dataDir);
  const env: NodeJS.ProcessEnv = {
    NODE_ENV: 'development',
    OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'true',
    S3_REGION: 'us-east-1',
    S3_BUCKET: 'exports',
  };
  for (const [name, value] of Object.entries(secrets)) env[name] = process.env[name] || value;
  for (const [name, value] of Object.entries(process.env)) if (value) env[name] = value;

  const children: ManagedProcess[] = [];
  let smtp: RunningSmtp | undefined;
  let stopping = false;
  let platformStop: (() => Promise<void>) | undefined;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping...');
    await platformStop?.();
    await Promise.all(children.map((c) => c.stop()));
    await smtp?.stop();
    say('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    if (!env.MONGO_URL) {
      say('starting FerretDB (SQLite backend; built on the first run)...');
      const mongo = await startFerretDb({ dataDir, port: Number(env.FERRETDB_PORT ?? 27017) });
      children.push(mongo.process);
      env.MONGO_URL = `${mongo.url}/exportd`;
      say(`FerretDB on ${mongo.url}, data in ${join(dataDir, 'ferretdb')}`);
    } else say(`using MongoDB at MONGO_URL`);

    if (!env.S3_ENDPOINT) {
      say('starting the S3 server (versitygw, POSIX backend)...');
      const s3 = await startS3Server({
        dataDir,
        port: Number(env.LOCAL_S3_PORT ?? 9000),
        accessKeyId: env.S3_ACCESS_KEY_ID as string,
        secretAccessKey: env.S3_SECRET_ACCESS_KEY as string,
      });
      children.push(s3.process);
      env.S3_ENDPOINT = s3.endpoint;
      say(`S3 on ${s3.endpoint}, objects in ${join(dataDir, 's3')}`);
    } else say(`using S3 at ${env.S3_ENDPOINT}`);
    await ensureBucket(env);

    if (!env.SMTP_URL) {
      smtp = await startSmtpCapture({ mailDir: join(dataDir, 'mail'), port: Number(env.LOCAL_SMTP_PORT ?? 2525) });
      env.SMTP_URL = smtp.url;
      say(`SMTP capture on ${smtp.url}, messages saved as .eml in ${smtp.mailDir}`);
    } else say('using SMTP at SMTP_URL');

    const skip = (env.STACK_SKIP ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean) as ProcessName[];
    say(
      `starting ${['ingestion', 'aggregation', 'export-job', 'notification', 'gateway'].filter((n) => !skip.includes(n as ProcessName)).join(', ')}...`,
    );
    const platform = await startPlatform({
      env,
      logDir,
      echo: true,
      skip,
      ports: {
        gateway: Number(env.PORT ?? 3000),
        ingestion: 50051,
        aggregation: 50052,
        'export-job': 50053,
        notification: 50054,
      },
    });
    platformStop = () => platform.stop();
    writeDevEnv(join(dataDir, 'dev.env'), platform.env);
    for (const proc of platform.processes.values()) {
      void proc.exited.then((code) => {
        if (!stopping) say(`${proc.name} exited (code ${code}); its log is in ${logDir}`);
      });
    }
    say(`gateway on ${platform.gatewayUrl} (GET /healthz)`);
    if (!process.env.ADMIN_TOKEN)
      say(`admin token (generated, kept in ${join(dataDir, 'local-secrets.json')}): ${env.ADMIN_TOKEN}`);
    say('ready; Ctrl-C stops everything');
  } catch (error) {
    say(`failed to start: ${(error as Error).message}`);
    await shutdown(1);
  }
}

void main();

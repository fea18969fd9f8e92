/**
 * `npm start`: the whole platform on one machine. Starts what is not configured (FerretDB when MONGO_URL is
 * unset, on PostgreSQL unless FERRETDB_BACKEND=sqlite; versitygw when S3_ENDPOINT is unset, an SMTP capture server when SMTP_URL is unset), then the four
 * gRPC services and the gateway, on the ports and addresses the env gives. Data lives under DATA_DIR (default
 * .data/) and is reused on the next start. Prints "ready" once every service answers its health check and the
 * gateway's /healthz is 200; then restarts a process that exits, with back-off, and stops everything after too
 * many restarts of one. Ctrl-C or SIGTERM stops every child.
 */
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { env as variable, loadEnvOrExit, serviceAddressEnv } from '@exportd/config';
import {
  GRPC_ADDR_VARS,
  exitDescription,
  ferretDbBackend,
  portIsFree,
  ProcessName,
  REPO_ROOT,
  runningProcesses,
  RunningMongo,
  RunningPlatform,
  SERVICE_NAMES,
  stopAllProcesses,
  startFerretDb,
  startPlatform,
  startS3Server,
  startSmtpCapture,
  SupervisionEvent,
} from '@exportd/local-stack';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const say = (line: string) => process.stdout.write(`[stack] ${line}\n`);

/** The variables of `npm start` itself (the apps validate theirs); a bad one is reported before anything starts. */
const stackEnvSchema = {
  ...serviceAddressEnv,
  PORT: variable.int('gateway HTTP port', 3000, 1, 65535),
  DATA_DIR: variable.string('where the local servers keep their data and logs', '.data'),
  FERRETDB_PORT: variable.int('port of the local FerretDB', 27017, 1, 65535),
  FERRETDB_BACKEND: variable.string('storage of the local FerretDB: postgresql or sqlite', 'postgresql'),
  LOCAL_POSTGRES_PORT: variable.int('port of the local PostgreSQL (FerretDB backend)', 54320, 1, 65535),
  LOCAL_S3_PORT: variable.int('port of the local S3 server', 9000, 1, 65535),
  LOCAL_SMTP_PORT: variable.int('port of the local SMTP capture server', 2525, 1, 65535),
  METRICS_BASE_PORT: variable.int(
    'GET /metrics of ingestion, aggregation, export-job and notification: this port and the next three (0 = none)',
    9464,
    0,
    65532,
  ),
  STACK_RESTART_DELAY_MS: variable.int('first wait before restarting a process that exited (doubles each time)', 500, 1),
};

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

/** A local server's port taken by something else (a second checkout's stack) fails start-up with what to change. */
async function ensurePortFree(what: string, port: number, variable: string): Promise<void> {
  if (!(await portIsFree(port))) {
    throw new Error(`${what} cannot start: 127.0.0.1:${port} is already in use (another stack? set ${variable} to another port)`);
  }
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
    'HOST',
    'GRPC_BIND_HOST',
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

/** The stack's line for each supervision step. */
function supervisionMessage(event: SupervisionEvent): string {
  switch (event.type) {
    case 'restarting':
      return `${event.name} exited (${event.exit}); restarting in ${event.delayMs} ms (restart ${event.restart})`;
    case 'recovered':
      return `${event.name} is back (pid ${event.pid})`;
    case 'gave-up':
      return `${event.name} exited (${event.exit}) after ${event.restarts} restarts within ${event.windowMs / 1000} s; giving up, see its log: ${event.logFile}`;
  }
}

function metricsPorts(base: number): Record<(typeof SERVICE_NAMES)[number], number> {
  return Object.fromEntries(SERVICE_NAMES.map((name, i) => [name, base + i])) as Record<(typeof SERVICE_NAMES)[number], number>;
}

async function main(): Promise<void> {
  const config = loadEnvOrExit(stackEnvSchema, 'stack');
  const dataDir = resolve(REPO_ROOT, config.DATA_DIR);
  const logDir = join(dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const secrets = localSecrets(dataDir);
  const env: NodeJS.ProcessEnv = {
    NODE_ENV: 'development',
    // Readable lines in the terminal; the log files get the same. LOG_FORMAT=json for one object per line.
    LOG_FORMAT: 'pretty',
    OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'true',
    S3_REGION: 'us-east-1',
    S3_BUCKET: 'exports',
  };
  for (const [name, value] of Object.entries(secrets)) env[name] = process.env[name] || value;
  for (const [name, value] of Object.entries(process.env)) if (value) env[name] = value;

  const abort = new AbortController();
  let platform: RunningPlatform | undefined;
  let mongo: RunningMongo | undefined;
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping...');
    abort.abort();
    await platform?.stop();
    await mongo?.stop();
    // The local servers, newest first; and whatever start-up had spawned when it was interrupted.
    await stopAllProcesses();
    say('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    if (!env.MONGO_URL) {
      const backend = ferretDbBackend(config);
      say(`starting FerretDB on ${backend === 'postgresql' ? 'PostgreSQL' : 'SQLite'} (built on the first run)...`);
      await ensurePortFree('FerretDB', config.FERRETDB_PORT, 'FERRETDB_PORT');
      if (backend === 'postgresql') await ensurePortFree('PostgreSQL', config.LOCAL_POSTGRES_PORT, 'LOCAL_POSTGRES_PORT');
      mongo = await startFerretDb({ dataDir, port: config.FERRETDB_PORT, postgresPort: config.LOCAL_POSTGRES_PORT, backend });
      env.MONGO_URL = `${mongo.url}/exportd`;
      say(
        `FerretDB on ${mongo.url} (${backend} backend), data in ${join(dataDir, backend === 'postgresql' ? 'postgres' : 'ferretdb')}`,
      );
    } else say(`using MongoDB at MONGO_URL`);

    if (!env.S3_ENDPOINT) {
      say('starting the S3 server (versitygw, POSIX backend)...');
      await ensurePortFree('the S3 server', config.LOCAL_S3_PORT, 'LOCAL_S3_PORT');
      const s3 = await startS3Server({
        dataDir,
        port: config.LOCAL_S3_PORT,
        accessKeyId: env.S3_ACCESS_KEY_ID as string,
        secretAccessKey: env.S3_SECRET_ACCESS_KEY as string,
      });
      env.S3_ENDPOINT = s3.endpoint;
      say(`S3 on ${s3.endpoint}, objects in ${join(dataDir, 's3')}`);
    } else say(`using S3 at ${env.S3_ENDPOINT}`);
    await ensureBucket(env);

    if (!env.SMTP_URL) {
      await ensurePortFree('the SMTP capture server', config.LOCAL_SMTP_PORT, 'LOCAL_SMTP_PORT');
      const smtp = await startSmtpCapture({ mailDir: join(dataDir, 'mail'), port: config.LOCAL_SMTP_PORT });
      env.SMTP_URL = smtp.url;
      say(`SMTP capture on ${smtp.url}, messages saved as .eml in ${smtp.mailDir}`);
    } else say('using SMTP at SMTP_URL');
    // The local servers are not restarted: the services need their data, so one that exits stops the stack.
    for (const server of runningProcesses()) {
      void server.exited.then(() => {
        if (stopping) return;
        say(`${server.name} exited (${exitDescription(server.child)}); stopping everything, see its log: ${server.logFile}`);
        void shutdown(1);
      });
    }

    const skip = (env.STACK_SKIP ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean) as ProcessName[];
    const names: ProcessName[] = [...SERVICE_NAMES, 'gateway'];
    say(`starting ${names.filter((n) => !skip.includes(n)).join(', ')}...`);
    platform = await startPlatform({
      env,
      logDir,
      echo: true,
      skip,
      ports: { gateway: config.PORT },
      metricsPorts: config.METRICS_BASE_PORT ? metricsPorts(config.METRICS_BASE_PORT) : undefined,
      addresses: {
        ingestion: config.INGESTION_GRPC_ADDR,
        aggregation: config.AGGREGATION_GRPC_ADDR,
        'export-job': config.EXPORT_JOB_GRPC_ADDR,
        notification: config.NOTIFICATION_GRPC_ADDR,
      },
      signal: abort.signal,
      supervise: {
        policy: { initialDelayMs: config.STACK_RESTART_DELAY_MS },
        onEvent(event) {
          say(supervisionMessage(event));
          if (event.type === 'gave-up') void shutdown(1);
        },
      },
    });
    writeDevEnv(join(dataDir, 'dev.env'), platform.env);
    for (const [name, proc] of platform.processes) {
      const at = name === 'gateway' ? platform.gatewayUrl : platform.env[GRPC_ADDR_VARS[name]];
      say(`${name.padEnd(12)} pid ${proc.child.pid} on ${at}, log ${proc.logFile}`);
    }
    if (platform.processes.has('gateway')) say(`gateway on ${platform.gatewayUrl} (GET /healthz, GET /metrics)`);
    if (config.METRICS_BASE_PORT) {
      const at = Object.entries(metricsPorts(config.METRICS_BASE_PORT)).map(([name, port]) => `${name} :${port}`);
      say(`service metrics (GET /metrics on 127.0.0.1): ${at.join(', ')}`);
    }
    if (!process.env.ADMIN_TOKEN)
      say(`admin token (generated, kept in ${join(dataDir, 'local-secrets.json')}): ${env.ADMIN_TOKEN}`);
    say('ready; Ctrl-C stops everything');
  } catch (error) {
    if (stopping) return;
    say(`failed to start: ${(error as Error).message}`);
    await shutdown(1);
  }
}

void main();

import './register-paths';
import {
  buildServices,
  RunningMongo,
  RunningS3,
  RunningSmtp,
  startFerretDb,
  startS3Server,
  startSmtpCapture,
} from '@exportd/local-stack';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_SERVERS_ENV, TestServers } from './test-servers';

interface Started {
  mongo?: RunningMongo;
  s3?: RunningS3;
  smtp?: RunningSmtp;
}

const state = globalThis as unknown as { __exportdTestServers?: Started };

/**
 * Builds the services (tests start them from dist/, as `npm start` does), then starts the real servers once per
 * jest run, on free ports in a temp dir: FerretDB (unless MONGO_URL is set: then tests run against that
 * server), versitygw (unless S3_ENDPOINT is set), and an SMTP capture server.
 */
export default async function globalSetup(): Promise<void> {
  buildServices();
  try {
    await startTestServers();
  } catch (error) {
    // Jest runs no teardown after a failed setup: stop what did start, so no server outlives the run.
    await stopTestServers();
    throw error;
  }
}

async function startTestServers(): Promise<void> {
  const tmpDir = mkdtempSync(join(tmpdir(), 'exportd-test-'));
  const started: Started = {};
  state.__exportdTestServers = started;

  const mongoUrl = process.env.MONGO_URL
    ? process.env.MONGO_URL
    : ((started.mongo = await startFerretDb({ dataDir: tmpDir })), started.mongo.url);

  let s3Endpoint = process.env.S3_ENDPOINT ?? '';
  let s3AccessKeyId = process.env.S3_ACCESS_KEY_ID ?? '';
  let s3SecretAccessKey = process.env.S3_SECRET_ACCESS_KEY ?? '';
  if (!s3Endpoint) {
    s3AccessKeyId = `test${randomBytes(4).toString('hex')}`;
    s3SecretAccessKey = randomBytes(16).toString('hex');
    started.s3 = await startS3Server({ dataDir: tmpDir, accessKeyId: s3AccessKeyId, secretAccessKey: s3SecretAccessKey });
    s3Endpoint = started.s3.endpoint;
  }

  started.smtp = await startSmtpCapture({ mailDir: join(tmpDir, 'mail') });

  const servers: TestServers = {
    mongoUrl,
    postgresUrl: started.mongo?.postgresUrl,
    s3Endpoint,
    s3AccessKeyId,
    s3SecretAccessKey,
    smtpUrl: started.smtp.url,
    mailDir: started.smtp.mailDir,
    tmpDir,
  };
  process.env[TEST_SERVERS_ENV] = JSON.stringify(servers);
}

export async function stopTestServers(): Promise<void> {
  const started = state.__exportdTestServers;
  if (!started) return;
  await Promise.all([started.mongo?.stop(), started.s3?.process.stop(), started.smtp?.stop()]);
}

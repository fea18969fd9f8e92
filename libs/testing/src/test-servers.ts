/**
 * The real servers a test run uses, started once by the jest global setup and described to test files
 * through env variables: each test file then takes its own database and bucket, so files run in parallel.
 */
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestServers {
  mongoUrl: string;
  /** The PostgreSQL database behind the run's FerretDB (absent with MONGO_URL or FERRETDB_BACKEND=sqlite). */
  postgresUrl?: string;
  s3Endpoint: string;
  s3AccessKeyId: string;
  s3SecretAccessKey: string;
  smtpUrl: string;
  mailDir: string;
  tmpDir: string;
}

export const TEST_SERVERS_ENV = 'EXPORTD_TEST_SERVERS';

export function testServers(): TestServers {
  const raw = process.env[TEST_SERVERS_ENV];
  if (!raw) throw new Error('test servers are not running: run tests through jest (its global setup starts them)');
  return JSON.parse(raw) as TestServers;
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`.toLowerCase();
}

/** A connection string to a database of this test's own. */
export function testMongoUrl(prefix = 'test'): string {
  const url = new URL(testServers().mongoUrl);
  url.pathname = `/${uniqueName(prefix).replace(/-/g, '_')}`;
  return url.toString();
}

export function testS3Client(overrides: { secretAccessKey?: string } = {}): S3Client {
  const servers = testServers();
  return new S3Client({
    endpoint: servers.s3Endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: servers.s3AccessKeyId, secretAccessKey: overrides.secretAccessKey ?? servers.s3SecretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** Creates a bucket of this test's own and returns its name. */
export async function createTestBucket(prefix = 'test'): Promise<string> {
  const bucket = uniqueName(prefix).slice(0, 63);
  const s3 = testS3Client();
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    s3.destroy();
  }
  return bucket;
}

/** Raw .eml messages the SMTP capture server received for `recipient`, oldest first. */
export function messagesFor(recipient: string): string[] {
  const dir = testServers().mailDir;
  return readdirSync(dir)
    .filter((name) => name.endsWith('.eml'))
    .sort()
    .map((name) => readFileSync(join(dir, name), 'utf8'))
    .filter((raw) => raw.toLowerCase().includes(recipient.toLowerCase()));
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

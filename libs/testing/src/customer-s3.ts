import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { RunningS3, startS3Server } from '@exportd/local-stack';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { registerSecret } from './log-secrets';
import { testServers, uniqueName } from './test-servers';

/**
 * A second real S3 server (versitygw) with credentials of its own, standing in for a customer's bucket. Each
 * test file starts its own, so one test can stop it (the customer's storage is down) and start it again on
 * the same port with the same data.
 */
export interface CustomerS3 {
  /** http://127.0.0.1:<port>: a custom destination's endpoint (the platform must allow private networks). */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Creates a bucket of the test's own and answers its name. */
  createBucket(prefix?: string): Promise<string>;
  /** The object's bytes, or undefined when there is none. */
  readObject(bucket: string, key: string): Promise<Buffer | undefined>;
  /** Every key under `prefix`, sorted. */
  listKeys(bucket: string, prefix?: string): Promise<string[]>;
  /** Stops the server: requests to the endpoint are then refused. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  start(): Promise<void>;
}

export async function startCustomerS3(): Promise<CustomerS3> {
  const dataDir = join(testServers().tmpDir, uniqueName('customer-s3'));
  const credentials = {
    accessKeyId: `customer${randomBytes(4).toString('hex')}`,
    secretAccessKey: randomBytes(20).toString('hex'),
  };
  // Tests hand it to the platform as a destination's secret: no log may hold it.
  registerSecret('customer S3 secret key', credentials.secretAccessKey);
  let server: RunningS3 | undefined = await startS3Server({ dataDir, ...credentials });
  const { endpoint, port } = server;

  const withClient = async <T>(use: (s3: S3Client) => Promise<T>): Promise<T> => {
    const s3 = new S3Client({
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    try {
      return await use(s3);
    } finally {
      s3.destroy();
    }
  };

  return {
    endpoint,
    ...credentials,
    async createBucket(prefix = 'customer') {
      const bucket = uniqueName(prefix).slice(0, 63);
      await withClient((s3) => s3.send(new CreateBucketCommand({ Bucket: bucket })));
      return bucket;
    },
    readObject: (bucket, key) =>
      withClient(async (s3) => {
        try {
          const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
          return Buffer.from((await object.Body?.transformToByteArray()) ?? []);
        } catch (error) {
          if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
          throw error;
        }
      }),
    listKeys: (bucket, prefix) =>
      withClient(async (s3) => {
        const keys: string[] = [];
        let token: string | undefined;
        do {
          const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
          keys.push(...(page.Contents ?? []).flatMap((object) => (object.Key ? [object.Key] : [])));
          token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (token);
        return keys.sort();
      }),
    async stop() {
      await server?.process.stop();
      server = undefined;
    },
    async start() {
      if (server) return;
      server = await startS3Server({ dataDir, port, ...credentials });
    },
  };
}

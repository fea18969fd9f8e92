import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { serverBinary } from './binaries';
import { freePort, ManagedProcess, startProcess, waitForPort } from './process';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface RunningS3 extends S3Credentials {
  endpoint: string;
  port: number;
  process: ManagedProcess;
}

/**
 * versitygw with its POSIX backend: a real S3 protocol server that checks SigV4 signatures (a wrong secret
 * fails as on AWS) and presigned URLs, and supports multipart upload. Objects live under `dataDir/s3/objects`.
 */
export async function startS3Server(
  options: { dataDir: string; port?: number; echo?: boolean } & S3Credentials,
): Promise<RunningS3> {
  const port = options.port ?? (await freePort());
  const root = join(options.dataDir, 's3', 'objects');
  // Object metadata (ETags, parts) in sidecar files, so no extended-attribute support is needed.
  const meta = join(options.dataDir, 's3', 'metadata');
  mkdirSync(root, { recursive: true });
  mkdirSync(meta, { recursive: true });
  const proc = startProcess(
    's3',
    serverBinary('versitygw'),
    [
      '--port',
      `127.0.0.1:${port}`,
      '--access',
      options.accessKeyId,
      '--secret',
      options.secretAccessKey,
      '--region',
      'us-east-1',
      'posix',
      '--sidecar',
      meta,
      root,
    ],
    { logFile: join(options.dataDir, 's3.log'), echo: options.echo },
  );
  await waitForPort(port, '127.0.0.1', 30_000, () => proc.child.exitCode === null);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    process: proc,
    accessKeyId: options.accessKeyId,
    secretAccessKey: options.secretAccessKey,
  };
}

import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { checkedLookup, checkHost, OutboundPolicy } from '@exportd/outbound';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Readable } from 'node:stream';
import { PART_SIZE } from '../storage/export-storage';
import { DestinationLocation } from './destination-location';
import { classifyStorageError, FailureContext, StorageFailure, withoutSecret } from './storage-failure';

/** A destination with its secret in the clear: lives only for the duration of one request to the storage. */
export interface DestinationTarget extends DestinationLocation {
  accessKeyId: string;
  secretAccessKey: string;
}

export type UploadBody = Buffer | string | NodeJS.ReadableStream;

/** The customer's storage, through the outbound address policy (the S3 adapter is tested against a real server). */
export abstract class DestinationStorage {
  /** Lists at most one object under the prefix; throws StorageFailure when the destination cannot be used. */
  abstract probe(target: DestinationTarget): Promise<void>;
  /** Writes `body` to `objectKey` (multipart for large bodies); throws StorageFailure. */
  abstract upload(
    target: DestinationTarget,
    objectKey: string,
    body: UploadBody,
    contentType: string,
    signal?: AbortSignal,
  ): Promise<void>;
}

export interface DestinationTimeouts {
  /** Connecting, and the whole check: a check answers within it. */
  connectMs: number;
  /** How long a write may see no progress on its connection. */
  writeIdleMs: number;
}

export const DEFAULT_DESTINATION_TIMEOUTS: DestinationTimeouts = { connectMs: 10_000, writeIdleMs: 60_000 };

function hostOf(endpoint: string): string {
  return new URL(endpoint).hostname.replace(/^\[|\]$/g, '');
}

/** The host a request goes to: AWS addresses buckets by virtual host (names with dots go path-style). */
function connectHost(target: DestinationTarget): string {
  const host = hostOf(target.endpoint);
  return target.provider === 'aws' && !target.bucket.includes('.') ? `${target.bucket}.${host}` : host;
}

function timeout<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

export class S3DestinationStorage extends DestinationStorage {
  constructor(
    private readonly policy: OutboundPolicy,
    private readonly timeouts: DestinationTimeouts = DEFAULT_DESTINATION_TIMEOUTS,
  ) {
    super();
  }

  async probe(target: DestinationTarget): Promise<void> {
    const context = this.context(target, 'list');
    await this.assertAddressAllowed(target, context);
    const client = this.client(target, 1, this.timeouts.connectMs);
    try {
      await client.send(
        new ListObjectsV2Command({ Bucket: target.bucket, Prefix: target.key ? `${target.key}/` : undefined, MaxKeys: 1 }),
        { abortSignal: AbortSignal.timeout(this.timeouts.connectMs) },
      );
    } catch (error) {
      throw this.failure(error, context, target);
    } finally {
      client.destroy();
    }
  }

  async upload(
    target: DestinationTarget,
    objectKey: string,
    body: UploadBody,
    contentType: string,
    signal?: AbortSignal,
  ): Promise<void> {
    const context = this.context(target, 'write');
    // Checked again at every write: the host may resolve elsewhere than at the check (DNS rebinding).
    await this.assertAddressAllowed(target, context);
    const client = this.client(target, 3, this.timeouts.writeIdleMs);
    const upload = new Upload({
      client,
      params: { Bucket: target.bucket, Key: objectKey, Body: asUploadable(body), ContentType: contentType },
      // Two 5 MB parts in flight: memory stays about 10 MB whatever the size of the body.
      queueSize: 2,
      partSize: PART_SIZE,
      leavePartsOnError: false,
    });
    const abort = () => void upload.abort().catch(() => undefined);
    if (signal?.aborted) abort();
    signal?.addEventListener('abort', abort, { once: true });
    try {
      await upload.done();
    } catch (error) {
      // The caller's own abort is theirs to handle, not a failure of the destination.
      if (signal?.aborted) throw error;
      throw this.failure(error, context, target);
    } finally {
      signal?.removeEventListener('abort', abort);
      client.destroy();
    }
  }

  private context(target: DestinationTarget, operation: FailureContext['operation']): FailureContext {
    return {
      operation,
      host: new URL(target.endpoint).host,
      bucket: target.bucket,
      region: target.region,
      key: target.key,
      accessKeyId: target.accessKeyId,
      timeoutMs: this.timeouts.connectMs,
    };
  }

  /** Refuses a host resolving to a forbidden address before any request; the agents check each connection again. */
  private async assertAddressAllowed(target: DestinationTarget, context: FailureContext): Promise<void> {
    const host = connectHost(target);
    const check = await timeout(
      checkHost(host, this.policy),
      this.timeouts.connectMs,
      () =>
        new StorageFailure('unreachable', `could not reach the storage at ${context.host}: ${host} did not resolve in time`, ''),
    );
    if (check.allowed) return;
    if (check.problem === 'refused') {
      throw new StorageFailure(
        'forbidden_address',
        `${check.message}: storage must be reachable on a public address`,
        check.message,
      );
    }
    throw new StorageFailure('unreachable', `could not reach the storage at ${context.host}: ${check.message}`, check.message);
  }

  private client(target: DestinationTarget, maxAttempts: number, requestTimeout: number): S3Client {
    const lookup = checkedLookup(this.policy);
    return new S3Client({
      endpoint: target.endpoint,
      region: target.region,
      forcePathStyle: target.provider !== 'aws',
      credentials: { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey },
      // GCS interoperability and several S3-compatible servers refuse the SDK's default flexible checksums.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts,
      // A wrong region is the customer's to fix, not something to follow silently.
      followRegionRedirects: false,
      requestHandler: {
        httpAgent: new HttpAgent({ lookup }),
        httpsAgent: new HttpsAgent({ lookup }),
        connectionTimeout: this.timeouts.connectMs,
        requestTimeout,
      },
    });
  }

  private failure(error: unknown, context: FailureContext, target: DestinationTarget): StorageFailure {
    const failure = classifyStorageError(error, context);
    return new StorageFailure(
      failure.reason,
      withoutSecret(failure.message, target.secretAccessKey),
      withoutSecret(failure.storageMessage, target.secretAccessKey),
    );
  }
}

function asUploadable(body: UploadBody): Buffer | string | Readable {
  if (typeof body === 'string' || Buffer.isBuffer(body) || body instanceof Readable) return body;
  return new Readable().wrap(body);
}

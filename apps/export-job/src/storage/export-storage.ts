import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Readable } from 'node:stream';

export interface StorageConfig {
  endpoint: string;
  publicEndpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
  forcePathStyle: boolean;
  maxAttempts: number;
}

/** Where export files go: the S3 adapter (tested against a real S3 server by the end-to-end tests). */
export abstract class ExportStorage {
  /** Streams `body` to `key` with a multipart upload; `signal` aborts it. */
  abstract upload(key: string, body: Readable, contentType: string, signal: AbortSignal): Promise<void>;
  abstract put(key: string, body: string, contentType: string): Promise<void>;
  /** A GET link valid `expiresInSeconds` from `signedAt`. */
  abstract presign(key: string, signedAt: Date, expiresInSeconds: number): Promise<string>;
  /** Deletes every object under `prefix`; answers how many. */
  abstract deletePrefix(prefix: string): Promise<number>;
  /** The object's bytes as a stream (a scheduled run copies its files into the customer's destination). */
  abstract read(key: string, signal: AbortSignal): Promise<Readable>;
}

export const PART_SIZE = 5 * 1024 * 1024;

@Injectable()
export class S3ExportStorage extends ExportStorage implements OnApplicationShutdown {
  private readonly client: S3Client;
  private readonly presigner: S3Client;

  constructor(private readonly config: StorageConfig) {
    super();
    const base = (endpoint: string): S3ClientConfig => ({
      ...(endpoint ? { endpoint } : {}),
      region: config.region,
      forcePathStyle: config.forcePathStyle,
      credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: config.maxAttempts,
    });
    this.client = new S3Client(base(config.endpoint));
    this.presigner = config.publicEndpoint ? new S3Client(base(config.publicEndpoint)) : this.client;
  }

  async upload(key: string, body: Readable, contentType: string, signal: AbortSignal): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.config.bucket, Key: key, Body: body, ContentType: contentType },
      // Two 5 MB parts in flight: memory per upload stays about 10 MB whatever the file size.
      queueSize: 2,
      partSize: PART_SIZE,
      leavePartsOnError: false,
    });
    const abort = () => void upload.abort().catch(() => undefined);
    if (signal.aborted) abort();
    signal.addEventListener('abort', abort, { once: true });
    try {
      await upload.done();
    } finally {
      signal.removeEventListener('abort', abort);
    }
  }

  async put(key: string, body: string, contentType: string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.config.bucket, Key: key, Body: body, ContentType: contentType }));
  }

  presign(key: string, signedAt: Date, expiresInSeconds: number): Promise<string> {
    return getSignedUrl(this.presigner, new GetObjectCommand({ Bucket: this.config.bucket, Key: key }), {
      expiresIn: expiresInSeconds,
      signingDate: signedAt,
    });
  }

  async deletePrefix(prefix: string): Promise<number> {
    let deleted = 0;
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.config.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) {
        if (!object.Key) continue;
        await this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: object.Key }));
        deleted++;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return deleted;
  }

  async read(key: string, signal: AbortSignal): Promise<Readable> {
    const object = await this.client.send(new GetObjectCommand({ Bucket: this.config.bucket, Key: key }), {
      abortSignal: signal,
    });
    if (!(object.Body instanceof Readable)) throw new Error(`no body for ${key}`);
    return object.Body;
  }

  onApplicationShutdown(): void {
    this.client.destroy();
    if (this.presigner !== this.client) this.presigner.destroy();
  }
}

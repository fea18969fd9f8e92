import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { ExportFormat, RowFormatter } from './row-formatter';

export interface RowBatchLike {
  rowsJson: string[];
  columns: string[];
}

export interface WrittenFile {
  rows: number;
  /** Size of the compressed file. */
  bytes: number;
  /** SHA-256 of the compressed file, hex. */
  sha256: string;
}

/** Text is handed to gzip in chunks of about this size: gzip runs on libuv's thread pool, per chunk. */
export const CHUNK_CHARS = 64 * 1024;

export class RowSourceError extends Error {}
export class UploadError extends Error {}

/**
 * Batches -> formatter -> gzip -> (count, hash) -> `sink`, with backpressure all along: the row source is
 * read only as fast as gzip and the sink take the data, so memory stays bounded by a few chunks.
 * `sink` receives a readable stream of the compressed file and resolves when it has stored it.
 */
export async function writeExportFile(
  batches: AsyncIterable<RowBatchLike>,
  format: ExportFormat,
  gzipLevel: number,
  sink: (body: Readable) => Promise<void>,
  signal: AbortSignal,
): Promise<WrittenFile> {
  const formatter = new RowFormatter(format);
  async function* texts(): AsyncIterable<string> {
    let pending = formatter.start();
    try {
      for await (const batch of batches) {
        pending += formatter.batch(batch.rowsJson, batch.columns);
        if (pending.length >= CHUNK_CHARS) {
          yield pending;
          pending = '';
        }
      }
    } catch (error) {
      if (signal.aborted) throw error;
      throw new RowSourceError(`reading rows from aggregation failed: ${(error as Error).message}`);
    }
    yield pending + formatter.end();
  }
  const written = await writeGzipFile(texts(), gzipLevel, sink, signal);
  return { rows: formatter.rowCount, ...written };
}

/** Text chunks -> gzip -> (count, hash) -> `sink`, with backpressure; answers the compressed size and SHA-256. */
export async function writeGzipFile(
  texts: AsyncIterable<string>,
  gzipLevel: number,
  sink: (body: Readable) => Promise<void>,
  signal: AbortSignal,
): Promise<Omit<WrittenFile, 'rows'>> {
  const gzip = createGzip({ level: gzipLevel });
  const hash = createHash('sha256');
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  const body = new PassThrough();
  const compressed = pipeline(gzip, counter, body);
  const stored = sink(body).catch((error: unknown) => {
    throw new UploadError(`S3 upload failed: ${(error as Error).message}`);
  });

  const produce = async () => {
    for await (const text of texts) {
      if (text.length > 0 && !gzip.write(Buffer.from(text))) await once(gzip, 'drain', { signal });
    }
    gzip.end();
  };

  try {
    await Promise.all([produce(), compressed, stored]);
  } catch (error) {
    gzip.destroy();
    body.destroy();
    throw error;
  }
  return { bytes, sha256: hash.digest('hex') };
}

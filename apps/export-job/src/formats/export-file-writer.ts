import type { ParquetWriter } from '@dsnp/parquetjs';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ExportDataType } from '../jobs/partition-planner';
import { compressor, ExportCompression } from './file-encoding';
import { PARQUET_TABLES, ParquetCodec, ParquetTyping } from './parquet-schema';
import { ExportFormat, RowFormatter } from './row-formatter';

export interface RowBatchLike {
  rowsJson: string[];
  columns: string[];
}

export interface WrittenFile {
  rows: number;
  /** Size of the stored (compressed) file. */
  bytes: number;
  /** SHA-256 of the stored (compressed) file, hex. */
  sha256: string;
}

/** How one export file is written. */
export interface FileEncoding {
  format: ExportFormat;
  /** Absent: gzip. */
  compression?: ExportCompression;
  gzipLevel: number;
  /** The rows' data type: Parquet's column types follow it (required for parquet). */
  dataType?: ExportDataType;
}

/** Text is handed to the compressor in chunks of about this size: gzip runs on libuv's thread pool, per chunk. */
export const CHUNK_CHARS = 64 * 1024;

/**
 * Rows per Parquet row group: the writer holds one row group's rows (shredded into columns) in memory, then
 * encodes and streams it out, so memory is bounded by this many rows whatever the file's size.
 */
export const PARQUET_ROW_GROUP_SIZE = 10_000;

export class RowSourceError extends Error {}
export class UploadError extends Error {}

/**
 * Batches -> formatter -> compressor -> (count, hash) -> `sink`, with backpressure all along: the row source is
 * read only as fast as the compressor and the sink take the data, so memory stays bounded by a few chunks
 * (Parquet: by one row group). `sink` receives a readable stream of the stored file and resolves when it has
 * stored it. The same rows give the same bytes (gzip, zstd and parquetjs embed no time), so a retried
 * partition overwrites its object with an identical one.
 */
export async function writeExportFile(
  batches: AsyncIterable<RowBatchLike>,
  encoding: FileEncoding,
  sink: (body: Readable) => Promise<void>,
  signal: AbortSignal,
): Promise<WrittenFile> {
  const compression = encoding.compression ?? 'gzip';
  if (encoding.format === 'parquet') {
    if (!encoding.dataType) throw new Error('a Parquet file needs its data type');
    if (compression === 'zstd') throw new Error('compression zstd is not available with format parquet');
    return writeParquetFile(batches, encoding.dataType, compression === 'none' ? 'UNCOMPRESSED' : 'GZIP', sink, signal);
  }
  const formatter = new RowFormatter(encoding.format);
  async function* texts(): AsyncIterable<string> {
    let pending = formatter.start();
    for await (const batch of sourced(batches, signal)) {
      pending += formatter.batch(batch.rowsJson, batch.columns);
      if (pending.length >= CHUNK_CHARS) {
        yield pending;
        pending = '';
      }
    }
    yield pending + formatter.end();
  }
  const written = await writeCompressedFile(texts(), compression, encoding.gzipLevel, sink, signal);
  return { rows: formatter.rowCount, ...written };
}

/** Batches of one data type -> Parquet (typed columns, row groups of PARQUET_ROW_GROUP_SIZE) -> (count, hash) -> `sink`. */
export async function writeParquetFile(
  batches: AsyncIterable<RowBatchLike>,
  dataType: ExportDataType,
  codec: ParquetCodec,
  sink: (body: Readable) => Promise<void>,
  signal: AbortSignal,
): Promise<WrittenFile> {
  return writeParquetRecords(
    (async function* () {
      let typing: ParquetTyping | undefined;
      for await (const batch of sourced(batches, signal)) {
        if (!typing && (batch.columns.length > 0 || batch.rowsJson.length > 0)) {
          typing = new ParquetTyping(
            dataType,
            batch.columns.length > 0 ? batch.columns : PARQUET_TABLES[dataType].columns,
            codec,
          );
          yield typing;
        }
        if (!typing) continue;
        for (const row of batch.rowsJson) yield typing.record(JSON.parse(row) as Record<string, unknown>);
      }
      if (!typing) yield new ParquetTyping(dataType, PARQUET_TABLES[dataType].columns, codec);
    })(),
    sink,
    signal,
  );
}

/**
 * Writes a Parquet file from a typing (first) and then its records, with backpressure: each row group is
 * written out and taken by the sink before more records are read. Also used to rewrite a stored file.
 */
export async function writeParquetRecords(
  items: AsyncIterable<ParquetTyping | Record<string, unknown>>,
  sink: (body: Readable) => Promise<void>,
  signal: AbortSignal,
): Promise<WrittenFile> {
  const { counter, body, result } = countingStream();
  const stored = pipeline(counter, body);
  const uploaded = sink(body).catch((error: unknown) => {
    throw new UploadError(`S3 upload failed: ${(error as Error).message}`);
  });
  let rows = 0;
  const produce = async () => {
    // Loaded on first use: parquetjs pulls in thrift, which only Parquet files need.
    const parquet = await import('@dsnp/parquetjs');
    let writer: ParquetWriter | undefined;
    for await (const item of items) {
      signal.throwIfAborted();
      if (item instanceof ParquetTyping) {
        // parquetjs writes through write(buffer, callback) and end(callback), which a Transform has.
        const output = counter as unknown as Parameters<typeof parquet.ParquetWriter.openStream>[1];
        const schema = new parquet.ParquetSchema(item.definition);
        writer = await parquet.ParquetWriter.openStream(schema, output, { rowGroupSize: PARQUET_ROW_GROUP_SIZE });
        continue;
      }
      if (!writer) throw new Error('Parquet records arrived before their schema');
      await writer.appendRow(item);
      rows++;
      if (counter.writableNeedDrain) await once(counter, 'drain', { signal });
    }
    if (!writer) throw new Error('a Parquet file needs a schema');
    await writer.close();
  };
  try {
    await Promise.all([produce(), stored, uploaded]);
  } catch (error) {
    counter.destroy();
    body.destroy();
    throw error;
  }
  return { rows, ...result() };
}

/** Text chunks -> gzip -> (count, hash) -> `sink`, with backpressure; answers the compressed size and SHA-256. */
export function writeGzipFile(
  texts: AsyncIterable<string>,
  gzipLevel: number,
  sink: (body: Readable) => Promise<void>,
  signal: AbortSignal,
): Promise<Omit<WrittenFile, 'rows'>> {
  return writeCompressedFile(texts, 'gzip', gzipLevel, sink, signal);
}

/** Text chunks -> gzip | zstd | nothing -> (count, hash) -> `sink`, with backpressure; answers the stored size and SHA-256. */
export async function writeCompressedFile(
  texts: AsyncIterable<string>,
  compression: ExportCompression,
  gzipLevel: number,
  sink: (body: Readable) => Promise<void>,
  signal: AbortSignal,
): Promise<Omit<WrittenFile, 'rows'>> {
  const compress = compressor(compression, gzipLevel);
  const { counter, body, result } = countingStream();
  const compressed = pipeline(compress, counter, body);
  const stored = sink(body).catch((error: unknown) => {
    throw new UploadError(`S3 upload failed: ${(error as Error).message}`);
  });

  const produce = async () => {
    for await (const text of texts) {
      if (text.length > 0 && !compress.write(Buffer.from(text))) await once(compress, 'drain', { signal });
    }
    compress.end();
  };

  try {
    await Promise.all([produce(), compressed, stored]);
  } catch (error) {
    compress.destroy();
    body.destroy();
    throw error;
  }
  return result();
}

/** A pass-through that counts and hashes what the sink gets. */
function countingStream(): { counter: Transform; body: PassThrough; result: () => Omit<WrittenFile, 'rows'> } {
  const hash = createHash('sha256');
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  return { counter, body: new PassThrough(), result: () => ({ bytes, sha256: hash.digest('hex') }) };
}

/** The batches, with a failure of the row source (not an abort) told apart from the file's own failures. */
async function* sourced<T>(batches: AsyncIterable<T>, signal: AbortSignal): AsyncIterable<T> {
  const iterator = batches[Symbol.asyncIterator]();
  let done = false;
  try {
    for (;;) {
      let next: IteratorResult<T>;
      try {
        next = await iterator.next();
      } catch (error) {
        done = true;
        if (signal.aborted) throw error;
        throw new RowSourceError(`reading rows from aggregation failed: ${(error as Error).message}`);
      }
      if (next.done) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    // The file failed before the source ended: close the source (a row stream) too.
    if (!done) await iterator.return?.();
  }
}

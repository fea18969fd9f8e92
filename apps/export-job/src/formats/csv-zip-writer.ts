import { COMPANY_FEATURE_LIST_COLUMNS, CsvDialect, CsvWriter } from '@exportd/csv';
import { createHash } from 'node:crypto';
import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ZipFile } from 'yazl';
import { CHUNK_CHARS, RowBatchLike, RowSourceError, UploadError, WrittenFile } from './export-file-writer';

/** One CSV of the zip: its name inside the zip and its rows, opened only when the zip gets to it. */
export interface ZipCsvEntry {
  name: string;
  batches: () => AsyncIterable<RowBatchLike>;
}

export interface ZipOptions {
  dialect: CsvDialect;
  /** The entries' modification time: fixed (the job's creation), so a redone partition writes the same bytes. */
  mtime: Date;
  compressionLevel: number;
}

/**
 * Streams CSVs into one zip and the zip to `sink`: each entry's rows are read batch by batch, formatted, deflated
 * by yazl and passed on with backpressure all along, one entry after the other, so memory holds a few chunks
 * whatever the export's size. `rows` counts the data rows of every entry; `bytes` and `sha256` are the zip's.
 */
export async function writeCsvZip(
  entries: readonly ZipCsvEntry[],
  options: ZipOptions,
  sink: (body: Readable) => Promise<void>,
  signal: AbortSignal,
): Promise<WrittenFile> {
  const zip = new ZipFile();
  const hash = createHash('sha256');
  let bytes = 0;
  let rows = 0;
  let fail: (error: Error) => void = () => undefined;
  // yazl does not report a failed entry stream (it only pipes it): the entry's error fails the whole zip here.
  const failed = new Promise<never>((_resolve, reject) => (fail = reject));
  // Handled here: an entry can still fail after the race was decided (its stream aborted with the upload).
  failed.catch(() => undefined);
  zip.on('error', (error: Error) => fail(error));
  for (const entry of entries) {
    zip.addReadStreamLazy(entry.name, { mtime: options.mtime, compressionLevel: options.compressionLevel }, (callback) => {
      const csv = Readable.from(csvChunks(entry, options.dialect, (n) => (rows += n), signal));
      csv.on('error', (error: Error) => fail(error));
      callback(null, csv);
    });
  }
  zip.end();
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  const body = new PassThrough();
  const zipped = pipeline(zip.outputStream, counter, body);
  const stored = sink(body).catch((error: unknown) => {
    throw new UploadError(`S3 upload failed: ${(error as Error).message}`);
  });
  try {
    await Promise.race([Promise.all([zipped, stored]), failed]);
  } catch (error) {
    counter.destroy();
    body.destroy();
    throw error;
  }
  return { rows, bytes, sha256: hash.digest('hex') };
}

/** One entry's CSV text in chunks of about CHUNK_CHARS: the header with the first batch (alone when there is no row). */
async function* csvChunks(
  entry: ZipCsvEntry,
  dialect: CsvDialect,
  countRows: (n: number) => void,
  signal: AbortSignal,
): AsyncIterable<Buffer> {
  let writer: CsvWriter | undefined;
  let pending = '';
  try {
    for await (const batch of entry.batches()) {
      if (!writer && batch.columns.length > 0) {
        writer = new CsvWriter(batch.columns, { dialect, listColumns: COMPANY_FEATURE_LIST_COLUMNS });
        pending += writer.header();
      }
      if (batch.rowsJson.length === 0) continue;
      if (!writer) throw new Error('rows arrived before their columns');
      pending += writer.rows(batch.rowsJson.map((row) => JSON.parse(row) as Record<string, unknown>));
      countRows(batch.rowsJson.length);
      if (pending.length >= CHUNK_CHARS) {
        yield Buffer.from(pending);
        pending = '';
      }
    }
  } catch (error) {
    if (signal.aborted) throw error;
    throw new RowSourceError(`reading the rows of ${entry.name} from aggregation failed: ${(error as Error).message}`);
  }
  if (pending.length > 0) yield Buffer.from(pending);
}

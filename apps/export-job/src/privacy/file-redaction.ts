import { csvCell, CsvDialect, neutraliseFormula, noNewlineCell } from '@exportd/csv';
import { parse } from 'csv-parse';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Entry, open as openZip, ZipFile as ZipReader } from 'yauzl';
import { ZipFile } from 'yazl';
import { CHUNK_CHARS, writeCompressedFile, writeParquetRecords } from '../formats/export-file-writer';
import { decompressor, ExportCompression } from '../formats/file-encoding';
import { ParquetTyping } from '../formats/parquet-schema';
import { ExportFormat, RowFormatter } from '../formats/row-formatter';

/*
 * Rewrites a stored export file without one user's rows. A row is the user's when a user-id column holds the
 * user's id (it is dropped); a row that lists the user among others (a company's user ids) loses that one
 * item. Columns are found by their return name or display name, so Coveo tables with display names and
 * chosen dimensions are covered; a file without such a column (company_features) holds nothing to remove.
 * Rows that are not changed are written back exactly as they were (JSON rows pass through as text; CSV cells
 * are re-encoded by the same writer rules, which reproduce them byte for byte).
 */

const USER_ID_COLUMNS = ['user_id', 'User ID'];
const USER_LIST_COLUMNS = ['user_ids', 'User IDs'];

/**
 * How a stored file is encoded: a json / jsonl / csv file compressed whole (gzip when `compression` is absent,
 * zstd, or none), a Parquet file (its pages GZIP or UNCOMPRESSED by `compression`), or a zip of CSV tables
 * (Coveo). A rewritten file keeps the encoding.
 */
export type StoredFileKind = { format: ExportFormat; compression?: ExportCompression } | { zipDialect: CsvDialect };

export interface RedactionCount {
  /** Rows dropped (the user's own). */
  removedRows: number;
  /** Rows kept with the user taken out of a list. */
  editedRows: number;
  /** Data rows the file holds afterwards. */
  keptRows: number;
}

export interface RedactedFile extends RedactionCount {
  bytes: number;
  sha256: string;
}

export interface RedactionOptions {
  userId: string;
  /** Opens the stored file (called once per pass). */
  read: () => Promise<Readable>;
  /** Stores the rewritten file; absent: only count (the first pass, to rewrite only files that change). */
  sink?: (body: Readable) => Promise<void>;
  gzipLevel: number;
  signal: AbortSignal;
}

const emptyCount = (): RedactionCount => ({ removedRows: 0, editedRows: 0, keptRows: 0 });

/** Counts (without `sink`) or rewrites (with it) one stored file; bytes and sha256 are the rewritten file's. */
export async function redactStoredFile(kind: StoredFileKind, options: RedactionOptions): Promise<RedactedFile> {
  if ('zipDialect' in kind) return redactZip(kind.zipDialect, options);
  const compression = kind.compression ?? 'gzip';
  if (kind.format === 'parquet') return redactParquet(compression, options);
  const count = emptyCount();
  const text = decompressed(await options.read(), compression);
  const texts =
    kind.format === 'csv'
      ? redactCsv(text, 'rfc4180', options.userId, count)
      : redactJsonRows(kind.format, createInterface({ input: text, crlfDelay: Infinity }), options.userId, count);
  if (!options.sink) {
    for await (const text of texts) void text;
    return { ...count, bytes: 0, sha256: '' };
  }
  const written = await writeCompressedFile(texts, compression, options.gzipLevel, options.sink, options.signal);
  return { ...count, ...written };
}

function decompressed(body: Readable, compression: ExportCompression): Readable {
  const decompress = decompressor(compression);
  body.on('error', (error) => decompress.destroy(error));
  return body.pipe(decompress);
}

/**
 * A Parquet file: copied to a temporary file (Parquet is read from its footer), read row group by row group,
 * and rewritten with the same columns, types and page codec; unchanged rows keep their values exactly.
 */
async function redactParquet(compression: ExportCompression, options: RedactionOptions): Promise<RedactedFile> {
  const dir = await mkdtemp(join(tmpdir(), 'exportd-redact-'));
  const path = join(dir, 'export.parquet');
  try {
    await pipeline(await options.read(), createWriteStream(path));
    // Loaded on first use: parquetjs pulls in thrift, which only Parquet files need.
    const { ParquetReader } = await import('@dsnp/parquetjs');
    const reader = await ParquetReader.openFile(path);
    try {
      const count = emptyCount();
      const columns = reader.getSchema().fieldList.map((field) => field.name);
      const typing = ParquetTyping.forColumns(columns, compression === 'none' ? 'UNCOMPRESSED' : 'GZIP');
      async function* records(): AsyncIterable<ParquetTyping | Record<string, unknown>> {
        yield typing;
        const cursor = reader.getCursor();
        for (;;) {
          const row = (await cursor.next()) as Record<string, unknown> | null;
          if (!row) return;
          const redacted = redactRow(row, options.userId, (value) => value === options.userId, listOf, count);
          if (redacted !== null) yield redacted;
        }
      }
      if (!options.sink) {
        for await (const record of records()) void record;
        return { ...count, bytes: 0, sha256: '' };
      }
      const written = await writeParquetRecords(records(), options.sink, options.signal);
      return { ...count, bytes: written.bytes, sha256: written.sha256 };
    } finally {
      await reader.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** json: `[`, one row per line (with a trailing comma but the last), `]`; jsonl: one row per line. */
async function* redactJsonRows(
  format: 'json' | 'jsonl',
  lines: AsyncIterable<string>,
  userId: string,
  count: RedactionCount,
): AsyncIterable<string> {
  const formatter = new RowFormatter(format);
  let pending = formatter.start();
  for await (const line of lines) {
    const text = format === 'json' ? line.replace(/,$/, '') : line;
    if (!text.startsWith('{')) continue;
    const row = JSON.parse(text) as Record<string, unknown>;
    const redacted = redactRow(row, userId, (value) => value === userId, listOf, count);
    if (redacted === null) continue;
    pending += formatter.batch([redacted === row ? text : JSON.stringify(redacted)], []);
    if (pending.length >= CHUNK_CHARS) {
      yield pending;
      pending = '';
    }
  }
  yield pending + formatter.end();
}

const listOf = (value: unknown): string[] | null => (Array.isArray(value) ? (value as string[]) : null);

/**
 * The row without the user: null when it is the user's, the same object when the user is not in it, else a
 * copy with the user taken out of its lists. Counts what it did.
 */
function redactRow<T>(
  row: Record<string, T>,
  userId: string,
  isUser: (value: T) => boolean,
  readList: (value: T) => string[] | null,
  count: RedactionCount,
  writeList: (items: string[]) => T = (items) => items as T,
): Record<string, T> | null {
  if (USER_ID_COLUMNS.some((column) => column in row && isUser(row[column] as T))) {
    count.removedRows++;
    return null;
  }
  let out = row;
  for (const column of USER_LIST_COLUMNS) {
    if (!(column in row)) continue;
    const items = readList(row[column] as T);
    if (!items?.includes(userId)) continue;
    if (out === row) out = { ...row };
    out[column] = writeList(items.filter((item) => item !== userId));
  }
  if (out !== row) count.editedRows++;
  count.keptRows++;
  return out;
}

/** A CSV's records (header first), each as its cells. */
async function* csvRecords(text: Readable, dialect: CsvDialect): AsyncIterable<string[]> {
  if (dialect === 'no_newline') {
    // One record per line: no value holds a line break in this dialect.
    for await (const line of createInterface({ input: text, crlfDelay: Infinity }))
      if (line.length > 0) yield noNewlineFields(line);
    return;
  }
  // RFC 4180 records can hold quoted line breaks: csv-parse reads the text as it is.
  for await (const record of text.pipe(parse({ record_delimiter: '\r\n', relax_column_count: true }))) yield record as string[];
}

/**
 * One NO_NEWLINE record (libs/csv's noNewlineCell): fields split on commas outside quotes; inside quotes `\"`,
 * `\\`, `\r` and `\n` stand for `"`, `\`, CR and LF.
 */
export function noNewlineFields(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i] as string;
    if (quoted) {
      if (char === '\\') {
        const next = line[++i] ?? '';
        field += next === 'n' ? '\n' : next === 'r' ? '\r' : next;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      fields.push(field);
      field = '';
    } else field += char;
  }
  fields.push(field);
  return fields;
}

/** Each record is written back with the dialect's own record end. */
async function* redactCsv(text: Readable, dialect: CsvDialect, userId: string, count: RedactionCount): AsyncIterable<string> {
  const cell = dialect === 'no_newline' ? noNewlineCell : csvCell;
  const end = dialect === 'no_newline' ? '\n' : '\r\n';
  const encode = (cells: readonly string[]) => `${cells.map(cell).join(',')}${end}`;
  // A text cell is written neutralised (a leading `'` before a formula character): the user's id as written.
  const written = neutraliseFormula(userId);
  let columns: string[] | null = null;
  let pending = '';
  for await (const cells of csvRecords(text, dialect)) {
    if (!columns) {
      columns = cells;
      pending += encode(cells);
      continue;
    }
    const row = Object.fromEntries(columns.map((column, i) => [column, cells[i] ?? ''])) as Record<string, string>;
    const redacted = redactRow(
      row,
      userId,
      (value) => value === written || value === userId,
      parseList,
      count,
      (items) => JSON.stringify(items),
    );
    if (redacted === null) continue;
    pending += encode(redacted === row ? cells : columns.map((column) => redacted[column] ?? ''));
    if (pending.length >= CHUNK_CHARS) {
      yield pending;
      pending = '';
    }
  }
  yield pending;
}

/** A list cell as the CSV writers write arrays: its JSON text. */
function parseList(cell: string): string[] | null {
  if (!cell.startsWith('[')) return null;
  try {
    const value = JSON.parse(cell) as unknown;
    return Array.isArray(value) ? (value as string[]) : null;
  } catch {
    return null;
  }
}

/**
 * A zip of CSV tables: read from a temporary copy (a zip's directory is at its end), each entry redacted into
 * a new zip with the same names and modification times.
 */
async function redactZip(dialect: CsvDialect, options: RedactionOptions): Promise<RedactedFile> {
  const dir = await mkdtemp(join(tmpdir(), 'exportd-redact-'));
  const path = join(dir, 'export.zip');
  try {
    await pipeline(await options.read(), createWriteStream(path));
    const reader = await new Promise<ZipReader>((resolve, reject) =>
      openZip(path, { lazyEntries: true }, (error, zip) => (error ? reject(error) : resolve(zip))),
    );
    try {
      return await rewriteZip(reader, dialect, options);
    } finally {
      reader.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function rewriteZip(reader: ZipReader, dialect: CsvDialect, options: RedactionOptions): Promise<RedactedFile> {
  const count = emptyCount();
  const output = options.sink ? new ZipFile() : null;
  const hash = createHash('sha256');
  let bytes = 0;
  let stored: Promise<unknown> = Promise.resolve();
  if (output) {
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length;
        hash.update(chunk);
        callback(null, chunk);
      },
    });
    const body = new PassThrough();
    stored = Promise.all([pipeline(output.outputStream, counter, body), options.sink?.(body)]);
    stored.catch(() => undefined);
  }
  for (let entry = await nextEntry(reader); entry; entry = await nextEntry(reader)) {
    const text = redactCsv(await openEntry(reader, entry), dialect, options.userId, count);
    if (!output) {
      for await (const chunk of text) void chunk;
      continue;
    }
    // One entry at a time: its text is produced (and its source read) only as fast as the zip takes it.
    const source = Readable.from(asBuffers(text));
    output.addReadStream(source, entry.fileName, { mtime: entry.getLastModDate(), compressionLevel: options.gzipLevel });
    await new Promise<void>((resolve, reject) => source.once('end', resolve).once('error', reject));
  }
  output?.end();
  await stored;
  return { ...count, bytes, sha256: output ? hash.digest('hex') : '' };
}

function nextEntry(reader: ZipReader): Promise<Entry | null> {
  return new Promise((resolve, reject) => {
    const cleanup = () => reader.off('entry', onEntry).off('end', onEnd).off('error', onError);
    const onEntry = (entry: Entry) => (cleanup(), resolve(entry));
    const onEnd = () => (cleanup(), resolve(null));
    const onError = (error: Error) => (cleanup(), reject(error));
    reader.on('entry', onEntry).on('end', onEnd).on('error', onError);
    reader.readEntry();
  });
}

function openEntry(reader: ZipReader, entry: Entry): Promise<Readable> {
  return new Promise((resolve, reject) =>
    reader.openReadStream(entry, (error, stream) => (error ? reject(error) : resolve(stream))),
  );
}

async function* asBuffers(texts: AsyncIterable<string>): AsyncIterable<Buffer> {
  for await (const text of texts) yield Buffer.from(text);
}

import { Transform } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import { CompressStream, DecompressStream } from 'zstd-napi';
import { ExportFormat } from './row-formatter';

/**
 * How an export file is encoded: its format and its compression.
 * - json, jsonl, csv: the whole file text goes through gzip (`.gz`, the default), zstd (`.zst`, zstd-napi's
 *   streaming compressor at level ZSTD_LEVEL) or nothing (plain `.json`, `.jsonl`, `.csv`).
 * - parquet: never wrapped (`.parquet`); `gzip` compresses its column pages with Parquet's own GZIP codec,
 *   `none` leaves them UNCOMPRESSED, and `zstd` is refused when the job is created (@dsnp/parquetjs has no
 *   ZSTD codec), see `compressionRefusal`.
 */
export const EXPORT_COMPRESSIONS = ['gzip', 'zstd', 'none'] as const;
export type ExportCompression = (typeof EXPORT_COMPRESSIONS)[number];

/** zstd's own default level: about gzip 6's ratio at several times its speed. */
export const ZSTD_LEVEL = 3;

const PLAIN_EXTENSION: Record<ExportFormat, string> = { json: 'json', jsonl: 'jsonl', csv: 'csv', parquet: 'parquet' };
const PLAIN_CONTENT_TYPE: Record<ExportFormat, string> = {
  json: 'application/json',
  jsonl: 'application/x-ndjson',
  csv: 'text/csv; charset=utf-8',
  parquet: 'application/vnd.apache.parquet',
};

/** `jsonl.gz`, `csv.zst`, `json`, `parquet`... */
export function fileExtension(format: ExportFormat, compression: ExportCompression = 'gzip'): string {
  const plain = PLAIN_EXTENSION[format];
  if (format === 'parquet' || compression === 'none') return plain;
  return compression === 'zstd' ? `${plain}.zst` : `${plain}.gz`;
}

/** The stored object's Content-Type (what a download answers). */
export function contentType(format: ExportFormat, compression: ExportCompression = 'gzip'): string {
  if (format === 'parquet' || compression === 'none') return PLAIN_CONTENT_TYPE[format];
  return compression === 'zstd' ? 'application/zstd' : 'application/gzip';
}

/** The Content-Type of a stored export object by its name (schedule copies, rewritten files). */
export function contentTypeOfName(name: string): string {
  if (name.endsWith('.gz')) return 'application/gzip';
  if (name.endsWith('.zst')) return 'application/zstd';
  if (name.endsWith('.zip')) return 'application/zip';
  const format = (Object.keys(PLAIN_EXTENSION) as ExportFormat[]).find((f) => name.endsWith(`.${PLAIN_EXTENSION[f]}`));
  return format ? PLAIN_CONTENT_TYPE[format] : 'application/octet-stream';
}

/** Why a format and compression cannot go together, or null when they can. */
export function compressionRefusal(format: ExportFormat, compression: ExportCompression): string | null {
  return format === 'parquet' && compression === 'zstd'
    ? 'compression zstd is not available with format parquet (gzip compresses its pages, none leaves them plain)'
    : null;
}

/** The stream that compresses a text file's bytes (a pass-through for `none`). */
export function compressor(compression: ExportCompression, gzipLevel: number): Transform {
  switch (compression) {
    case 'gzip':
      return createGzip({ level: gzipLevel });
    case 'zstd':
      return new CompressStream({ compressionLevel: ZSTD_LEVEL });
    case 'none':
      return new Transform({ transform: (chunk, _encoding, callback) => callback(null, chunk) });
  }
}

/** The stream that undoes `compressor`. */
export function decompressor(compression: ExportCompression): Transform {
  switch (compression) {
    case 'gzip':
      return createGunzip();
    case 'zstd':
      return new DecompressStream();
    case 'none':
      return new Transform({ transform: (chunk, _encoding, callback) => callback(null, chunk) });
  }
}

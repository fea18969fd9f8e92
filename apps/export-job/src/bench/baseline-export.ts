/**
 * The benchmark's baseline (run by bench/export/run.ts as its own process): reads an app's events straight
 * from the database driver's cursor, encodes each row as aggregation does (same JSON text, same column
 * order), and writes it through the export path's own formatter and gzip (writeExportFile) into a local
 * file. No gRPC, no S3: what the full path is measured against.
 *
 * Env: MONGO_URL, APP_ID, FORMAT (json|jsonl|csv|parquet), COMPRESSION (gzip|zstd|none, default gzip), OUT (file),
 * EXPORT_GZIP_LEVEL (default 6).
 * Prints one JSON line: {"rows","bytes","seconds","peakRssMb"}.
 */
import { RAW_COLLECTIONS, TrackingCallRecord, EXPORT_EVENT_TYPE } from '@exportd/records';
import mongoose from 'mongoose';
import { createWriteStream, readFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { RowBatchLike, writeExportFile } from '../formats/export-file-writer';
import { ExportCompression } from '../formats/file-encoding';
import { ExportFormat } from '../formats/row-formatter';

const COLUMNS = [
  'event_type',
  'event_name',
  'user_id',
  'company_id',
  'timestamp',
  'day',
  'message_id',
  'feature_id',
  'score',
  'comment',
  'attributes',
];
const str = (v: string | undefined | null) => (v === undefined || v === null ? 'null' : JSON.stringify(v));
const num = (v: number | undefined | null) => (typeof v === 'number' && Number.isFinite(v) ? String(v) : 'null');

/** Mirrors aggregation's encodeEventRow (apps/aggregation/src/rows/row-encoders.ts). */
function encode(call: TrackingCallRecord): string {
  return (
    `{"event_type":${str(EXPORT_EVENT_TYPE[call.type] ?? call.type)},"event_name":${str(call.event)},` +
    `"user_id":${str(call.userId)},"company_id":${str(call.companyId)},"timestamp":${call.timestamp ? `"${new Date(call.timestamp).toISOString()}"` : 'null'},` +
    `"day":${str(call.day)},"message_id":${str(call.messageId)},"feature_id":${str(call.featureId)},` +
    `"score":${num(call.score)},"comment":${str(call.comment)},"attributes":${call.attributes || '{}'}}`
  );
}

async function* batches(connection: mongoose.Connection, appId: string): AsyncGenerator<RowBatchLike> {
  const cursor = connection.collection(RAW_COLLECTIONS.calls).find({ appId }, { sort: { day: 1, _id: 1 }, batchSize: 1000 });
  let rows: string[] = [];
  let columns = COLUMNS;
  for await (const doc of cursor) {
    rows.push(encode(doc as unknown as TrackingCallRecord));
    if (rows.length >= 500) {
      yield { rowsJson: rows, columns };
      rows = [];
      columns = [];
    }
  }
  if (rows.length > 0 || columns.length > 0) yield { rowsJson: rows, columns };
}

async function main(): Promise<void> {
  const env = process.env;
  const connection = await mongoose.createConnection(env.MONGO_URL as string).asPromise();
  const started = performance.now();
  const written = await writeExportFile(
    batches(connection, env.APP_ID as string),
    {
      format: (env.FORMAT ?? 'jsonl') as ExportFormat,
      compression: (env.COMPRESSION ?? 'gzip') as ExportCompression,
      gzipLevel: Number(env.EXPORT_GZIP_LEVEL ?? 6),
      dataType: 'events',
    },
    (body) => pipeline(body, createWriteStream(env.OUT as string)),
    new AbortController().signal,
  );
  const seconds = (performance.now() - started) / 1000;
  const peakRssMb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN) / 1024;
  process.stdout.write(`${JSON.stringify({ ...written, seconds, peakRssMb })}\n`);
  await connection.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});

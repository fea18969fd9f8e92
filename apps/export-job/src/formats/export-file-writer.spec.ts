import { ParquetReader } from '@dsnp/parquetjs';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { decompress } from 'zstd-napi';
import { PARQUET_ROW_GROUP_SIZE, writeExportFile } from './export-file-writer';
import { contentType, fileExtension } from './file-encoding';

const signal = new AbortController().signal;
const COLUMNS = ['event_type', 'user_id', 'timestamp', 'day', 'score', 'attributes'];
const rows = Array.from({ length: 25 }, (_, i) => ({
  event_type: 'track',
  user_id: i % 3 === 0 ? null : `u${i}`,
  timestamp: new Date(Date.UTC(2024, 4, 1, 0, 0, i)).toISOString(),
  day: '2024-05-01',
  score: i % 2 === 0 ? null : i / 2,
  attributes: { n: i, nested: { ok: true } },
}));

async function* batches(all: Record<string, unknown>[]) {
  for (let i = 0; i < all.length; i += 10)
    yield { rowsJson: all.slice(i, i + 10).map((row) => JSON.stringify(row)), columns: COLUMNS };
}

async function write(format: 'jsonl' | 'parquet', compression: 'gzip' | 'zstd' | 'none', all = rows) {
  let file = Buffer.alloc(0);
  const written = await writeExportFile(
    batches(all),
    { format, compression, gzipLevel: 6, dataType: 'events' },
    async (body: Readable) => {
      const chunks: Buffer[] = [];
      for await (const chunk of body) chunks.push(chunk as Buffer);
      file = Buffer.concat(chunks);
    },
    signal,
  );
  expect(written.bytes).toBe(file.length);
  expect(written.sha256).toBe(createHash('sha256').update(file).digest('hex'));
  return { written, file };
}

const jsonl = (all: Record<string, unknown>[]) => all.map((row) => `${JSON.stringify(row)}\n`).join('');

describe(writeExportFile.name, () => {
  it('zstd: a zstd stream of the same text as gzip', async () => {
    const { written, file } = await write('jsonl', 'zstd');
    expect(written.rows).toBe(25);
    expect(decompress(file).toString()).toBe(jsonl(rows));
    expect(decompress(file).toString()).toBe(gunzipSync((await write('jsonl', 'gzip')).file).toString());
    expect((await write('jsonl', 'zstd')).file.equals(file)).toBe(true);
  });

  it('none: the plain text', async () => {
    const { written, file } = await write('jsonl', 'none');
    expect(written.rows).toBe(25);
    expect(file.toString()).toBe(jsonl(rows));
  });

  it.each(['gzip', 'none'] as const)(
    'parquet (%s pages): typed columns, read back row for row, same bytes twice',
    async (compression) => {
      const { written, file } = await write('parquet', compression);
      expect(written.rows).toBe(25);
      expect((await write('parquet', compression)).file.equals(file)).toBe(true);
      const reader = await ParquetReader.openBuffer(file);
      const fields = reader.getSchema().fields;
      expect(fields.timestamp?.originalType).toBe('TIMESTAMP_MILLIS');
      expect(fields.day?.originalType).toBe('DATE');
      expect(fields.score?.primitiveType).toBe('DOUBLE');
      expect(fields.user_id?.originalType).toBe('UTF8');
      // Parquet's CompressionCodec: 0 UNCOMPRESSED, 2 GZIP.
      const codecs = reader.metadata?.row_groups[0]?.columns.map((column) => column.meta_data?.codec);
      expect(new Set(codecs)).toEqual(new Set([compression === 'gzip' ? 2 : 0]));
      const read: Record<string, unknown>[] = [];
      const cursor = reader.getCursor();
      for (let row = await cursor.next(); row; row = await cursor.next()) read.push(row as Record<string, unknown>);
      await reader.close();
      expect(read).toHaveLength(25);
      read.forEach((row, i) => {
        const want = rows[i];
        expect(row.event_type).toBe(want?.event_type);
        expect(row.user_id ?? null).toBe(want?.user_id);
        expect((row.timestamp as Date).toISOString()).toBe(want?.timestamp);
        expect((row.day as Date).toISOString().slice(0, 10)).toBe(want?.day);
        expect(row.score ?? null).toBe(want?.score);
        expect(JSON.parse(row.attributes as string)).toEqual(want?.attributes);
      });
    },
  );

  it('parquet: streams row groups of PARQUET_ROW_GROUP_SIZE rows, and an empty file is a valid one', async () => {
    const many = Array.from({ length: PARQUET_ROW_GROUP_SIZE + 5 }, (_, i) => ({ ...rows[1], user_id: `u${i}` }));
    const reader = await ParquetReader.openBuffer((await write('parquet', 'gzip', many)).file);
    expect(reader.metadata?.row_groups).toHaveLength(2);
    expect(Number(reader.getRowCount())).toBe(many.length);
    await reader.close();
    const empty = await ParquetReader.openBuffer((await write('parquet', 'gzip', [])).file);
    expect(Number(empty.getRowCount())).toBe(0);
    await empty.close();
  });

  it('names and types files by format and compression', () => {
    expect(fileExtension('jsonl', 'gzip')).toBe('jsonl.gz');
    expect(fileExtension('csv', 'zstd')).toBe('csv.zst');
    expect(fileExtension('json', 'none')).toBe('json');
    expect(fileExtension('parquet', 'gzip')).toBe('parquet');
    expect(contentType('csv', 'zstd')).toBe('application/zstd');
    expect(contentType('csv', 'none')).toBe('text/csv; charset=utf-8');
    expect(contentType('parquet', 'gzip')).toBe('application/vnd.apache.parquet');
  });
});

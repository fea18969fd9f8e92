import { ParquetReader } from '@dsnp/parquetjs';
import { CsvDialect } from '@exportd/csv';
import { parse } from 'csv-parse/sync';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { fromBuffer, Entry } from 'yauzl';
import { decompress } from 'zstd-napi';
import { writeCsvZip } from '../formats/csv-zip-writer';
import { writeExportFile } from '../formats/export-file-writer';
import { ExportCompression } from '../formats/file-encoding';
import { ExportFormat, TextFormat } from '../formats/row-formatter';
import { noNewlineFields, redactStoredFile, StoredFileKind } from './file-redaction';

const ERASED = 'u-erased';
const EVENT_COLUMNS = ['event_type', 'user_id', 'company_id', 'comment', 'attributes'];
const events = [
  { event_type: 'track', user_id: ERASED, company_id: 'c1', comment: null, attributes: { plan: 'pro' } },
  { event_type: 'track', user_id: 'u-kept', company_id: 'c1', comment: 'line\r\nbreak, "quoted" \\ back', attributes: {} },
  { event_type: 'feedback', user_id: '=formula', company_id: null, comment: 'kept', attributes: { n: 5 } },
  { event_type: 'identify_company', user_id: ERASED, company_id: 'c2', comment: null, attributes: {} },
];
const COMPANY_COLUMNS = ['company_id', 'user_ids', 'attributes'];
const companies = [
  { company_id: 'c1', user_ids: ['u-kept', ERASED, 'u-other'], attributes: { name: 'Acme, Inc.' } },
  { company_id: 'c2', user_ids: ['u-kept'], attributes: {} },
];

async function collect(body: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function stored(write: (sink: (body: Readable) => Promise<void>) => Promise<unknown>): Promise<Buffer> {
  let file: Buffer = Buffer.alloc(0);
  await write(async (body) => {
    file = await collect(body);
  });
  return file;
}

async function* batches(rows: Record<string, unknown>[], columns: string[]) {
  yield { rowsJson: rows.map((row) => JSON.stringify(row)), columns };
}

const signal = new AbortController().signal;

function gzipFile(format: TextFormat, rows: Record<string, unknown>[], columns: string[]): Promise<Buffer> {
  return storedFile(format, 'gzip', rows, columns);
}

function storedFile(
  format: ExportFormat,
  compression: ExportCompression,
  rows: Record<string, unknown>[],
  columns: string[],
  dataType: 'events' | 'companies' = 'events',
): Promise<Buffer> {
  return stored((sink) => writeExportFile(batches(rows, columns), { format, compression, gzipLevel: 6, dataType }, sink, signal));
}

async function parquetRows(file: Buffer): Promise<Record<string, unknown>[]> {
  const reader = await ParquetReader.openBuffer(file);
  const rows: Record<string, unknown>[] = [];
  const cursor = reader.getCursor();
  for (let row = await cursor.next(); row; row = await cursor.next()) rows.push(row as Record<string, unknown>);
  await reader.close();
  return rows;
}

function zipFile(dialect: CsvDialect): Promise<Buffer> {
  const entries = [
    { name: 'events.csv', batches: () => batches(events, EVENT_COLUMNS) },
    { name: 'companies.csv', batches: () => batches(companies, COMPANY_COLUMNS) },
  ];
  return stored((sink) =>
    writeCsvZip(entries, { dialect, mtime: new Date('2026-01-01T00:00:00Z'), compressionLevel: 6 }, sink, signal),
  );
}

async function redact(kind: StoredFileKind, file: Buffer, userId = ERASED) {
  const read = () => Promise.resolve(Readable.from([file]));
  const counted = await redactStoredFile(kind, { userId, read, gzipLevel: 6, signal });
  let rewritten: Buffer = Buffer.alloc(0);
  const written = await redactStoredFile(kind, {
    userId,
    read,
    gzipLevel: 6,
    signal,
    sink: async (body) => {
      rewritten = await collect(body);
    },
  });
  return { counted, written, rewritten };
}

function zipEntries(zip: Buffer): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    const texts = new Map<string, string>();
    fromBuffer(zip, { lazyEntries: true }, (error, reader) => {
      if (error) return reject(error);
      reader.on('entry', (entry: Entry) =>
        reader.openReadStream(entry, (openError, stream) => {
          if (openError) return reject(openError);
          void collect(stream).then((text) => {
            texts.set(entry.fileName, text.toString());
            reader.readEntry();
          }, reject);
        }),
      );
      reader.on('end', () => resolve(texts));
      reader.readEntry();
    });
  });
}

describe('redacting a stored export file', () => {
  it.each(['json', 'jsonl'] as const)('drops the user rows of a %s file and takes the user out of lists', async (format) => {
    const eventFile = await gzipFile(format, events, EVENT_COLUMNS);
    const { counted, written, rewritten } = await redact({ format }, eventFile);
    expect(counted).toMatchObject({ removedRows: 2, editedRows: 0, keptRows: 2 });
    expect(written).toMatchObject({ removedRows: 2, keptRows: 2 });
    expect(written.sha256).toBe(createHash('sha256').update(rewritten).digest('hex'));
    expect(written.bytes).toBe(rewritten.length);
    const text = gunzipSync(rewritten).toString();
    expect(text).not.toContain(ERASED);
    // The kept rows are what the writer writes for them alone, byte for byte.
    expect(text).toBe(gunzipSync(await gzipFile(format, events.slice(1, 3), EVENT_COLUMNS)).toString());

    const companyFile = await gzipFile(format, companies, COMPANY_COLUMNS);
    const companiesRedacted = await redact({ format }, companyFile);
    expect(companiesRedacted.written).toMatchObject({ removedRows: 0, editedRows: 1, keptRows: 2 });
    const kept = gunzipSync(companiesRedacted.rewritten).toString();
    expect(kept).not.toContain(ERASED);
    expect(kept).toContain('"user_ids":["u-kept","u-other"]');
  });

  it('rewrites a csv file record for record, quoted line breaks and formula cells included', async () => {
    const { written, rewritten } = await redact({ format: 'csv' }, await gzipFile('csv', events, EVENT_COLUMNS));
    expect(written).toMatchObject({ removedRows: 2, keptRows: 2 });
    const text = gunzipSync(rewritten).toString();
    expect(text).toBe(gunzipSync(await gzipFile('csv', events.slice(1, 3), EVENT_COLUMNS)).toString());
    expect(parse(text, { columns: true })).toHaveLength(2);

    const companiesRedacted = await redact({ format: 'csv' }, await gzipFile('csv', companies, COMPANY_COLUMNS));
    expect(companiesRedacted.written).toMatchObject({ editedRows: 1, keptRows: 2 });
    const records = parse(gunzipSync(companiesRedacted.rewritten).toString(), { columns: true }) as Record<string, string>[];
    expect(records.map((r) => JSON.parse(r.user_ids ?? '') as string[])).toEqual([['u-kept', 'u-other'], ['u-kept']]);
  });

  it('finds a user whose id the csv writer neutralised as a formula', async () => {
    const { written } = await redact({ format: 'csv' }, await gzipFile('csv', events, EVENT_COLUMNS), '=formula');
    expect(written).toMatchObject({ removedRows: 1, keptRows: 3 });
  });

  it('leaves a file without the user unchanged in every byte of its text', async () => {
    for (const format of ['json', 'jsonl', 'csv'] as const) {
      const file = await gzipFile(format, events, EVENT_COLUMNS);
      const { counted, rewritten } = await redact({ format }, file, 'nobody');
      expect(counted).toMatchObject({ removedRows: 0, editedRows: 0, keptRows: 4 });
      expect(gunzipSync(rewritten).toString()).toBe(gunzipSync(file).toString());
    }
  });

  it('rewrites a zstd file as zstd and a plain file as plain', async () => {
    const zst = await redact({ format: 'jsonl', compression: 'zstd' }, await storedFile('jsonl', 'zstd', events, EVENT_COLUMNS));
    expect(zst.written).toMatchObject({ removedRows: 2, keptRows: 2 });
    expect(decompress(zst.rewritten).toString()).toBe(
      decompress(await storedFile('jsonl', 'zstd', events.slice(1, 3), EVENT_COLUMNS)).toString(),
    );
    const plain = await redact({ format: 'csv', compression: 'none' }, await storedFile('csv', 'none', events, EVENT_COLUMNS));
    expect(plain.written).toMatchObject({ removedRows: 2, keptRows: 2 });
    expect(plain.rewritten.toString()).toBe((await storedFile('csv', 'none', events.slice(1, 3), EVENT_COLUMNS)).toString());
  });

  it.each(['gzip', 'none'] as const)('rewrites a Parquet file (%s pages) without the user', async (compression) => {
    const kind = { format: 'parquet', compression } as const;
    const eventFile = await storedFile('parquet', compression, events, EVENT_COLUMNS);
    const { counted, written, rewritten } = await redact(kind, eventFile);
    expect(counted).toMatchObject({ removedRows: 2, editedRows: 0, keptRows: 2 });
    expect(written.sha256).toBe(createHash('sha256').update(rewritten).digest('hex'));
    // The same bytes as the writer gives for the kept rows alone.
    expect(rewritten.equals(await storedFile('parquet', compression, events.slice(1, 3), EVENT_COLUMNS))).toBe(true);

    const companyFile = await storedFile('parquet', compression, companies, COMPANY_COLUMNS, 'companies');
    const companiesRedacted = await redact(kind, companyFile);
    expect(companiesRedacted.written).toMatchObject({ removedRows: 0, editedRows: 1, keptRows: 2 });
    const rows = await parquetRows(companiesRedacted.rewritten);
    expect(rows.map((row) => row.user_ids)).toEqual([['u-kept', 'u-other'], ['u-kept']]);
  });

  it.each(['rfc4180', 'no_newline'] as const)('rewrites every table of a %s zip', async (dialect) => {
    const zip = await zipFile(dialect);
    const { counted, written, rewritten } = await redact({ zipDialect: dialect }, zip);
    expect(counted).toMatchObject({ removedRows: 2, editedRows: 1, keptRows: 4 });
    expect(written.sha256).toBe(createHash('sha256').update(rewritten).digest('hex'));
    const before = await zipEntries(zip);
    const after = await zipEntries(rewritten);
    expect([...after.keys()]).toEqual([...before.keys()]);
    for (const text of after.values()) expect(text).not.toContain(ERASED);
    const lines = (text: string) => text.split(dialect === 'no_newline' ? '\n' : '\r\n').filter(Boolean);
    // The other user's rows stay exactly as written.
    expect(lines(after.get('events.csv') ?? '')).toEqual(
      lines(before.get('events.csv') ?? '').filter((l) => !l.includes(ERASED)),
    );
  });

  it('reads NO_NEWLINE fields with their escapes', () => {
    expect(noNewlineFields('a,"b,c","d\\"e\\\\f\\ng",')).toEqual(['a', 'b,c', 'd"e\\f\ng', '']);
  });
});

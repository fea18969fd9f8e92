import {
  companyProfile,
  createApp,
  CreatedApp,
  downloadExportFile,
  eventually,
  exportFileRows,
  insertRawRecords,
  REPO_ROOT,
  requestJson,
  sampleTrackingCalls,
  startTestPlatform,
  TestPlatform,
  userProfile,
} from '@exportd/testing';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decompress } from 'zstd-napi';

const PYTHON = join(REPO_ROOT, '.tools', 'python-venv', 'bin', 'python');
const READ_PARQUET = join(REPO_ROOT, 'tools', 'python', 'read-parquet.py');
const DATA_TYPES = ['events', 'users', 'companies', 'feedback'];

interface ExportFile {
  filename: string;
  url: string;
  rows: number;
}

const lines = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

/** A Parquet row as the jsonl export writes it: JSON-text columns (attributes, ...) parsed back. */
function asJsonlRow(parquetRow: Record<string, unknown>, jsonlRow: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(parquetRow).map(([key, value]) => {
      const expected = jsonlRow[key];
      const jsonText = typeof value === 'string' && expected !== null && typeof expected === 'object';
      return [key, jsonText ? (JSON.parse(value) as unknown) : value];
    }),
  );
}

describe('Export file formats and compression, read by clients nobody here wrote (pyarrow, zstd)', () => {
  let platform: TestPlatform;
  let app: CreatedApp;
  let dir: string;

  const exportJob = async (body: Record<string, unknown>) => {
    const created = await requestJson(platform.gatewayUrl, 'POST', '/api/v1/exports', {
      token: app.apiKey,
      body: { startDate: '2024-06-01', endDate: '2024-06-30', dataTypes: DATA_TYPES, ...body },
    });
    expect(created.status).toBe(202);
    const { body: job } = await eventually(
      async () => {
        const res = await requestJson(platform.gatewayUrl, 'GET', `/api/v1/exports/${created.body.id}`, { token: app.apiKey });
        return ['completed', 'failed', 'cancelled'].includes(res.body?.status) ? res : undefined;
      },
      60_000,
      `export ${created.body.id} to end`,
    );
    expect(job.status).toBe('completed');
    return job.files as ExportFile[];
  };

  /** The jsonl (gzip) export of every data type: file stem (events-2024-06-01, users, ...) -> rows. */
  let reference: Map<string, Record<string, unknown>[]>;
  const stem = (filename: string) => filename.replace(/\.(jsonl|parquet)(\.gz|\.zst)?$/, '');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'export-formats-'));
    platform = await startTestPlatform({ EXPORT_POLL_INTERVAL_MS: '100' });
    app = await createApp(platform.gatewayUrl, platform.adminToken, 'enterprise', 'formats');
    await insertRawRecords(platform.mongoUrl, {
      calls: sampleTrackingCalls(app.id),
      users: [
        userProfile(app.id, 'user_0', new Date('2024-05-01T00:00:00Z'), { name: 'Ada', nested: { a: [1, 2] } }, ['comp_0']),
        userProfile(app.id, 'user_1', new Date('2024-05-03T00:00:00Z'), {}, []),
      ],
      companies: [companyProfile(app.id, 'comp_0', new Date('2024-05-01T00:00:00Z'), { plan: 'pro', seats: 3 }, ['user_0'])],
    });
    reference = new Map();
    for (const file of await exportJob({ format: 'jsonl' })) {
      reference.set(
        stem(file.filename),
        exportFileRows(await downloadExportFile(file.url), 'jsonl') as Record<string, unknown>[],
      );
    }
    expect([...reference.keys()]).toEqual(['events-2024-06-01', 'users', 'companies', 'feedback-2024-06-01']);
    expect(reference.get('events-2024-06-01')?.length).toBeGreaterThan(0);
  });

  afterAll(async () => {
    await platform?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('format parquet: pyarrow reads every file, typed, and every row equals the jsonl export', async () => {
    const files = await exportJob({ format: 'parquet' });
    expect(files.map((f) => f.filename)).toEqual([
      'events-2024-06-01.parquet',
      'users.parquet',
      'companies.parquet',
      'feedback-2024-06-01.parquet',
    ]);
    for (const file of files) {
      const path = join(dir, file.filename);
      writeFileSync(path, await downloadExportFile(file.url));
      const rows = lines(execFileSync(PYTHON, [READ_PARQUET, path], { encoding: 'utf8' }));
      const expected = reference.get(stem(file.filename)) ?? [];
      expect(rows).toHaveLength(file.rows);
      expect(rows).toHaveLength(expected.length);
      rows.forEach((row, i) => expect(asJsonlRow(row, expected[i])).toEqual(expected[i]));
    }
    // Typed columns, not text: pyarrow sees timestamps and lists.
    const schema = execFileSync(
      PYTHON,
      ['-c', 'import sys, pyarrow.parquet as pq; print(pq.read_schema(sys.argv[1]))', join(dir, 'users.parquet')],
      { encoding: 'utf8' },
    );
    expect(schema).toMatch(/first_seen: timestamp\[ms, tz=UTC\]|first_seen: timestamp\[ms/);
    expect(schema).toMatch(/company_ids: list<|company_ids: large_list</);
  });

  it('compression zstd gives .zst files a zstd decoder reads; none gives plain files; both hold the same rows', async () => {
    const zstd = await exportJob({ format: 'jsonl', compression: 'zstd' });
    const jobs = await requestJson(platform.gatewayUrl, 'GET', '/api/v1/exports', { token: app.apiKey });
    expect(jobs.body.data[0]).toMatchObject({ format: 'jsonl', compression: 'zstd' });
    expect(zstd.map((f) => f.filename)).toEqual([
      'events-2024-06-01.jsonl.zst',
      'users.jsonl.zst',
      'companies.jsonl.zst',
      'feedback-2024-06-01.jsonl.zst',
    ]);
    for (const file of zstd) {
      const rows = lines(decompress(await downloadExportFile(file.url)).toString('utf8'));
      expect(rows).toEqual(reference.get(stem(file.filename)));
    }
    const plain = await exportJob({ format: 'jsonl', compression: 'none' });
    expect(plain.map((f) => f.filename)).toEqual([
      'events-2024-06-01.jsonl',
      'users.jsonl',
      'companies.jsonl',
      'feedback-2024-06-01.jsonl',
    ]);
    for (const file of plain) {
      const rows = lines((await downloadExportFile(file.url)).toString('utf8'));
      expect(rows).toEqual(reference.get(stem(file.filename)));
    }
  });

  it('the Bulk Data Export API and schedules take format parquet and compression too', async () => {
    const token = `Token ${app.apiKey}`;
    const created = await requestJson(platform.gatewayUrl, 'POST', '/api/v1/analytics/exports', {
      authorization: token,
      body: { from: '2024-06-01', to: '2024-06-30', format: 'parquet', compression: 'none' },
    });
    expect(created.status).toBe(201);
    const { body: job } = await eventually(
      async () => {
        const res = await requestJson(platform.gatewayUrl, 'GET', `/api/v1/analytics/exports/jobs/${created.body.job_id}`, {
          authorization: token,
        });
        return ['completed', 'failed', 'cancelled'].includes(res.body?.status) ? res : undefined;
      },
      60_000,
      'the Bulk API job to end',
    );
    expect(job).toMatchObject({ status: 'completed', format: 'parquet' });
    const [link] = job.presigned_urls as { filename: string; url: string }[];
    expect(link.filename).toBe('2024-06-01.parquet');
    const path = join(dir, 'bulk.parquet');
    writeFileSync(path, await downloadExportFile(link.url));
    const codecs = execFileSync(
      PYTHON,
      [
        '-c',
        'import sys, pyarrow.parquet as pq; m = pq.ParquetFile(sys.argv[1]).metadata; print(m.num_rows, m.row_group(0).column(0).compression)',
        path,
      ],
      { encoding: 'utf8' },
    );
    expect(job.files[0].rows).toBeGreaterThan(0);
    expect(codecs.trim()).toBe(`${job.files[0].rows} UNCOMPRESSED`);

    const schedule = await requestJson(platform.gatewayUrl, 'POST', '/api/v1/export-schedules', {
      token: app.apiKey,
      body: {
        frequency: 'daily',
        dataTypes: ['events'],
        format: 'jsonl',
        compression: 'zstd',
        delivery: { emails: ['ops@example.com'] },
      },
    });
    expect(schedule.status).toBe(201);
    expect(schedule.body).toMatchObject({ format: 'jsonl', compression: 'zstd' });
    const updated = await requestJson(platform.gatewayUrl, 'PATCH', `/api/v1/export-schedules/${schedule.body.id}`, {
      token: app.apiKey,
      body: { format: 'parquet', compression: 'gzip' },
    });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ format: 'parquet', compression: 'gzip' });
    const refused = await requestJson(platform.gatewayUrl, 'POST', '/api/v1/analytics/exports', {
      authorization: token,
      body: { from: '2024-06-01', to: '2024-06-30', compression: 'lz4' },
    });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('compression must be gzip, zstd or none');
  });

  it('refuses an unknown compression, and zstd inside Parquet, with a 400 naming the field', async () => {
    for (const body of [
      { format: 'jsonl', compression: 'brotli' },
      { format: 'parquet', compression: 'zstd' },
    ]) {
      const res = await requestJson(platform.gatewayUrl, 'POST', '/api/v1/exports', {
        token: app.apiKey,
        body: { startDate: '2024-06-01', endDate: '2024-06-30', dataTypes: ['events'], ...body },
      });
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).toContain('compression');
    }
  });
});

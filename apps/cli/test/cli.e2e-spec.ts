import {
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import {
  createApp,
  CreatedApp,
  downloadExportFile,
  eventually,
  REPO_ROOT,
  requestJson,
  startTestPlatform,
  TestPlatform,
  testS3Client,
  testServers,
  uniqueName,
} from '@exportd/testing';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const BIN = join(REPO_ROOT, 'apps', 'cli', 'bin', 'exportd.js');
const DAY_MS = 86_400_000;
const dayAgo = (days: number) => new Date(Date.now() - days * DAY_MS).toISOString().slice(0, 10);

/** The jsonl lines of a gzip-compressed export file. */
const jsonlRows = (file: Buffer) =>
  gunzipSync(file)
    .toString('utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('exportd CLI', () => {
  let platform: TestPlatform;
  let app: CreatedApp;
  const dir = join(testServers().tmpDir, uniqueName('cli'));
  const calls = join(dir, 'calls.jsonl');

  /** Runs `node apps/cli/bin/exportd.js <args>` from another directory, configured by env like a user would. */
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> =>
    new Promise((resolve, reject) => {
      const childEnv: NodeJS.ProcessEnv = {
        ...process.env,
        EXPORTD_URL: platform.gatewayUrl,
        EXPORTD_API_KEY: app.apiKey,
        ...env,
      };
      delete childEnv.EXPORTD_TRACKING_KEY;
      if (env.EXPORTD_TRACKING_KEY) childEnv.EXPORTD_TRACKING_KEY = env.EXPORTD_TRACKING_KEY;
      const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: childEnv });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const api = <T = any>(method: string, path: string, body?: unknown) =>
    requestJson<T>(platform.gatewayUrl, method, path, { token: app.apiKey, body });

  /** Creates an export through the CLI, waits through the CLI, answers the job body from the API. */
  const exportThroughCli = async (args: string[]) => {
    const created = await cli(['exports', 'create', ...args]);
    expect(created).toMatchObject({ code: 0 });
    const id = created.stdout.trim();
    const waited = await cli(['exports', 'wait', id, '--interval', '200']);
    expect(waited.stderr).toContain(`export ${id} completed`);
    expect(waited.code).toBe(0);
    return (await api('GET', `/api/v1/exports/${id}`)).body;
  };

  /** Calls stored for the app in the last days: the rows of an events export (one row per user, company or event call). */
  const storedCalls = async () => {
    const job = await exportThroughCli(['--from', '3d', '--to', 'today', '--data-types', 'events', '--format', 'jsonl']);
    const rows: Record<string, unknown>[] = [];
    for (const file of job.files as { url: string }[]) rows.push(...jsonlRows(await downloadExportFile(file.url)));
    return rows;
  };

  const callLine = (i: number) => {
    const timestamp = new Date(Date.now() - DAY_MS - i * 60_000).toISOString();
    const user = `user_${i % 5}`;
    if (i % 10 === 0)
      return { type: 'company', companyId: `comp_${i % 3}`, userId: user, attributes: { name: `Company ${i % 3}` }, timestamp };
    if (i % 10 === 1) return { type: 'user', userId: user, attributes: { plan: 'pro' }, timestamp };
    return {
      type: 'event',
      event: i % 2 === 0 ? 'Opened report' : 'Sent message',
      userId: user,
      companyId: `comp_${i % 3}`,
      timestamp,
    };
  };

  beforeAll(async () => {
    mkdirSync(dir, { recursive: true });
    platform = await startTestPlatform({
      EXPORT_POLL_INTERVAL_MS: '100',
      EXPORT_MAX_ATTEMPTS: '2',
      EXPORT_RETRY_BASE_MS: '200',
      EXPORT_S3_MAX_ATTEMPTS: '1',
    });
    app = await createApp(platform.gatewayUrl, platform.adminToken, 'enterprise', 'CLI');
    const feature = await api('POST', '/api/v1/features', { name: 'Reports', events: ['Opened report'] });
    expect(feature.status).toBe(201);
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
  });

  it('--help describes each command', async () => {
    for (const command of [[], ['exports', 'create'], ['exports', 'wait'], ['exports', 'download'], ['company-csv'], ['track']]) {
      const run = await cli([...command, '--help']);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('Usage: exportd');
    }
    expect((await cli(['track', '--help'])).stdout).toContain('EXPORTD_TRACKING_KEY');
  });

  it('track uploads a jsonl file in batches; running it again, or after more lines were added, stores nothing twice', async () => {
    // The first 30 lines, as if a run had been interrupted there; three of them carry their own messageId.
    const lines = Array.from({ length: 50 }, (_, i) => ({ ...callLine(i), ...(i % 17 === 3 ? { messageId: `own-${i}` } : {}) }));
    writeFileSync(
      calls,
      `${lines
        .slice(0, 30)
        .map((l) => JSON.stringify(l))
        .join('\n')}\n\n`,
    );
    const first = await cli(['track', 'calls.jsonl', '--key', app.trackingKey, '--batch-size', '7']);
    expect(first.stderr).toContain('sent 30 calls from calls.jsonl in 5 requests (28 given a messageId)');
    expect(first.code).toBe(0);
    expect(first.stdout).toBe('');

    appendFileSync(
      calls,
      `${lines
        .slice(30)
        .map((l) => JSON.stringify(l))
        .join('\n')}\n`,
    );
    const second = await cli(['track', join(dir, 'calls.jsonl')], { EXPORTD_TRACKING_KEY: app.trackingKey });
    expect(second.stderr).toContain('sent 50 calls');
    expect(second.code).toBe(0);

    const rows = await storedCalls();
    expect(rows).toHaveLength(50);
    expect(new Set(rows.map((r) => r.message_id)).size).toBe(50);
    expect(rows.map((r) => r.message_id)).toEqual(expect.arrayContaining(['own-3', 'own-20', 'own-37']));

    const third = await cli(['track', 'calls.jsonl', '--key', app.trackingKey, '--batch-size', '2500']);
    expect(third.code).toBe(0);
    expect(await storedCalls()).toHaveLength(50);
  }, 120_000);

  it('track names the line the platform refuses, and needs the tracking key (not the API key)', async () => {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, `${JSON.stringify(callLine(2))}\n${JSON.stringify({ type: 'event', event: 'x' })}\n`);
    const refused = await cli(['track', 'bad.jsonl', '--key', app.trackingKey]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('bad.jsonl:2: userId: is required');

    writeFileSync(bad, '{"type": "event", "event": "x", "userId": "u"}\nnot json\n');
    const broken = await cli(['track', 'bad.jsonl', '--key', app.trackingKey]);
    expect(broken.code).not.toBe(0);
    expect(broken.stderr).toMatch(/^exportd: bad\.jsonl:2: not valid JSON/m);

    const noKey = await cli(['track', 'calls.jsonl']);
    expect(noKey.code).not.toBe(0);
    expect(noKey.stderr).toContain('exportd: a tracking key is required: pass --key or set EXPORTD_TRACKING_KEY');

    const apiKeyAsTrackingKey = await cli(['track', 'calls.jsonl', '--key', app.apiKey]);
    expect(apiKeyAsTrackingKey.code).not.toBe(0);
    expect(apiKeyAsTrackingKey.stderr).toMatch(/^exportd: .*tracking key/im);
  });

  it('exports create prints only the id, mapping the options and filters onto the on-demand API', async () => {
    const created = await cli([
      'exports',
      'create',
      '--from',
      dayAgo(3),
      '--to',
      dayAgo(0),
      '--data-types',
      'events',
      '--format',
      'csv',
      '--filter',
      "event_name == 'Opened report'",
      '--filter',
      'user_id != null',
      '--user-ids',
      'user_0,user_2',
      '--event-types',
      'track',
    ]);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^\S+\n$/);
    const job = (await api('GET', `/api/v1/exports/${created.stdout.trim()}`)).body;
    expect(job).toMatchObject({
      startDate: dayAgo(3),
      endDate: dayAgo(0),
      dataTypes: ['events'],
      format: 'csv',
      filter: "(event_name == 'Opened report') AND (user_id != null)",
      filters: { userIds: ['user_0', 'user_2'], eventTypes: ['track'] },
    });
  });

  it('exports create prints the platform refusal as "exportd: <message>"', async () => {
    const badFilter = await cli([
      'exports',
      'create',
      '--from',
      '2d',
      '--to',
      'today',
      '--data-types',
      'events',
      '--filter',
      'event_name ==',
    ]);
    expect(badFilter.code).not.toBe(0);
    expect(badFilter.stdout).toBe('');
    expect(badFilter.stderr).toMatch(/^exportd: .*position/im);

    const tooLong = await cli(['exports', 'create', '--from', '2024-01-01', '--to', '2024-03-01', '--data-types', 'events']);
    expect(tooLong.code).not.toBe(0);
    expect(tooLong.stderr).toMatch(/^exportd: .*30 days/im);

    const badKey = await cli(['exports', 'create', '--from', '2d', '--to', 'today', '--data-types', 'events'], {
      EXPORTD_API_KEY: 'not-a-key',
    });
    expect(badKey.code).not.toBe(0);
    expect(badKey.stderr).toBe('exportd: unknown or revoked API key\n');

    // --api-key wins over EXPORTD_API_KEY.
    const flagWins = await cli(['--api-key', app.apiKey, 'exports', 'list'], { EXPORTD_API_KEY: 'not-a-key' });
    expect(flagWins.code).toBe(0);
  });

  it('exports wait on an id that does not exist exits non-zero with the platform message', async () => {
    const run = await cli(['exports', 'wait', 'exp_does_not_exist']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/^exportd: .*exp_does_not_exist.*not found/m);
  });

  it('exports download writes every file, identical to the API files, and manifest.json; a tampered object is named', async () => {
    const job = await exportThroughCli([
      '--from',
      '3d',
      '--to',
      'today',
      '--data-types',
      'events,users,companies',
      '--format',
      'csv',
    ]);
    expect(job.files.length).toBeGreaterThanOrEqual(3);
    const out = join(dir, 'download');
    const run = await cli(['exports', 'download', job.id, '--out', 'download']);
    expect(run.code).toBe(0);
    const names = (job.files as { filename: string }[]).map((f) => f.filename);
    expect(run.stdout.trim().split('\n')).toEqual(names.map((n) => join('download', n)));
    expect(readdirSync(out).sort()).toEqual([...names, 'manifest.json'].sort());
    for (const file of job.files as { filename: string; url: string }[]) {
      expect(readFileSync(join(out, file.filename)).equals(await downloadExportFile(file.url))).toBe(true);
    }
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.job_id).toBe(job.id);

    // One byte of the users file changed in the bucket: the link still works, the checksum no longer matches.
    const users = (manifest.files as { filename: string; key: string }[]).find((f) => f.filename.startsWith('users'));
    if (!users) throw new Error('no users file in the manifest');
    const s3 = testS3Client();
    try {
      const object = await s3.send(new GetObjectCommand({ Bucket: platform.bucket, Key: users.key }));
      const bytes = Buffer.from(await object.Body!.transformToByteArray()); // eslint-disable-line @typescript-eslint/no-non-null-assertion
      bytes[Math.floor(bytes.length / 2)] ^= 0xff;
      await s3.send(new PutObjectCommand({ Bucket: platform.bucket, Key: users.key, Body: bytes }));
    } finally {
      s3.destroy();
    }
    const tampered = await cli(['exports', 'download', job.id, '--out', 'tampered']);
    expect(tampered.code).not.toBe(0);
    const others = names.filter((n) => n !== users.filename);
    expect(tampered.stderr).toContain(`MISMATCH  ${users.filename}`);
    expect(tampered.stderr).toContain(
      `exportd: 1 of ${names.length} files of export ${job.id} did not match their SHA-256: ${users.filename}`,
    );
    expect(tampered.stderr).toContain(`passed: ${others.join(', ')}`);
    expect(existsSync(join(dir, 'tampered', users.filename))).toBe(false);
    expect(existsSync(join(dir, 'tampered', `${users.filename}.sha256-mismatch`))).toBe(true);
    expect(tampered.stdout.trim().split('\n')).toEqual(others.map((n) => join('tampered', n)));
  }, 120_000);

  it('company-csv writes the same CSV as the company data export API, to a file or stdout', async () => {
    const fromApi = async () => {
      const response = await fetch(`${platform.gatewayUrl}/api/v1/data-export/companies?history=30d-daily`, {
        headers: { authorization: `Bearer ${app.apiKey}` },
      });
      expect(response.status).toBe(200);
      return response.text();
    };
    // The counters of the tracked events follow the calls a few milliseconds later.
    await eventually(async () => ((await fromApi()).includes('Reports') ? true : undefined), 20_000, 'company rows');
    const before = await fromApi();
    const toFile = await cli(['company-csv', '--history', '30d-daily', '-o', 'companies.csv']);
    expect(toFile.code).toBe(0);
    expect(toFile.stderr).toContain('wrote companies.csv');
    const toStdout = await cli(['company-csv', '--history', '30d-daily', '-o', '-']);
    expect(toStdout.code).toBe(0);
    expect(readFileSync(join(dir, 'companies.csv'), 'utf8')).toBe(before);
    expect(toStdout.stdout).toBe(before);
    expect(before.split('\r\n').length).toBeGreaterThan(2);

    const badHistory = await cli(['company-csv', '--history', '1y', '-o', 'x.csv']);
    expect(badHistory.code).not.toBe(0);
    expect(badHistory.stderr).toMatch(/^exportd: .*history must be one of today, 30d-daily, 3m-weekly, 6m-weekly/m);
    expect(existsSync(join(dir, 'x.csv'))).toBe(false);
  });

  // Last: it takes the platform's bucket away.
  it('exports wait exits non-zero with the error of a job that failed (its bucket is gone)', async () => {
    const s3 = testS3Client();
    try {
      for (;;) {
        const listed = await s3.send(new ListObjectsV2Command({ Bucket: platform.bucket }));
        const keys = (listed.Contents ?? []).map((o) => ({ Key: o.Key }));
        if (keys.length === 0) break;
        await s3.send(new DeleteObjectsCommand({ Bucket: platform.bucket, Delete: { Objects: keys } }));
      }
      await s3.send(new DeleteBucketCommand({ Bucket: platform.bucket }));
    } finally {
      s3.destroy();
    }
    const created = await cli([
      'exports',
      'create',
      '--from',
      '2d',
      '--to',
      'today',
      '--data-types',
      'users',
      '--format',
      'jsonl',
    ]);
    expect(created.code).toBe(0);
    const id = created.stdout.trim();
    const run = await cli(['exports', 'wait', id, '--interval', '200']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(new RegExp(`^exportd: export ${id} failed: partition .*gave up after 2 attempts`, 'm'));
    expect(run.stderr).toContain(`export ${id}: failed`);

    const download = await cli(['exports', 'download', id, '--out', 'failed']);
    expect(download.code).not.toBe(0);
    expect(download.stderr).toContain(`exportd: export ${id} failed (partition users: S3 upload failed`);
  }, 90_000);
});

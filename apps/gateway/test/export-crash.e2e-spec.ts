import {
  createApp,
  CreatedApp,
  downloadExportFile,
  eventually,
  insertRawRecords,
  requestJson,
  startTestPlatform,
  TestPlatform,
  trackingCall,
} from '@exportd/testing';
import { TrackingCallRecord } from '@exportd/records';
import { createHash } from 'node:crypto';

interface FileSummary {
  filename: string;
  rows: number;
  sha256: string;
}

/** A worker killed in the middle of a multi-partition export: the job still completes, with the same files. */
describe('export worker crash (SIGKILL mid-export)', () => {
  let platform: TestPlatform;
  let app: CreatedApp;

  beforeAll(async () => {
    platform = await startTestPlatform({
      EXPORT_LEASE_MS: '1500',
      EXPORT_POLL_INTERVAL_MS: '100',
      EXPORT_WORKER_CONCURRENCY: '1',
      EXPORT_RETRY_BASE_MS: '200',
    });
    app = await createApp(platform.gatewayUrl, platform.adminToken, 'enterprise');
    const calls: TrackingCallRecord[] = [];
    for (const month of ['01', '02', '03', '04', '05', '06']) {
      for (let i = 0; i < 4_000; i++) {
        calls.push(
          trackingCall(app.id, {
            type: 'event',
            userId: `user_${i % 500}`,
            companyId: `comp_${i % 50}`,
            event: `event_${i % 20}`,
            attributes: { i, month, text: 'x'.repeat(i % 40) },
            timestamp: new Date(Date.UTC(2024, Number(month) - 1, 1 + (i % 28), i % 24, i % 60, i % 60)),
          }),
        );
      }
    }
    await insertRawRecords(platform.mongoUrl, { calls });
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
  });

  const start = async () => {
    const created = await requestJson(platform.gatewayUrl, 'POST', '/api/v1/analytics/exports/', {
      authorization: `Token ${app.apiKey}`,
      body: { from: '2024-01-01', to: '2024-06-30', format: 'csv' },
    });
    expect(created.status).toBe(201);
    return created.body.job_id as string;
  };
  const read = (jobId: string) =>
    requestJson(platform.gatewayUrl, 'GET', `/api/v1/analytics/exports/jobs/${jobId}`, { authorization: `Token ${app.apiKey}` });
  const completed = (jobId: string) =>
    eventually(
      async () => {
        const res = await read(jobId);
        if (res.body?.status === 'failed') throw new Error(`job failed: ${res.body.error}`);
        return res.body?.status === 'completed' ? res.body : undefined;
      },
      120_000,
      'the export to complete',
    );
  const summarize = async (job: {
    presigned_urls: { filename: string; url: string }[];
    files: { filename: string; rows: number }[];
  }) => {
    const out: FileSummary[] = [];
    for (const link of job.presigned_urls) {
      const bytes = await downloadExportFile(link.url);
      const rows = job.files.find((f) => f.filename === link.filename)?.rows ?? -1;
      out.push({ filename: link.filename, rows, sha256: createHash('sha256').update(bytes).digest('hex') });
    }
    return out;
  };

  it('completes after the export-job process is killed and restarted, with files equal to an uninterrupted run', async () => {
    const reference = await summarize(await completed(await start()));
    expect(reference).toHaveLength(6);
    expect(reference.reduce((n, f) => n + f.rows, 0)).toBe(24_000);

    const jobId = await start();
    const midway = await eventually(
      async () => {
        const res = await read(jobId);
        return res.body?.status === 'in_progress' && res.body.completed_chunks.length >= 1 ? res.body : undefined;
      },
      60_000,
      'the export to be midway',
    );
    await platform.processes.get('export-job')?.stop('SIGKILL');
    expect(midway.completed_chunks.length).toBeLessThan(6);

    await platform.restart('export-job');
    const recovered = await summarize(await completed(jobId));
    expect(recovered).toEqual(reference);
  }, 240_000);
});

import {
  createApp,
  CreatedApp,
  downloadExportFile,
  eventually,
  exportFileRows,
  insertRawRecords,
  NotificationCapture,
  requestJson,
  ServiceProcess,
  startNotificationCapture,
  startServiceProcess,
  startTestPlatform,
  TestPlatform,
  trackingCall,
} from '@exportd/testing';
import { TrackingCallRecord } from '@exportd/records';

interface BulkJob {
  status: string;
  error: string | null;
  all_chunks: string[];
  completed_chunks: string[];
  end_time: string | null;
  links_expire_at: string | null;
  manifest_url: string | null;
  presigned_urls: { filename: string; url: string }[];
  files: { filename: string; rows: number; bytes: number; sha256: string }[];
}

interface Manifest {
  job_id: string;
  files: { filename: string; partition: string; rows: number; sha256: string }[];
}

/** 2024-01-01 .. 2025-12-01: the 24 monthly partitions of a two-year Bulk API export. */
const MONTHS = Array.from({ length: 24 }, (_, i) => {
  const date = new Date(Date.UTC(2024, i, 1));
  return date.toISOString().slice(0, 10);
});
/** A different number of events in each month, so a file counted twice or lost shows in the totals. */
const ROWS = MONTHS.map((_, i) => 3 + i);

/**
 * Two export-job processes with four workers each share the 24 partitions of one job, so partitions end at
 * the same moment in different processes and async tasks: the job still ends once, `completed`, with each
 * partition listed once, the right rows, and one hand-off to notification.
 */
describe('export-job replicas finishing the partitions of one job at once', () => {
  let platform: TestPlatform;
  let app: CreatedApp;
  let capture: NotificationCapture;
  const replicas: ServiceProcess[] = [];

  beforeAll(async () => {
    platform = await startTestPlatform({
      EXPORT_WORKER_CONCURRENCY: '4',
      EXPORT_POLL_INTERVAL_MS: '50',
      EXPORT_NOTIFY_RETRY_BASE_MS: '200',
    });
    // The platform's export-job is replaced by two replicas that hand job ends to a recording server.
    capture = await startNotificationCapture();
    await platform.processes.get('export-job')?.stop();
    const env = { NOTIFICATION_GRPC_ADDR: capture.address };
    replicas.push(
      ...(await Promise.all([
        startServiceProcess(platform, 'export-job', { ...env, EXPORT_JOB_GRPC_ADDR: platform.env.EXPORT_JOB_GRPC_ADDR }),
        startServiceProcess(platform, 'export-job', env),
      ])),
    );
    app = await createApp(platform.gatewayUrl, platform.adminToken, 'enterprise');
    const calls: TrackingCallRecord[] = [];
    MONTHS.forEach((month, m) => {
      for (let i = 0; i < (ROWS[m] as number); i++) {
        calls.push(
          trackingCall(app.id, {
            type: 'event',
            userId: `user_${i % 7}`,
            companyId: `comp_${i % 3}`,
            event: `event_${i % 5}`,
            timestamp: new Date(Date.parse(`${month}T00:00:00Z`) + (i + 1) * 3_600_000),
          }),
        );
      }
    });
    await insertRawRecords(platform.mongoUrl, { calls });
  }, 180_000);

  afterAll(async () => {
    await Promise.all(replicas.map((p) => p.stop()));
    await platform?.stop();
    await capture?.close();
  });

  const read = async (jobId: string) =>
    (
      await requestJson<BulkJob>(platform.gatewayUrl, 'GET', `/api/v1/analytics/exports/jobs/${jobId}`, {
        authorization: `Token ${app.apiKey}`,
      })
    ).body;
  const handOffs = (jobId: string) => capture.calls.filter((c) => c.request.jobId === jobId);

  it.each([1, 2, 3, 4, 5])(
    'job %i ends completed once, every partition listed once with its rows, one hand-off to notification',
    async () => {
      const created = await requestJson(platform.gatewayUrl, 'POST', '/api/v1/analytics/exports/', {
        authorization: `Token ${app.apiKey}`,
        body: { from: '2024-01-01', to: '2025-12-31', format: 'jsonl' },
      });
      expect(created.status).toBe(201);
      const jobId = created.body.job_id as string;

      const job = await eventually(
        async () => {
          const body = await read(jobId);
          if (body.status === 'failed' || body.status === 'cancelled') throw new Error(`job ${body.status}: ${body.error}`);
          return body.status === 'completed' ? body : undefined;
        },
        90_000,
        'the export to complete',
      );
      expect(job.all_chunks).toEqual(MONTHS);
      expect(job.completed_chunks).toEqual(MONTHS);
      expect(job.files.map((f) => f.filename)).toEqual(MONTHS.map((m) => `${m}.jsonl.gz`));
      expect(job.files.map((f) => f.rows)).toEqual(ROWS);
      expect(job.presigned_urls.map((l) => l.filename)).toEqual(MONTHS.map((m) => `${m}.jsonl.gz`));
      const last = job.presigned_urls[23] as { url: string };
      expect(exportFileRows(await downloadExportFile(last.url), 'jsonl')).toHaveLength(ROWS[23] as number);

      const manifest = JSON.parse((await downloadExportFile(job.manifest_url as string)).toString('utf8')) as Manifest;
      expect(manifest.job_id).toBe(jobId);
      expect(manifest.files.map((f) => [f.partition, f.rows, f.sha256])).toEqual(
        job.files.map((f, i) => [MONTHS[i], f.rows, f.sha256]),
      );

      const [call] = await eventually(() => (handOffs(jobId).length > 0 ? handOffs(jobId) : undefined), 30_000, 'the hand-off');
      // Both replicas' notifier loops poll every second: give them time to send a second one if they would.
      await new Promise((r) => setTimeout(r, 2_500));
      expect(handOffs(jobId)).toHaveLength(1);
      expect(call?.request).toMatchObject({ appId: app.id, eventType: 'export.completed', error: '' });
      expect(call?.request.files.map((f) => f.rows)).toEqual(ROWS);
      expect(call?.request.linksExpireAt?.toISOString()).toBe(job.links_expire_at);

      // The end is recorded once: a later read shows the same end and the same signed links.
      const again = await read(jobId);
      expect(again.end_time).toBe(job.end_time);
      expect(again.presigned_urls).toEqual(job.presigned_urls);
    },
    150_000,
  );

  it('starts one job when eight requests for the same app arrive at once; the others are 409', async () => {
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        requestJson(platform.gatewayUrl, 'POST', '/api/v1/analytics/exports/', {
          authorization: `Token ${app.apiKey}`,
          body: { from: '2024-01-01', to: '2024-03-31', format: 'csv' },
        }),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    const jobId = (answers.find((a) => a.status === 201)?.body as { job_id: string }).job_id;
    for (const refused of answers.filter((a) => a.status === 409))
      expect(JSON.stringify(refused.body)).toContain('you can only have one export job in progress at a time');
    const job = await eventually(
      async () => {
        const body = await read(jobId);
        return body.status === 'completed' ? body : undefined;
      },
      60_000,
      'the export to complete',
    );
    expect(job.files.map((f) => f.rows)).toEqual(ROWS.slice(0, 3));
  }, 90_000);
});

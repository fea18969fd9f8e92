import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import {
  createApp,
  CreatedApp,
  downloadExportFile,
  eventually,
  callsMatching,
  insertRawRecords,
  requestJson,
  exportFileRows,
  sampleTrackingCalls,
  startS3Server,
  startTestPlatform,
  TestPlatform,
  testServers,
  uniqueName,
} from '@exportd/testing';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** The S3 server goes away mid-export: the job retries with back-off and completes, or fails cleanly. */
describe('export while S3 is down', () => {
  let platform: TestPlatform;
  let s3: Awaited<ReturnType<typeof startS3Server>>;
  let app: CreatedApp;
  const dataDir = join(testServers().tmpDir, uniqueName('s3-outage'));
  const credentials = { accessKeyId: 'outage-access', secretAccessKey: 'outage-secret-0123456789' };
  const bucket = 'outage-exports';
  let seeded: ReturnType<typeof sampleTrackingCalls>;

  beforeAll(async () => {
    s3 = await startS3Server({ dataDir, ...credentials });
    const client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    client.destroy();
    platform = await startTestPlatform({
      S3_ENDPOINT: s3.endpoint,
      S3_ACCESS_KEY_ID: credentials.accessKeyId,
      S3_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      S3_BUCKET: bucket,
      EXPORT_POLL_INTERVAL_MS: '100',
      EXPORT_RETRY_BASE_MS: '500',
      EXPORT_MAX_ATTEMPTS: '6',
      EXPORT_S3_MAX_ATTEMPTS: '2',
    });
    app = await createApp(platform.gatewayUrl, platform.adminToken, 'enterprise');
    seeded = sampleTrackingCalls(app.id);
    await insertRawRecords(platform.mongoUrl, { calls: seeded });
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
    await s3?.process.stop();
  });

  const create = async () => {
    const created = await requestJson(platform.gatewayUrl, 'POST', '/api/v1/analytics/exports/', {
      authorization: `Token ${app.apiKey}`,
      body: { from: '2024-05-02', to: '2024-09-30', format: 'jsonl' },
    });
    expect(created.status).toBe(201);
    return created.body.job_id as string;
  };
  const read = async (jobId: string) =>
    (
      await requestJson(platform.gatewayUrl, 'GET', `/api/v1/analytics/exports/jobs/${jobId}`, {
        authorization: `Token ${app.apiKey}`,
      })
    ).body;
  const ended = (jobId: string) =>
    eventually(async () => {
      const job = await read(jobId);
      return ['completed', 'failed'].includes(job?.status) ? job : undefined;
    }, 90_000);

  it('completes once S3 is back, with every row', async () => {
    await s3.process.stop();
    const jobId = await create();
    await eventually(async () => ((await read(jobId))?.status === 'in_progress' ? true : undefined));
    await sleep(1_000);
    s3 = await startS3Server({ dataDir, port: s3.port, ...credentials });

    const job = await ended(jobId);
    expect(job.status).toBe('completed');
    let rows = 0;
    for (const link of job.presigned_urls as { url: string }[])
      rows += exportFileRows(await downloadExportFile(link.url), 'jsonl').length;
    expect(rows).toBe(
      callsMatching(seeded, {
        from: '2024-05-02',
        to: '2024-09-30',
        // The Bulk API's default event types: the seed's six and feedback.
        eventTypes: ['identify_user', 'identify_company', 'page_view', 'track', 'track_feature', 'interaction', 'feedback'],
      }).length,
    );
  }, 120_000);

  it('fails cleanly, saying what failed, when S3 stays down past the retry budget', async () => {
    await s3.process.stop();
    const jobId = await create();
    const job = await ended(jobId);
    expect(job.status).toBe('failed');
    expect(job.error).toMatch(/S3 upload failed/);
    expect(job.end_time).not.toBeNull();
    // The app is free to export again.
    s3 = await startS3Server({ dataDir, port: s3.port, ...credentials });
    const next = await create();
    expect((await ended(next)).status).toBe('completed');
  }, 150_000);
});

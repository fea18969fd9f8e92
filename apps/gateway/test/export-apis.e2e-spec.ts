import {
  callsMatching,
  createApp,
  CreatedApp,
  downloadExportFile,
  eventually,
  exportFileRows,
  insertRawRecords,
  JsonResponse,
  requestJson,
  sampleTrackingCalls,
  startTestPlatform,
  TestPlatform,
  trackingCall,
} from '@exportd/testing';
import { TrackingCallRecord } from '@exportd/records';

const DAY_MS = 86_400_000;
/** 2024-01-01 .. 2025-12-01: the 24 monthly partitions of a two-year Bulk API export. */
const MONTHS = Array.from({ length: 24 }, (_, i) => new Date(Date.UTC(2024, i, 1)).toISOString().slice(0, 10));
const ALL_EVENT_TYPES = ['identify_user', 'identify_company', 'page_view', 'track', 'track_feature', 'interaction', 'feedback'];

interface BulkJob {
  job_id: string;
  status: string;
  error: string | null;
  all_chunks: string[];
  completed_chunks: string[];
  end_time: string | null;
  links_expire_at: string | null;
  manifest_url: string | null;
  presigned_urls: { filename: string; url: string }[];
}

interface OnDemandJob {
  id: string;
  status: string;
  createdAt: string;
  completedAt: string | null;
  expiresAt: string | null;
  files: { filename: string; url: string | null; rows: number }[];
  manifestUrl: string | null;
  error: string | null;
}

const expiresOf = (url: string | null) => new URL(url as string).searchParams.get('X-Amz-Expires');

/**
 * Each API owns its jobs (another API's job is a 404, like another app's); only the Bulk API has the one-job
 * 409; on-demand jobs queue and run in order; one worker is shared fairly between apps; links last 2 days
 * (Bulk API) or 7 days (on demand).
 */
describe('export jobs of the Bulk API and of on-demand exports', () => {
  let platform: TestPlatform;
  let big: CreatedApp;
  let small: CreatedApp;
  let app: CreatedApp;
  let seeded: TrackingCallRecord[];

  const bulk = (of: CreatedApp) => `Token ${of.apiKey}`;
  const readBulk = (of: CreatedApp, jobId: string) =>
    requestJson<BulkJob>(platform.gatewayUrl, 'GET', `/api/v1/analytics/exports/jobs/${jobId}`, { authorization: bulk(of) });
  const readOnDemand = (of: CreatedApp, id: string) =>
    requestJson<OnDemandJob>(platform.gatewayUrl, 'GET', `/api/v1/exports/${id}`, { token: of.apiKey });
  const ended = (status: string | undefined) => ['completed', 'failed', 'cancelled'].includes(status ?? '');
  const waitFor = <T extends { status: string }>(read: () => Promise<JsonResponse<T>>, what: string) =>
    eventually(
      async () => {
        const res = await read();
        return ended(res.body?.status) ? res.body : undefined;
      },
      90_000,
      what,
    );
  const createBulk = (of: CreatedApp, body: Record<string, unknown>) =>
    requestJson(platform.gatewayUrl, 'POST', '/api/v1/analytics/exports/', { authorization: bulk(of), body });
  const createOnDemand = (of: CreatedApp, body: Record<string, unknown>) =>
    requestJson(platform.gatewayUrl, 'POST', '/api/v1/exports', { token: of.apiKey, body });

  beforeAll(async () => {
    // One worker: every partition of every app goes through it, one at a time.
    platform = await startTestPlatform({ EXPORT_WORKER_CONCURRENCY: '1', EXPORT_POLL_INTERVAL_MS: '50' });
    big = await createApp(platform.gatewayUrl, platform.adminToken, 'enterprise', 'big');
    small = await createApp(platform.gatewayUrl, platform.adminToken, 'enterprise', 'small');
    app = await createApp(platform.gatewayUrl, platform.adminToken, 'enterprise', 'both APIs');
    const bigCalls: TrackingCallRecord[] = [];
    MONTHS.forEach((month) => {
      for (let i = 0; i < 300; i++) {
        bigCalls.push(
          trackingCall(big.id, {
            type: 'event',
            userId: `user_${i % 11}`,
            companyId: `comp_${i % 3}`,
            event: `event_${i % 5}`,
            timestamp: new Date(Date.parse(`${month}T00:00:00Z`) + i * 60_000),
          }),
        );
      }
    });
    seeded = sampleTrackingCalls(app.id);
    const smallCalls = [1, 2, 3].map((d) =>
      trackingCall(small.id, { type: 'event', userId: 'u', event: 'opened', timestamp: `2024-06-0${d}T10:00:00Z` }),
    );
    await insertRawRecords(platform.mongoUrl, { calls: [...bigCalls, ...smallCalls, ...seeded] });
  }, 180_000);

  afterAll(async () => {
    await platform?.stop();
  });

  it("one app's big export does not starve another's small one: the small one completes while the big one runs", async () => {
    const started = await createBulk(big, { from: '2024-01-01', to: '2025-12-31', format: 'jsonl' });
    expect(started.status).toBe(201);
    const bigId = started.body.job_id as string;
    await eventually(
      async () => ((await readBulk(big, bigId)).body.completed_chunks.length > 0 ? true : undefined),
      30_000,
      'the big export to start',
    );

    const created = await createOnDemand(small, {
      startDate: '2024-06-01',
      endDate: '2024-06-30',
      dataTypes: ['events'],
      format: 'jsonl',
    });
    expect(created.status).toBe(202);
    const smallJob = await waitFor(() => readOnDemand(small, created.body.id), 'the small export to end');
    expect(smallJob.status).toBe('completed');
    expect(smallJob.files.map((f) => f.rows)).toEqual([3]);
    const bigWhenSmallEnded = (await readBulk(big, bigId)).body;
    expect(bigWhenSmallEnded.completed_chunks.length).toBeLessThan(MONTHS.length);

    const bigJob = await waitFor(() => readBulk(big, bigId), 'the big export to end');
    expect(bigJob.status).toBe('completed');
    expect(bigJob.completed_chunks).toEqual(MONTHS);
    expect(Date.parse(smallJob.completedAt as string)).toBeLessThan(Date.parse(`${bigJob.end_time as string}`));
  }, 180_000);

  it('two on-demand jobs of one app at once are both accepted, run in order and complete; Bulk API jobs keep their 409', async () => {
    const body = {
      startDate: '2024-06-01',
      endDate: '2024-06-30',
      dataTypes: ['events', 'users', 'companies', 'feedback'],
      format: 'jsonl',
    };
    const created = await Promise.all([createOnDemand(app, body), createOnDemand(app, body)]);
    expect(created.map((c) => c.status)).toEqual([202, 202]);
    // Queued on-demand jobs take no Bulk API slot: a Bulk API job starts beside them, a second one is a 409.
    const first = await createBulk(app, { from: '2024-06-01', to: '2024-06-30' });
    expect(first.status).toBe(201);
    const second = await createBulk(app, { from: '2024-06-01', to: '2024-06-30' });
    expect(second.status).toBe(409);

    const jobs = await Promise.all(created.map((c) => waitFor(() => readOnDemand(app, c.body.id), 'an on-demand export to end')));
    expect(jobs.map((j) => j.status)).toEqual(['completed', 'completed']);
    const [older, newer] = [...jobs].sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt)) as [
      OnDemandJob,
      OnDemandJob,
    ];
    if (older.createdAt !== newer.createdAt)
      expect(Date.parse(older.completedAt as string)).toBeLessThanOrEqual(Date.parse(newer.completedAt as string));
    expect((await waitFor(() => readBulk(app, first.body.job_id), 'the Bulk API export to end')).status).toBe('completed');
  }, 120_000);

  it('an on-demand job is a 404 through the Bulk API and a Bulk API job a 404 on demand, for reading, listing and cancelling', async () => {
    const onDemand = await createOnDemand(app, {
      startDate: '2024-07-01',
      endDate: '2024-07-31',
      dataTypes: ['events'],
      format: 'csv',
    });
    expect(onDemand.status).toBe(202);
    const bulkJob = await createBulk(app, { from: '2024-07-01', to: '2024-07-31', format: 'csv' });
    expect(bulkJob.status).toBe(201);
    const onDemandId = onDemand.body.id as string;
    const bulkId = bulkJob.body.job_id as string;

    const viaBulk = await readBulk(app, onDemandId);
    expect(viaBulk.status).toBe(404);
    expect(JSON.stringify(viaBulk.body)).toContain(onDemandId);
    expect((await readOnDemand(app, bulkId)).status).toBe(404);
    const cancel = await requestJson(platform.gatewayUrl, 'DELETE', `/api/v1/exports/${bulkId}`, { token: app.apiKey });
    expect(cancel.status).toBe(404);
    // Like another app's job: the other app cannot read either.
    expect((await readOnDemand(small, onDemandId)).status).toBe(404);
    expect((await readBulk(small, bulkId)).status).toBe(404);

    const bulkList = await requestJson<{ job_id: string }[]>(platform.gatewayUrl, 'GET', '/api/v1/analytics/exports/jobs/', {
      authorization: bulk(app),
    });
    expect(bulkList.body.map((j) => j.job_id)).toContain(bulkId);
    expect(bulkList.body.map((j) => j.job_id)).not.toContain(onDemandId);
    const onDemandList = await requestJson<{ data: { id: string }[] }>(platform.gatewayUrl, 'GET', '/api/v1/exports', {
      token: app.apiKey,
    });
    expect(onDemandList.body.data.map((j) => j.id)).toContain(onDemandId);
    expect(onDemandList.body.data.map((j) => j.id)).not.toContain(bulkId);

    // The refused cancel left the Bulk API job alone; each API still reads its own.
    expect((await waitFor(() => readBulk(app, bulkId), 'the Bulk API export to end')).status).toBe('completed');
    expect((await waitFor(() => readOnDemand(app, onDemandId), 'the on-demand export to end')).status).toBe('completed');
  }, 120_000);

  it('signs on-demand links for 7 days and Bulk API links for 2 days', async () => {
    const onDemand = await createOnDemand(app, {
      startDate: '2024-08-01',
      endDate: '2024-08-31',
      dataTypes: ['events'],
      format: 'jsonl',
    });
    const onDemandJob = await waitFor(() => readOnDemand(app, onDemand.body.id), 'the on-demand export to end');
    expect(onDemandJob.status).toBe('completed');
    expect(onDemandJob.files.length).toBeGreaterThan(0);
    for (const file of onDemandJob.files) expect(expiresOf(file.url)).toBe('604800');
    expect(expiresOf(onDemandJob.manifestUrl)).toBe('604800');
    expect(Date.parse(onDemandJob.expiresAt as string) - Date.parse(onDemandJob.completedAt as string)).toBe(7 * DAY_MS);
    expect((await downloadExportFile(onDemandJob.files[0]?.url as string)).length).toBeGreaterThan(0);

    const bulkJob = await createBulk(app, { from: '2024-08-01', to: '2024-08-31' });
    const job = await waitFor(() => readBulk(app, bulkJob.body.job_id), 'the Bulk API export to end');
    expect(job.status).toBe('completed');
    expect(job.presigned_urls.length).toBeGreaterThan(0);
    for (const link of job.presigned_urls) expect(expiresOf(link.url)).toBe('172800');
    expect(expiresOf(job.manifest_url)).toBe('172800');
    expect(Date.parse(job.links_expire_at as string) - Date.parse(`${job.end_time as string}`)).toBe(2 * DAY_MS);
  }, 120_000);

  it('a Bulk API export without event_type holds every tracking call of the range, feedback included', async () => {
    const created = await createBulk(app, { from: '2024-05-02', to: '2024-09-30', format: 'jsonl' });
    expect(created.status).toBe(201);
    const job = await waitFor(() => readBulk(app, created.body.job_id), 'the default export to end');
    expect(job.status).toBe('completed');
    const rows: { event_type: string }[] = [];
    for (const link of job.presigned_urls)
      rows.push(...(exportFileRows(await downloadExportFile(link.url), 'jsonl') as typeof rows));
    const inRange = seeded.filter((c) => c.day >= '2024-05-02' && c.day <= '2024-09-30');
    expect(rows).toHaveLength(inRange.length);
    expect(callsMatching(seeded, { from: '2024-05-02', to: '2024-09-30', eventTypes: ALL_EVENT_TYPES })).toHaveLength(
      inRange.length,
    );
    expect(new Set(rows.map((r) => r.event_type))).toEqual(new Set(['identify_user', 'identify_company', 'track', 'feedback']));
  }, 120_000);
});

import {
  createApp,
  CreatedApp,
  downloadExportFile,
  eventually,
  callsMatching,
  companyProfile,
  insertRawRecords,
  requestJson,
  exportFileRows,
  sampleTrackingCalls,
  startTestPlatform,
  TestPlatform,
  userProfile,
} from '@exportd/testing';
import mongoose from 'mongoose';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';

const SEED_EVENT_TYPES = ['identify_user', 'identify_company', 'page_view', 'track'];
// The default event types: the seed's six plus this platform's feedback (every tracking call).
const DEFAULT_TYPES = ['identify_user', 'identify_company', 'page_view', 'track', 'track_feature', 'interaction', 'feedback'];

describe('Bulk Data Export API (seed 002)', () => {
  let platform: TestPlatform;
  let app: CreatedApp;
  let token: string;
  const calls = () => sampleTrackingCalls(app.id);
  let seeded: ReturnType<typeof sampleTrackingCalls>;
  const segments: Record<string, string> = {};

  const waitForEnd = (jobId: string) =>
    eventually(
      async () => {
        const res = await requestJson(platform.gatewayUrl, 'GET', `/api/v1/analytics/exports/jobs/${jobId}`, {
          authorization: token,
        });
        return ['completed', 'failed', 'cancelled'].includes(res.body?.status) ? res : undefined;
      },
      60_000,
      `job ${jobId} to end`,
    );

  beforeAll(async () => {
    platform = await startTestPlatform({
      EXPORT_POLL_INTERVAL_MS: '100',
      EXPORT_RETRY_BASE_MS: '200',
      EXPORT_MAX_ATTEMPTS: '10',
    });
    app = await createApp(platform.gatewayUrl, platform.adminToken, 'enterprise', 'production');
    token = `Token ${app.apiKey}`;
    seeded = calls();
    await insertRawRecords(platform.mongoUrl, {
      calls: seeded,
      companies: ['comp_0', 'comp_1', 'comp_2'].map((id) =>
        companyProfile(app.id, id, new Date('2024-01-01T00:00:00Z'), { tier: id === 'comp_2' ? 'gold' : 'basic' }),
      ),
    });
    for (const tier of ['gold', 'basic']) {
      const segment = await requestJson(platform.gatewayUrl, 'POST', '/api/v1/segments', {
        authorization: token,
        body: { name: `${tier} tier`, filter: `tier == "${tier}"` },
      });
      segments[tier] = segment.body.id as string;
    }
  });

  afterAll(async () => {
    await platform?.stop();
  });

  it("segment_id keeps the rows of the segment's companies; an unknown segment is a 400", async () => {
    const created = await requestJson(platform.gatewayUrl, 'POST', '/api/v1/analytics/exports/', {
      authorization: token,
      body: { from: '2024-05-02', to: '2024-09-30', segment_id: segments.basic, format: 'jsonl' },
    });
    expect(created.status).toBe(201);
    const done = await waitForEnd(created.body.job_id);
    expect(done.body.status).toBe('completed');
    const companies = new Set<string>();
    let rows = 0;
    for (const link of done.body.presigned_urls as { url: string }[]) {
      for (const row of exportFileRows(await downloadExportFile(link.url), 'jsonl') as { company_id?: string }[]) {
        rows++;
        if (row.company_id) companies.add(row.company_id);
      }
    }
    const expected = callsMatching(seeded, {
      from: '2024-05-02',
      to: '2024-09-30',
      eventTypes: DEFAULT_TYPES,
      companyIds: ['comp_0', 'comp_1'],
    });
    expect(rows).toBe(expected.length);
    expect([...companies].sort()).toEqual(['comp_0', 'comp_1']);

    const unknown = await requestJson(platform.gatewayUrl, 'POST', '/api/v1/analytics/exports/', {
      authorization: token,
      body: { from: '2024-05-02', to: '2024-09-30', segment_id: 'seg_missing' },
    });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body)).toContain('segment_id');
  });

  it("runs the seed's example request: 201 with the seed's body, then the job's files hold exactly the matching rows", async () => {
    const created = await requestJson(platform.gatewayUrl, 'POST', '/api/v1/analytics/exports/', {
      authorization: token,
      body: {
        from: '2024-05-02',
        to: '2024-09-30',
        emails: ['example@work.com'],
        event_type: SEED_EVENT_TYPES,
        user_id: ['user_1'],
        company_id: ['comp_2'],
        segment_id: segments.gold,
        format: 'csv',
        exclusions: true,
      },
    });
    expect(created.status).toBe(201);
    expect(Object.keys(created.body).sort()).toEqual([
      'environment_app_token',
      'environment_name',
      'job_id',
      'links',
      'start_time',
    ]);
    expect(created.body).toMatchObject({
      environment_app_token: app.id,
      environment_name: 'production',
      links: `/api/v1/analytics/exports/jobs/${created.body.job_id}`,
    });
    expect(created.body.job_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.body.start_time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/);

    const done = await waitForEnd(created.body.job_id);
    expect(done.status).toBe(200);
    const job = done.body;
    expect(job).toMatchObject({
      app_token: app.id,
      job_id: created.body.job_id,
      status: 'completed',
      type: 'export',
      progress: '5 out of 5 partitions',
      all_chunks: ['2024-05-01', '2024-06-01', '2024-07-01', '2024-08-01', '2024-09-01'],
      completed_chunks: ['2024-05-01', '2024-06-01', '2024-07-01', '2024-08-01', '2024-09-01'],
      current_chunk: '2024-09-01',
    });
    expect(job.end_time).toMatch(/Z$/);
    expect(job.presigned_urls.map((u: { filename: string }) => u.filename)).toEqual([
      '2024-05-01.csv.gz',
      '2024-06-01.csv.gz',
      '2024-07-01.csv.gz',
      '2024-08-01.csv.gz',
      '2024-09-01.csv.gz',
    ]);
    let rows = 0;
    let text = '';
    for (const link of job.presigned_urls as { url: string }[]) {
      expect(link.url).toContain('X-Amz-Signature=');
      const file = await downloadExportFile(link.url);
      rows += exportFileRows(file, 'csv').length;
      text += gunzipSync(file).toString('utf8');
    }
    const expected = callsMatching(seeded, {
      from: '2024-05-02',
      to: '2024-09-30',
      eventTypes: SEED_EVENT_TYPES,
      userIds: ['user_1'],
      companyIds: ['comp_2'],
    });
    expect(expected.length).toBeGreaterThan(3);
    expect(rows).toBe(expected.length);
    expect(
      text.startsWith(
        'event_type,event_name,user_id,company_id,timestamp,day,message_id,feature_id,feature_name,score,comment,' +
          'url,path,title,referrer,attributes\r\n',
      ),
    ).toBe(true);
    expect(text).toContain(",'=SUM(A1),"); // a cell that would run as a formula is neutralised
    expect(text).not.toMatch(/(^|,)=SUM/m);
    expect(text).toContain(',first,');
    expect(text).toContain(',last,');
    expect(text).not.toContain(',before,');
    expect(text).not.toContain(',after,');
  });

  it('exports JSON by default (a JSON array per file) with a manifest whose sizes and SHA-256 match the files', async () => {
    const created = await requestJson(platform.gatewayUrl, 'POST', '/api/v1/analytics/exports/', {
      authorization: token,
      body: { from: '2024-05-02', to: '2024-09-30' },
    });
    expect(created.status).toBe(201);
    const { body: job } = await waitForEnd(created.body.job_id);
    expect(job.status).toBe('completed');
    const manifest = (await (await fetch(job.manifest_url)).json()) as {
      files: { filename: string; rows: number; bytes: number; sha256: string }[];
    };
    let rows = 0;
    const names: (string | null)[] = [];
    for (const link of job.presigned_urls as { filename: string; url: string }[]) {
      expect(link.filename).toMatch(/\.json\.gz$/);
      const file = await downloadExportFile(link.url);
      const entry = manifest.files.find((f) => f.filename === link.filename);
      expect(entry).toMatchObject({ bytes: file.length, sha256: createHash('sha256').update(file).digest('hex') });
      const parsed = exportFileRows(file, 'json');
      expect(entry?.rows).toBe(parsed.length);
      rows += parsed.length;
      names.push(...(parsed as { event_name: string | null }[]).map((r) => r.event_name));
    }
    expect(names).toContain('clicked, "button" 0');
    expect(rows).toBe(callsMatching(seeded, { from: '2024-05-02', to: '2024-09-30', eventTypes: DEFAULT_TYPES }).length);
  });

  it("exclusions: true leaves out the users and companies on the app's exclusion list", async () => {
    const connection = await mongoose.createConnection(platform.mongoUrl).asPromise();
    await connection.collection('exclusions').insertMany([
      { _id: `${app.id}|user|user_1`, appId: app.id, kind: 'user', value: 'user_1', createdAt: new Date() },
      { _id: `${app.id}|company|comp_0`, appId: app.id, kind: 'company', value: 'comp_0', createdAt: new Date() },
    ] as never[]);
    await connection.close();
    const created = await requestJson(platform.gatewayUrl, 'POST', '/api/v1/analytics/exports/', {
      authorization: token,
      body: { from: '2024-05-02', to: '2024-09-30', format: 'jsonl', exclusions: true },
    });
    const { body: job } = await waitForEnd(created.body.job_id);
    expect(job.status).toBe('completed');
    const rows: { user_id: string | null; company_id: string | null }[] = [];
    for (const link of job.presigned_urls as { url: string }[]) {
      rows.push(...(exportFileRows(await downloadExportFile(link.url), 'jsonl') as typeof rows));
    }
    const expected = callsMatching(seeded, { from: '2024-05-02', to: '2024-09-30', eventTypes: DEFAULT_TYPES }).filter(
      (c) => c.userId !== 'user_1' && !c.companyIds.includes('comp_0'),
    );
    expect(rows).toHaveLength(expected.length);
    expect(rows.some((r) => r.user_id === 'user_1' || r.company_id === 'comp_0')).toBe(false);
    const connection2 = await mongoose.createConnection(platform.mongoUrl).asPromise();
    await connection2.collection('exclusions').deleteMany({ appId: app.id });
    await connection2.close();
  });

  it('lists the jobs with the seed fields', async () => {
    const list = await requestJson(platform.gatewayUrl, 'GET', '/api/v1/analytics/exports/jobs/', { authorization: token });
    expect(list.status).toBe(200);
    expect(list.body.length).toBeGreaterThanOrEqual(2);
    for (const item of list.body) {
      expect(Object.keys(item).sort()).toEqual([
        'elapsed_time',
        'elapsed_time_seconds',
        'end_time',
        'job_id',
        'progress',
        'start_time',
        'status',
      ]);
      expect(item.elapsed_time).toMatch(/^\d+ seconds?$/);
      expect(item.progress).toMatch(/^\d+ out of \d+ partitions$/);
    }
  });

  it("answers 409 with the seed's body while the app has a job in progress", async () => {
    // With aggregation down the job cannot finish, so it stays in progress.
    await platform.processes.get('aggregation')?.stop();
    const first = await requestJson(platform.gatewayUrl, 'POST', '/api/v1/analytics/exports/', {
      authorization: token,
      body: { from: '2024-05-02', to: '2024-06-30' },
    });
    expect(first.status).toBe(201);
    const second = await requestJson(platform.gatewayUrl, 'POST', '/api/v1/analytics/exports/', {
      authorization: token,
      body: { from: '2024-05-02', to: '2024-06-30' },
    });
    expect(second.status).toBe(409);
    expect(second.body).toEqual({
      errors: [
        {
          details: 'There is already an export job in progress, you can only have one export job in progress at a time.',
          error: 'Conflict',
          error_code: '409',
          message: 'The request could not be completed due to a conflict with the current state of the target resource.',
        },
      ],
    });
    await platform.restart('aggregation');
    const { body } = await waitForEnd(first.body.job_id);
    expect(body.status).toBe('completed');
  });

  it("answers 403 with the seed's permission body for a plan without exports", async () => {
    const free = await createApp(platform.gatewayUrl, platform.adminToken, 'free', 'free app');
    const response = await requestJson(platform.gatewayUrl, 'POST', '/api/v1/analytics/exports/', {
      authorization: `Token ${free.apiKey}`,
      body: { from: '2024-05-02', to: '2024-09-30' },
    });
    expect(response.status).toBe(403);
    expect(response.body).toEqual({
      errors: [
        {
          details: `Your current plan for application ${free.id} does not support the feature you are trying to access.`,
          error: 'Unauthorized',
          error_code: '401',
          message: 'You are not authorized to perform the requested action.',
        },
      ],
    });
  });

  it("answers 404 with the seed's body for an unknown job and for another app's job", async () => {
    const missing = await requestJson(
      platform.gatewayUrl,
      'GET',
      '/api/v1/analytics/exports/jobs/ba111778-f28a-40ca-8c64-e83e2a3bb96ee',
      {
        authorization: token,
      },
    );
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      errors: [
        {
          details: null,
          error: 'Resource not found',
          error_code: '404',
          message: `Failed to retrieve job with id ba111778-f28a-40ca-8c64-e83e2a3bb96ee for application ${app.id}: job not found`,
        },
      ],
    });
    const mine = await requestJson(platform.gatewayUrl, 'GET', '/api/v1/analytics/exports/jobs/', { authorization: token });
    const other = await createApp(platform.gatewayUrl, platform.adminToken, 'enterprise', 'other');
    const foreign = await requestJson(platform.gatewayUrl, 'GET', `/api/v1/analytics/exports/jobs/${mine.body[0].job_id}`, {
      authorization: `Token ${other.apiKey}`,
    });
    expect(foreign.status).toBe(404);
    expect(foreign.body.errors[0].message).toContain(`for application ${other.id}: job not found`);
  });

  it('answers 400 naming the problem for bad dates, from after to, and invalid emails', async () => {
    const post = (body: unknown) =>
      requestJson(platform.gatewayUrl, 'POST', '/api/v1/analytics/exports/', { authorization: token, body });
    const badDate = await post({ from: '05/02/2024', to: '2024-09-30' });
    expect(badDate.status).toBe(400);
    expect(JSON.stringify(badDate.body)).toContain('from must be a date in YYYY-MM-DD format');
    const reversed = await post({ from: '2024-09-30', to: '2024-05-02' });
    expect(reversed.status).toBe(400);
    expect(JSON.stringify(reversed.body)).toContain('from must not be after to');
    const emails = await post({ from: '2024-05-02', to: '2024-09-30', emails: ['ok@work.com', 'not-an-email', 'a b@c.d'] });
    expect(emails.status).toBe(400);
    expect(emails.body.error.message).toContain('not-an-email');
    expect(emails.body.error.message).toContain('a b@c.d');
    expect(emails.body.error.message).not.toContain('ok@work.com');
  });

  it('serves the lookups: properties and events as arrays, event properties with cursor pagination', async () => {
    await insertRawRecords(platform.mongoUrl, {
      users: [userProfile(app.id, 'user_0', new Date('2024-05-01T00:00:00Z'), { name: 'Ada', 'a.b': 1 })],
    });
    const get = (path: string) =>
      requestJson(platform.gatewayUrl, 'GET', `/api/v1/analytics/exports/lookups/${path}`, { authorization: token });
    const users = await get('user_properties');
    expect(users.status).toBe(200);
    expect(users.body.map((p: { key: string }) => p.key)).toEqual(['a.b', 'name']);
    expect(users.body[1]).toMatchObject({ key: 'name', display_name: 'name', data_type: 'string' });

    const events = await get('features_events');
    expect(events.status).toBe(200);
    expect(events.body.map((e: { key: string }) => e.key)).toContain('=SUM(A1)');

    const first = await get('events_properties?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(2);
    expect(first.body.metadata).toMatchObject({ limit: 2, cursor: { before: null }, total_count_cap_exceeded: false });
    const total = first.body.metadata.total_count as number;
    const seen = [...first.body.data];
    let after = first.body.metadata.cursor.after as string | null;
    while (after) {
      const page = await get(`events_properties?limit=2&after_cursor=${encodeURIComponent(after)}`);
      expect(page.body.metadata.cursor.before).not.toBeNull();
      seen.push(...page.body.data);
      after = page.body.metadata.cursor.after;
    }
    expect(seen).toHaveLength(total);
    expect(new Set(seen.map((p: { id: string }) => p.id)).size).toBe(total);

    const segmentsPage = await get('segments?limit=1');
    expect(segmentsPage.status).toBe(200);
    expect(segmentsPage.body.metadata.total_count).toBe(2);
    expect(segmentsPage.body.data[0]).toMatchObject({ id: expect.stringMatching(/^seg_/), name: expect.stringMatching(/tier$/) });
    const nextSegments = await get(
      `segments?limit=1&after_cursor=${encodeURIComponent(segmentsPage.body.metadata.cursor.after)}`,
    );
    expect(nextSegments.body.data[0].id).not.toBe(segmentsPage.body.data[0].id);

    expect((await get('flows')).status).toBe(404);
  });
});

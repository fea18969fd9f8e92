import {
  companyProfile,
  createApp,
  CreatedApp,
  downloadExportFile,
  eventually,
  callsMatching,
  insertRawRecords,
  requestJson,
  exportFileRows,
  sampleTrackingCalls,
  startTestPlatform,
  TestPlatform,
  userProfile,
} from '@exportd/testing';

describe('On-demand export API (seed 003)', () => {
  let platform: TestPlatform;
  let app: CreatedApp;
  let seeded: ReturnType<typeof sampleTrackingCalls>;

  const waitForEnd = (id: string) =>
    eventually(
      async () => {
        const res = await requestJson(platform.gatewayUrl, 'GET', `/api/v1/exports/${id}`, { token: app.apiKey });
        return ['completed', 'failed', 'cancelled'].includes(res.body?.status) ? res : undefined;
      },
      60_000,
      `export ${id} to end`,
    );

  beforeAll(async () => {
    platform = await startTestPlatform({ EXPORT_POLL_INTERVAL_MS: '100' });
    app = await createApp(platform.gatewayUrl, platform.adminToken, 'pro', 'on demand');
    seeded = sampleTrackingCalls(app.id);
    await insertRawRecords(platform.mongoUrl, {
      calls: seeded,
      users: [
        userProfile(app.id, 'user_0', new Date('2024-05-01T00:00:00Z'), { name: 'Ada', 'a.b': 1 }, ['comp_0']),
        userProfile(app.id, 'user_1', new Date('2024-05-03T00:00:00Z'), { name: '@mention' }, ['comp_2']),
        userProfile(app.id, 'user_late', new Date('2024-12-01T00:00:00Z')),
      ],
      companies: [companyProfile(app.id, 'comp_0', new Date('2024-05-01T00:00:00Z'), { plan: 'pro' }, ['user_0'])],
    });
  });

  afterAll(async () => {
    await platform?.stop();
  });

  it('POST /api/v1/exports -> 202 with the job and its id; the files hold the rows of every data type asked for', async () => {
    const created = await requestJson(platform.gatewayUrl, 'POST', '/api/v1/exports', {
      token: app.apiKey,
      body: {
        startDate: '2024-06-01',
        endDate: '2024-06-30',
        dataTypes: ['events', 'users', 'companies', 'feedback'],
        format: 'jsonl',
      },
    });
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({
      status: 'pending',
      startDate: '2024-06-01',
      endDate: '2024-06-30',
      dataTypes: ['events', 'users', 'companies', 'feedback'],
      format: 'jsonl',
      progress: { completedPartitions: 0, totalPartitions: 4 },
    });
    expect(typeof created.body.id).toBe('string');

    const { body: job } = await waitForEnd(created.body.id);
    expect(job.status).toBe('completed');
    expect(job.files.map((f: { filename: string }) => f.filename)).toEqual([
      'events-2024-06-01.jsonl.gz',
      'users.jsonl.gz',
      'companies.jsonl.gz',
      'feedback-2024-06-01.jsonl.gz',
    ]);
    const byName: Record<string, unknown[]> = {};
    for (const file of job.files as { filename: string; url: string; rows: number }[]) {
      byName[file.filename] = exportFileRows(await downloadExportFile(file.url), 'jsonl');
      expect(byName[file.filename]).toHaveLength(file.rows);
    }
    expect(byName['events-2024-06-01.jsonl.gz']).toHaveLength(
      callsMatching(seeded, { from: '2024-06-01', to: '2024-06-30', eventTypes: ['identify_user', 'identify_company', 'track'] })
        .length,
    );
    expect(byName['feedback-2024-06-01.jsonl.gz']).toHaveLength(
      callsMatching(seeded, { from: '2024-06-01', to: '2024-06-30', eventTypes: ['feedback'] }).length,
    );
    expect(byName['users.jsonl.gz']).toEqual([
      {
        user_id: 'user_0',
        company_ids: ['comp_0'],
        first_seen: '2024-05-01T00:00:00.000Z',
        last_seen: '2024-05-01T00:00:00.000Z',
        attributes: { name: 'Ada', 'a.b': 1 },
      },
      {
        user_id: 'user_1',
        company_ids: ['comp_2'],
        first_seen: '2024-05-03T00:00:00.000Z',
        last_seen: '2024-05-03T00:00:00.000Z',
        attributes: { name: '@mention' },
      },
    ]);
    expect(byName['companies.jsonl.gz']).toHaveLength(1);
    expect(job.expiresAt).not.toBeNull();
    expect(job.manifestUrl).toContain('manifest.json');

    const list = await requestJson(platform.gatewayUrl, 'GET', '/api/v1/exports', { token: app.apiKey });
    expect(list.status).toBe(200);
    expect(list.body.data.map((j: { id: string }) => j.id)).toContain(created.body.id);
  });

  it('exports CSV with filters', async () => {
    const created = await requestJson(platform.gatewayUrl, 'POST', '/api/v1/exports', {
      token: app.apiKey,
      body: {
        startDate: '2024-07-01',
        endDate: '2024-07-31',
        dataTypes: ['events'],
        format: 'csv',
        filters: { userIds: ['user_1'] },
      },
    });
    expect(created.status).toBe(202);
    const { body: job } = await waitForEnd(created.body.id);
    expect(job.status).toBe('completed');
    const rows = exportFileRows(await downloadExportFile(job.files[0].url), 'csv');
    expect(rows).toHaveLength(
      callsMatching(seeded, {
        from: '2024-07-01',
        to: '2024-07-31',
        eventTypes: ['identify_user', 'identify_company', 'track'],
        userIds: ['user_1'],
      }).length,
    );
  });

  it('DELETE /api/v1/exports/{id} cancels a running export', async () => {
    await platform.processes.get('aggregation')?.stop();
    const created = await requestJson(platform.gatewayUrl, 'POST', '/api/v1/exports', {
      token: app.apiKey,
      body: { startDate: '2024-07-01', endDate: '2024-07-31', dataTypes: ['events'], format: 'jsonl' },
    });
    expect(created.status).toBe(202);
    const cancelled = await requestJson(platform.gatewayUrl, 'DELETE', `/api/v1/exports/${created.body.id}`, {
      token: app.apiKey,
    });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    await platform.restart('aggregation');
    // The app may start another export at once.
    const next = await requestJson(platform.gatewayUrl, 'POST', '/api/v1/exports', {
      token: app.apiKey,
      body: { startDate: '2024-07-01', endDate: '2024-07-02', dataTypes: ['users'], format: 'jsonl' },
    });
    expect(next.status).toBe(202);
    expect((await waitForEnd(next.body.id)).body.status).toBe('completed');
    expect(
      (await requestJson(platform.gatewayUrl, 'GET', `/api/v1/exports/${created.body.id}`, { token: app.apiKey })).body.status,
    ).toBe('cancelled');
  });

  it('answers 400 for a range over 30 days, an unknown data type or format, and 404 for an unknown id', async () => {
    const post = (body: unknown) => requestJson(platform.gatewayUrl, 'POST', '/api/v1/exports', { token: app.apiKey, body });
    const long = await post({ startDate: '2024-06-01', endDate: '2024-07-02', dataTypes: ['events'], format: 'csv' });
    expect(long.status).toBe(400);
    expect(long.body.error.message).toContain('at most 30 days');
    const badType = await post({ startDate: '2024-06-01', endDate: '2024-06-02', dataTypes: ['quality'], format: 'csv' });
    expect(badType.status).toBe(400);
    expect(badType.body.error.message).toContain('dataTypes');
    const badFormat = await post({ startDate: '2024-06-01', endDate: '2024-06-02', dataTypes: ['events'], format: 'xml' });
    expect(badFormat.status).toBe(400);
    expect(badFormat.body.error.message).toContain('format');
    const missing = await requestJson(platform.gatewayUrl, 'GET', '/api/v1/exports/nope', { token: app.apiKey });
    expect(missing.status).toBe(404);
  });

  it('needs exports:read to read and exports:write to create', async () => {
    const key = await requestJson(platform.gatewayUrl, 'POST', `/admin/v1/apps/${app.id}/keys`, {
      token: platform.adminToken,
      body: { privileges: ['exports:read'] },
    });
    expect(key.status).toBe(201);
    const readOnly = key.body.key as string;
    expect((await requestJson(platform.gatewayUrl, 'GET', '/api/v1/exports', { token: readOnly })).status).toBe(200);
    const denied = await requestJson(platform.gatewayUrl, 'POST', '/api/v1/exports', {
      token: readOnly,
      body: { startDate: '2024-06-01', endDate: '2024-06-02', dataTypes: ['events'], format: 'csv' },
    });
    expect(denied.status).toBe(403);
  });
});

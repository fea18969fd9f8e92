import {
  createApp,
  CreatedApp,
  downloadExportFile,
  eventually,
  exportFileRows,
  requestJson,
  startTestPlatform,
  TestPlatform,
} from '@exportd/testing';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const MATCHING = `event_name == 'Opened report' AND attributes.plan IN ['pro', 'enterprise']`;

/** Tracking calls of 2024-06-10..12, each with a messageId that the export rows show. */
const CALLS = [
  { type: 'company', messageId: 'c1', companyId: 'c_pro', userId: 'u1', attributes: { plan: 'pro' } },
  { type: 'company', messageId: 'c2', companyId: 'c_ent', userId: 'u2', attributes: { plan: 'enterprise' } },
  { type: 'company', messageId: 'c3', companyId: 'c_free', userId: 'u3', attributes: { plan: 'free' } },
  { type: 'event', messageId: 'm1', event: 'Opened report', userId: 'u1', companyId: 'c_pro', attributes: { plan: 'pro' } },
  {
    type: 'event',
    messageId: 'm2',
    event: 'Opened report',
    userId: 'u2',
    companyId: 'c_ent',
    attributes: { plan: 'enterprise' },
  },
  { type: 'event', messageId: 'm3', event: 'Opened report', userId: 'u3', companyId: 'c_free', attributes: { plan: 'free' } },
  { type: 'event', messageId: 'm4', event: 'opened report', userId: 'u1', companyId: 'c_pro', attributes: { plan: 'pro' } },
  { type: 'event', messageId: 'm5', event: 'Closed report', userId: 'u1', companyId: 'c_pro', attributes: { plan: 'pro' } },
  { type: 'event', messageId: 'm6', event: 'Opened report', userId: 'u2', companyId: 'c_ent' },
  { type: 'event', messageId: 'm7', event: 'Opened report', userId: 'u1', companyId: 'c_pro', attributes: { plan: 'PRO', n: 1 } },
  { type: 'event', messageId: 'm8', event: 'Opened report', userId: 'u1', companyId: 'c_pro', attributes: { plan: 'pro' } },
].map((call, i) => ({ ...call, timestamp: `2024-06-${i < 7 ? 10 : i < 10 ? 11 : 12}T1${i % 10}:00:00Z` }));

describe('row filters, named filters and exclusions', () => {
  let platform: TestPlatform;
  let app: CreatedApp;
  let readOnlyKey: string;

  const call = (method: string, path: string, body?: unknown, token = app.apiKey) =>
    requestJson<Json>(platform.gatewayUrl, method, path, { token, body });

  const onDemand = async (body: Record<string, unknown>) => {
    const created = await call('POST', '/api/v1/exports', { startDate: '2024-06-01', endDate: '2024-06-30', ...body });
    expect([created.status, created.body]).toEqual([202, expect.anything()]);
    expect(created.body).toMatchObject({ filter: body.filter ?? null, exclusions: body.exclusions ?? false });
    const { body: job } = await eventually(
      async () => {
        const res = await call('GET', `/api/v1/exports/${created.body.id}`);
        return ['completed', 'failed', 'cancelled'].includes(res.body?.status) ? res : undefined;
      },
      60_000,
      `export ${created.body.id} to end`,
    );
    expect(job.status).toBe('completed');
    return job as { files: { filename: string; url: string }[] };
  };

  const bulk = async (body: Record<string, unknown>) => {
    const authorization = `Token ${app.apiKey}`;
    const created = await requestJson<Json>(platform.gatewayUrl, 'POST', '/api/v1/analytics/exports/', {
      authorization,
      body: { from: '2024-06-01', to: '2024-06-30', format: 'jsonl', ...body },
    });
    expect(created.status).toBe(201);
    const { body: job } = await eventually(
      async () => {
        const res = await requestJson<Json>(platform.gatewayUrl, 'GET', `/api/v1/analytics/exports/jobs/${created.body.job_id}`, {
          authorization,
        });
        return ['completed', 'failed', 'cancelled'].includes(res.body?.status) ? res : undefined;
      },
      60_000,
      'bulk export to end',
    );
    expect(job.status).toBe('completed');
    const rows: { message_id: string; event_type: string }[] = [];
    for (const link of job.presigned_urls as { url: string }[])
      rows.push(...(exportFileRows(await downloadExportFile(link.url), 'jsonl') as typeof rows));
    // The calls themselves; the track_feature rows derived from them are event-types.e2e-spec.ts's.
    return rows.filter((row) => row.event_type !== 'track_feature').map((row) => row.message_id).sort();
  };

  const jsonlIds = async (job: { files: { url: string }[] }) => {
    const ids: string[] = [];
    for (const file of job.files)
      ids.push(
        ...(exportFileRows(await downloadExportFile(file.url), 'jsonl') as { message_id: string }[]).map((r) => r.message_id),
      );
    return ids.sort();
  };

  beforeAll(async () => {
    platform = await startTestPlatform({ EXPORT_POLL_INTERVAL_MS: '100' });
    app = await createApp(platform.gatewayUrl, platform.adminToken, 'enterprise', 'filters');
    const key = await requestJson<{ key: string }>(platform.gatewayUrl, 'POST', `/admin/v1/apps/${app.id}/keys`, {
      token: platform.adminToken,
      body: { privileges: ['exports:read'] },
    });
    readOnlyKey = key.body.key;
    const tracked = await requestJson(platform.gatewayUrl, 'POST', `/${app.trackingKey}/bulk`, { body: CALLS });
    expect(tracked.status).toBe(200);
    // Profiles follow the raw calls a few milliseconds later.
    await eventually(
      async () => {
        const res = await call('GET', '/api/v1/data-export/companies?history=today');
        return res.status === 200 ? res : undefined;
      },
      10_000,
      'company data export',
    );
  });

  afterAll(async () => {
    await platform?.stop();
  });

  it('an on-demand filter keeps exactly the matching rows, in jsonl and in csv', async () => {
    const jsonl = await onDemand({ dataTypes: ['events'], format: 'jsonl', filter: MATCHING });
    expect(await jsonlIds(jsonl)).toEqual(['m1', 'm2', 'm8']);

    const csv = await onDemand({ dataTypes: ['events'], format: 'csv', filter: MATCHING });
    const lines: string[] = [];
    for (const file of csv.files) lines.push(...(exportFileRows(await downloadExportFile(file.url), 'csv') as string[]));
    expect(lines).toHaveLength(3);
    expect(lines.map((line) => /,(m\d),/.exec(line)?.[1]).sort()).toEqual(['m1', 'm2', 'm8']);
    expect(lines.every((line) => line.startsWith('track,Opened report,'))).toBe(true);

    // Operators left to the rows: case-insensitive and contains.
    const loose = await onDemand({
      dataTypes: ['events'],
      format: 'jsonl',
      filter: `event_name =~ 'OPENED REPORT' AND attributes.plan =~ 'pro'`,
    });
    expect(await jsonlIds(loose)).toEqual(['m1', 'm4', 'm7', 'm8']);
    const contains = await onDemand({
      dataTypes: ['events'],
      format: 'jsonl',
      filter: `event_name =@ 'report' AND user_id != 'u1'`,
    });
    expect(await jsonlIds(contains)).toEqual(['m2', 'm3', 'm6']);
  });

  it('a named filter: CRUD, and $PRO_REPORTS in an export gives the same rows', async () => {
    const created = await call('POST', '/api/v1/filters', { name: 'PRO_REPORTS', displayName: 'Pro reports', filter: MATCHING });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'PRO_REPORTS', displayName: 'Pro reports', filter: MATCHING });
    expect((await call('POST', '/api/v1/filters', { name: 'PRO_REPORTS', filter: 'a == 1' })).status).toBe(409);
    expect((await call('GET', '/api/v1/filters/PRO_REPORTS', undefined, readOnlyKey)).body).toMatchObject({
      name: 'PRO_REPORTS',
    });
    expect((await call('GET', '/api/v1/filters', undefined, readOnlyKey)).body.filters.map((f: Json) => f.name)).toEqual([
      'PRO_REPORTS',
    ]);
    expect((await call('POST', '/api/v1/filters', { name: 'X', filter: 'a == 1' }, readOnlyKey)).status).toBe(403);
    expect((await call('POST', '/api/v1/filters', { name: 'lower', filter: 'a == 1' })).status).toBe(400);

    const job = await onDemand({ dataTypes: ['events'], format: 'jsonl', filter: '$PRO_REPORTS' });
    expect(await jsonlIds(job)).toEqual(['m1', 'm2', 'm8']);

    const changed = await call('PUT', '/api/v1/filters/PRO_REPORTS', {
      displayName: 'Pro',
      filter: `${MATCHING} AND day == '2024-06-12'`,
    });
    expect(changed.status).toBe(200);
    expect(await jsonlIds(await onDemand({ dataTypes: ['events'], format: 'jsonl', filter: '$PRO_REPORTS' }))).toEqual(['m8']);
    expect((await call('DELETE', '/api/v1/filters/PRO_REPORTS')).status).toBe(204);
    expect((await call('GET', '/api/v1/filters/PRO_REPORTS')).status).toBe(404);
  });

  it('an invalid filter is a 400 invalid_filter at creation, naming the position, the column or the name', async () => {
    const create = (filter: string, dataTypes = ['events']) =>
      call('POST', '/api/v1/exports', { startDate: '2024-06-01', endDate: '2024-06-30', dataTypes, format: 'jsonl', filter });
    const syntax = await create(`event_name == 'x' AND`);
    expect([syntax.status, syntax.body.error.code]).toEqual([400, 'invalid_filter']);
    expect(syntax.body.error.message).toContain('position 21');
    const column = await create(`nope == 1`);
    expect([column.status, column.body.error.code]).toEqual([400, 'invalid_filter']);
    expect(column.body.error.message).toContain('nope');
    const notForUsers = await create(`event_name == 'x'`, ['events', 'users']);
    expect([notForUsers.status, notForUsers.body.error.message]).toEqual([400, expect.stringContaining('event_name')]);
    const unknown = await create('$NO_SUCH_FILTER');
    expect([unknown.status, unknown.body.error.code]).toEqual([400, 'invalid_filter']);
    expect(unknown.body.error.message).toContain('$NO_SUCH_FILTER');
  });

  it('unknown $NAME and cycles are 400 when a filter or segment is written; a used filter cannot be deleted (409)', async () => {
    const unknownFilter = await call('POST', '/api/v1/filters', { name: 'BROKEN', filter: '$MISSING' });
    expect([unknownFilter.status, unknownFilter.body.error.code]).toEqual([400, 'invalid_filter']);
    const unknownSegment = await call('POST', '/api/v1/segments', { name: 'Broken', filter: '$MISSING OR plan == "pro"' });
    expect([unknownSegment.status, unknownSegment.body.error.code]).toEqual([400, 'invalid_filter']);
    expect(unknownSegment.body.error.message).toContain('$MISSING');

    expect((await call('POST', '/api/v1/filters', { name: 'A', filter: 'x == 1' })).status).toBe(201);
    expect((await call('POST', '/api/v1/filters', { name: 'B', filter: '$A OR x == 2' })).status).toBe(201);
    const cycle = await call('PUT', '/api/v1/filters/A', { filter: '$B' });
    expect([cycle.status, cycle.body.error.code]).toEqual([400, 'invalid_filter']);
    expect(cycle.body.error.message).toContain('$A -> $B -> $A');
    const self = await call('PUT', '/api/v1/filters/A', { filter: '$A' });
    expect(self.status).toBe(400);
    const inUse = await call('DELETE', '/api/v1/filters/A');
    expect([inUse.status, inUse.body.error.code]).toEqual([409, 'named_filter_in_use']);
    expect(inUse.body.error.message).toContain('B');
    expect((await call('DELETE', '/api/v1/filters/B')).status).toBe(204);
    expect((await call('DELETE', '/api/v1/filters/A')).status).toBe(204);
  });

  it('a segment using $NAME works in the company CSV and in exports; its named filter cannot be deleted', async () => {
    expect((await call('POST', '/api/v1/filters', { name: 'PAYING', filter: `plan IN ['pro', 'enterprise']` })).status).toBe(201);
    const segment = await call('POST', '/api/v1/segments', { name: 'Paying', filter: '$PAYING' });
    expect(segment.status).toBe(201);
    expect((await call('POST', '/api/v1/features', { name: 'Reports', events: ['Opened report'] })).status).toBe(201);

    const csv = await eventually(
      async () => {
        const res = await fetch(`${platform.gatewayUrl}/api/v1/data-export/companies?history=today`, {
          headers: { authorization: `Bearer ${app.apiKey}` },
        });
        const text = await res.text();
        return text.split('\r\n').length > 3 ? text : undefined;
      },
      10_000,
      'company rows',
    );
    const lineOf = (companyId: string) => csv.split('\r\n').find((line) => line.startsWith(`${companyId},`)) ?? '';
    expect(lineOf('c_pro')).toContain(`"Paying","${segment.body.id}"`);
    expect(lineOf('c_ent')).toContain(`"Paying","${segment.body.id}"`);
    expect(lineOf('c_free')).not.toContain('Paying');

    expect(await bulk({ segment_id: segment.body.id })).toEqual(['c1', 'c2', 'm1', 'm2', 'm4', 'm5', 'm6', 'm7', 'm8']);

    const inUse = await call('DELETE', '/api/v1/filters/PAYING');
    expect([inUse.status, inUse.body.error.code]).toEqual([409, 'named_filter_in_use']);
    expect(inUse.body.error.message).toContain('Paying');
  });

  it('exclusions set through the API leave rows out of both export APIs', async () => {
    expect((await call('GET', '/api/v1/exclusions')).body).toEqual({ userIds: [], companyIds: [] });
    const put = await call('PUT', '/api/v1/exclusions', { userIds: ['u2'], companyIds: ['c_free'] });
    expect([put.status, put.body]).toEqual([200, { userIds: ['u2'], companyIds: ['c_free'] }]);
    expect((await call('PUT', '/api/v1/exclusions', { userIds: ['u2'] }, readOnlyKey)).status).toBe(403);
    expect((await call('GET', '/api/v1/exclusions', undefined, readOnlyKey)).body).toEqual({
      userIds: ['u2'],
      companyIds: ['c_free'],
    });

    const kept = ['c1', 'm1', 'm4', 'm5', 'm7', 'm8'];
    expect(await jsonlIds(await onDemand({ dataTypes: ['events'], format: 'jsonl', exclusions: true }))).toEqual(kept);
    expect(await bulk({ exclusions: true })).toEqual(kept);
    // Without the flag nothing is left out; an emptied list leaves nothing out.
    expect(await jsonlIds(await onDemand({ dataTypes: ['events'], format: 'jsonl' }))).toHaveLength(CALLS.length);
    await call('PUT', '/api/v1/exclusions', { userIds: [], companyIds: [] });
    expect(await bulk({ exclusions: true })).toHaveLength(CALLS.length);
  });
});

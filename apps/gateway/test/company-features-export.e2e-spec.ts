import {
  createApp,
  CreatedApp,
  downloadExportFile,
  eventually,
  exportFileRows,
  requestJson,
  startTestPlatform,
  TestPlatform,
  usageRecords,
} from '@exportd/testing';

const DAY_MS = 86_400_000;

/** The company data export's rows are also an export job's data type (company_features), by history or per day. */
describe('company_features as an export job', () => {
  let platform: TestPlatform;
  let app: CreatedApp;

  beforeAll(async () => {
    platform = await startTestPlatform({ EXPORT_POLL_INTERVAL_MS: '100' });
    app = await createApp(platform.gatewayUrl, platform.adminToken, 'pro');
  });

  afterAll(async () => {
    await platform?.stop();
  });

  /** Creates an on-demand export, waits for it to end, and answers the rows of its one data file. */
  const exportRows = async (body: Record<string, unknown>): Promise<Record<string, unknown>[]> => {
    const created = await requestJson(platform.gatewayUrl, 'POST', '/api/v1/exports', { token: app.apiKey, body });
    expect(created.status).toBe(202);
    const done = await eventually(
      async () => {
        const job = await requestJson(platform.gatewayUrl, 'GET', `/api/v1/exports/${created.body.id as string}`, {
          token: app.apiKey,
        });
        return ['completed', 'failed'].includes(job.body.status) ? job.body : undefined;
      },
      60_000,
      'the export to end',
    );
    expect(done.status).toBe('completed');
    const [file] = done.files as { url: string }[];
    return exportFileRows(await downloadExportFile((file as { url: string }).url), 'jsonl') as Record<string, unknown>[];
  };

  it('writes the same rows as the manual CSV download, in a file behind a presigned link', async () => {
    const feature = await requestJson(platform.gatewayUrl, 'POST', '/api/v1/features', {
      token: app.apiKey,
      body: { name: 'Messaging', events: ['Sent message'] },
    });
    expect(feature.status).toBe(201);
    const now = Date.now();
    await usageRecords(app.id)
      .company('acme', { name: 'Acme' })
      .event('acme', 'Sent message', new Date(now - 2 * DAY_MS))
      .company('globex', { name: '=Globex' })
      .event('globex', 'Opened app', new Date(now - 3 * DAY_MS))
      .writeTo(platform.mongoUrl);

    const today = new Date(now).toISOString().slice(0, 10);
    const created = await requestJson(platform.gatewayUrl, 'POST', '/api/v1/exports', {
      token: app.apiKey,
      body: { dataTypes: ['company_features'], format: 'jsonl', history: '30d-daily' },
    });
    expect(created.status).toBe(202);
    const id = created.body.id as string;
    const done = await eventually(
      async () => {
        const job = await requestJson(platform.gatewayUrl, 'GET', `/api/v1/exports/${id}`, { token: app.apiKey });
        return ['completed', 'failed'].includes(job.body.status) ? job.body : undefined;
      },
      60_000,
      'the export to end',
    );
    expect(done.status).toBe('completed');

    const links = JSON.stringify(done).match(/https?:\/\/[^"]+X-Amz-Signature=[^"]+/g) ?? [];
    const dataLink = links.find((url) => !url.includes('manifest.json'));
    expect(dataLink).toBeDefined();
    const exported = exportFileRows(await downloadExportFile(dataLink as string), 'jsonl') as Record<string, unknown>[];

    const manual = await fetch(`${platform.gatewayUrl}/api/v1/data-export/companies?history=30d-daily`, {
      headers: { authorization: `Bearer ${app.apiKey}` },
    });
    const csvLines = (await manual.text()).trim().split('\r\n');
    expect(exported.length).toBe(csvLines.length - 1);
    expect(exported.length).toBeGreaterThanOrEqual(2);
    expect(Object.keys(exported[0] ?? {})).toEqual((csvLines[0] ?? '').split(','));
    const acmeToday = exported.find((row) => row['Company ID'] === 'acme' && row['Date'] === today);
    expect(acmeToday).toMatchObject({ 'Feature Name': 'Messaging', 'STARS State': 2, 'STARS State Label': 'tried' });
  });

  it('with startDate..endDate, one row per company, feature and day, each as the history shows that day', async () => {
    const now = Date.now();
    const day = (daysAgo: number) => new Date(now - daysAgo * DAY_MS).toISOString().slice(0, 10);
    const byHistory = await exportRows({ dataTypes: ['company_features'], format: 'jsonl', history: '30d-daily' });
    const range = [day(3), day(2), day(1)];
    const byDay = await exportRows({ dataTypes: ['company_features'], format: 'jsonl', startDate: range[0], endDate: range[2] });

    const key = (row: Record<string, unknown>) =>
      `${row['Company ID'] as string}|${row['Feature ID'] as string}|${row['Date'] as string}`;
    expect(byDay.map(key).sort()).toEqual(
      byHistory
        .filter((row) => range.includes(row['Date'] as string))
        .map(key)
        .sort(),
    );
    expect(new Set(byDay.map((row) => row['Date']))).toEqual(new Set(range));
    for (const row of byDay) expect(row).toEqual(byHistory.find((other) => key(other) === key(row)));

    const acmeOnly = await exportRows({
      dataTypes: ['company_features'],
      format: 'jsonl',
      startDate: range[0],
      endDate: range[2],
      filters: { companyIds: ['acme'] },
    });
    expect(acmeOnly.length).toBeGreaterThan(0);
    expect(acmeOnly.length).toBe(byDay.filter((row) => row['Company ID'] === 'acme').length);
    expect(new Set(acmeOnly.map((row) => row['Company ID']))).toEqual(new Set(['acme']));
  });

  it.each([
    [
      'history and days at once',
      { history: '30d-daily', startDate: '2026-01-01', endDate: '2026-01-02' },
      'give either history or a day range (startDate and endDate), not both',
    ],
    [
      'history for other data types',
      { history: 'today', dataTypes: ['company_features', 'events'] },
      /^history applies to company_features only/,
    ],
    ['more than 30 days', { startDate: '2026-01-01', endDate: '2026-02-01' }, 'endDate must be at most 30 days after startDate'],
    ['neither history nor days', {}, 'startDate must be a date in YYYY-MM-DD format'],
  ])('refuses %s with a 400 that says so, and stores no job', async (_, fields, message) => {
    const before = await requestJson(platform.gatewayUrl, 'GET', '/api/v1/exports', { token: app.apiKey });
    const refused = await requestJson(platform.gatewayUrl, 'POST', '/api/v1/exports', {
      token: app.apiKey,
      body: { dataTypes: ['company_features'], format: 'jsonl', ...fields },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('invalid_request');
    expect(refused.body.error.message).toEqual(typeof message === 'string' ? message : expect.stringMatching(message));
    const after = await requestJson(platform.gatewayUrl, 'GET', '/api/v1/exports', { token: app.apiKey });
    expect(after.body.data).toHaveLength(before.body.data.length);
  });
});

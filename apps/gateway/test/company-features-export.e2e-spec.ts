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

/** The company data export's rows are also an export job's dataset (company_features). */
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
      body: { startDate: today, endDate: today, dataTypes: ['company_features'], format: 'jsonl', history: '30d-daily' },
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
});

import {
  createApp,
  CreatedApp,
  CustomerS3,
  eventually,
  REPO_ROOT,
  requestJson,
  startCustomerS3,
  startTestPlatform,
  startWebhookReceiver,
  TestPlatform,
  WebhookReceiver,
} from '@exportd/testing';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = join(REPO_ROOT, 'tmp', 'test-artifacts', 'console');
const CONSOLE_INDEX = join(REPO_ROOT, 'apps', 'console', 'dist', 'index.html');
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

/**
 * The web console in a real browser (Debian's Chromium, headless) against the real platform: the gateway
 * serves the build at /console and the page calls its REST API with the API key the user pastes.
 */
describe('the web console', () => {
  let platform: TestPlatform;
  let customer: CustomerS3;
  let receiver: WebhookReceiver;
  let app: CreatedApp;
  let browser: Browser;
  let page: Page;

  const call = (method: string, path: string, body?: unknown) =>
    requestJson<Json>(platform.gatewayUrl, method, path, { token: app.apiKey, body });
  const track = (path: string, body: unknown) =>
    requestJson<Json>(platform.gatewayUrl, 'POST', `/${app.trackingKey}/${path}`, { body });
  const screenshot = async (name: string) => {
    const path = join(SCREENSHOTS, `${name}.png`);
    await page.screenshot({ path, fullPage: true });
    return path;
  };
  /** Waits for the element and answers its text. */
  const textOf = async (selector: string) => {
    const element = page.locator(selector).first();
    await element.waitFor({ timeout: 15_000 });
    return element.innerText();
  };

  beforeAll(async () => {
    if (!existsSync(CONSOLE_INDEX)) throw new Error(`${CONSOLE_INDEX} is missing: run \`npm run build:console\` first`);
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run \`bash tools/browser/install.sh\` first`);
    mkdirSync(SCREENSHOTS, { recursive: true });
    customer = await startCustomerS3();
    receiver = await startWebhookReceiver();
    platform = await startTestPlatform();
    app = await createApp(platform.gatewayUrl, platform.adminToken, 'enterprise', 'Console');
    expect((await call('POST', '/api/v1/features', { name: 'Messaging', events: ['Sent message'] })).status).toBe(201);
    expect((await call('POST', '/api/v1/features', { name: 'Reports', events: ['Opened report'] })).status).toBe(201);
    for (let c = 0; c < 3; c++) {
      expect((await track('company', { companyId: `co-${c}`, attributes: { name: `Company ${c}` } })).status).toBe(200);
      expect((await track('event', { event: 'Sent message', userId: `u-${c}`, companyId: `co-${c}` })).status).toBe(200);
    }
    expect((await track('event', { event: 'Opened report', userId: 'u-0', companyId: 'co-0' })).status).toBe(200);
    // Counters follow the calls a few milliseconds later.
    await eventually(
      async () => {
        const csv = (await call('GET', '/api/v1/data-export/companies?history=today')).body as string;
        return csv.split('\r\n').filter((line) => line.includes(',tried,')).length === 4 || undefined;
      },
      20_000,
      'the usage of every company in the company CSV',
    );
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], headless: true });
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await platform?.stop();
    await receiver?.close();
    await customer?.stop();
  });

  it('is served at /console and /console/ by the gateway', async () => {
    for (const path of ['/console', '/console/']) {
      const response = await fetch(`${platform.gatewayUrl}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/html');
      expect(await response.text()).toContain('/console/assets/');
    }
  });

  it('signs in with an API key: an unknown one is refused with the API error, a real one opens the data export page', async () => {
    await page.goto(`${platform.gatewayUrl}/console/`);
    await page.getByLabel('API key').fill('not-a-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await textOf('.alert.error')).toContain('unknown or revoked API key');
    await screenshot('sign-in');

    await page.getByLabel('API key').fill(app.apiKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await textOf('dl.status')).toContain('never ran before');
    expect(await page.locator('h1').innerText()).toBe('Data export');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(1);
  });

  it('downloads the company CSV of each history option, byte for byte what the API answers', async () => {
    for (const [label, history] of [
      ['30 days, daily granularity', '30d-daily'],
      ['Just today', 'today'],
    ]) {
      await page.getByLabel(label).check();
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Download export' }).click(),
      ]);
      expect(download.suggestedFilename()).toBe(`companies-${history}.csv`);
      const downloaded = readFileSync(await download.path());
      const response = await fetch(`${platform.gatewayUrl}/api/v1/data-export/companies?history=${history}`, {
        headers: { authorization: `Bearer ${app.apiKey}` },
      });
      const expected = Buffer.from(await response.arrayBuffer());
      expect(downloaded.length).toBeGreaterThan(200);
      expect(downloaded.equals(expected)).toBe(true);
      expect(await textOf('section[aria-label="Manual export"] .alert.success')).toContain(`companies-${history}.csv`);
    }
  });

  it('saves the automatic export: a wrong secret shows the storage error and saves nothing; the right one shows the status; Run now writes the file', async () => {
    const bucket = await customer.createBucket();
    await page.locator('label.switch').click();
    await page.locator('select[name="cadence"]').selectOption('weekly');
    await page.locator('label.segment', { hasText: 'Custom' }).click();
    expect(await page.locator('input[name="url"]').isVisible()).toBe(false);
    await page.locator('input[name="endpoint"]').fill(customer.endpoint);
    await page.locator('input[name="bucket"]').fill(bucket);
    await page.locator('input[name="region"]').fill('us-east-1');
    await page.locator('input[name="key"]').fill('exports/companies');
    await page.locator('input[name="accessKeyId"]').fill(customer.accessKeyId);
    await page.locator('input[name="secretAccessKey"]').fill('not-the-secret');
    await page.getByRole('button', { name: 'Save' }).click();
    const refused = await textOf('.alert.error[data-code="destination_invalid"]');
    expect(refused).toContain('HTTP 400');
    expect(refused).toContain('reason: signature_mismatch');
    expect((await call('GET', '/api/v1/data-export/automatic')).body).toMatchObject({ enabled: false, destination: null });
    await screenshot('data-export-refused');

    await page.locator('input[name="secretAccessKey"]').fill(customer.secretAccessKey);
    await page.getByRole('button', { name: 'Save' }).click();
    expect(await textOf('section[aria-label="Automatic export"] .alert.success')).toContain('Saved');
    const saved = (await call('GET', '/api/v1/data-export/automatic')).body;
    expect(saved).toMatchObject({
      enabled: true,
      cadence: 'weekly',
      destination: { provider: 'custom', bucket, key: 'exports/companies', accessKeyId: customer.accessKeyId },
      status: { lastStatus: 'never_ran', lastRunAt: null },
    });
    const status = await textOf('dl.status');
    expect(status).toContain('never ran before');
    expect(status).toContain(`${saved.status.nextRunAt.slice(0, 16).replace('T', ' ')} UTC`);

    // The page shows what was saved, the secret excepted; switching the cadence alone keeps the storage.
    await page.reload();
    expect(await page.locator('input[name="bucket"]').inputValue()).toBe(bucket);
    expect(await page.locator('input[name="secretAccessKey"]').inputValue()).toBe('');
    await page.locator('select[name="cadence"]').selectOption('daily');
    await page.getByRole('button', { name: 'Save' }).click();
    expect(await textOf('section[aria-label="Automatic export"] .alert.success')).toContain('Saved');
    expect((await call('GET', '/api/v1/data-export/automatic')).body).toMatchObject({
      enabled: true,
      cadence: 'daily',
      destination: { bucket },
    });

    // Run now: the latest ended period is written into the bucket, and the status says so.
    await page.getByRole('button', { name: 'Run now' }).click();
    await page.locator('dl.status [data-status="successful"]').waitFor({ timeout: 60_000 });
    expect(await textOf('dl.status')).not.toContain('never ran before');
    const [written] = await customer.listKeys(bucket);
    expect(written).toMatch(/^exports\/companies\/companies-\d{4}-\d{2}-\d{2}\.csv$/);
    expect((await customer.readObject(bucket, written))?.toString('utf8')).toMatch(/^Company ID,Company Name,Feature Name/);
    const path = await screenshot('data-export');
    copyFileSync(path, join(REPO_ROOT, 'docs', 'console-data-export.png'));
  }, 120_000);

  it('lists the jobs of every export API with status, progress and links, and creates an on-demand export', async () => {
    const bulk = await call('POST', '/api/v1/analytics/exports/', { from: day(-2), to: day(0) });
    expect(bulk.status).toBe(201);
    const coveo = await call(
      'POST',
      `/rest/ua/v15/exports?from=${day(-1)}T00:00:00.000Z&to=${day(1)}T00:00:00.000Z&tables=companies&d=From%20the%20console%20test`,
    );
    expect(coveo.status).toBe(201);

    await page.getByRole('link', { name: 'Exports' }).click();
    await page.locator('input[name="startDate"]').fill(day(-6));
    await page.locator('input[name="endDate"]').fill(day(0));
    await page.locator('input[name="dataTypes"][value="companies"]').check();
    await page.getByRole('button', { name: 'Create export' }).click();
    const created = await textOf('.alert.success');
    const onDemandId = /Export (\S+) created/.exec(created)?.[1] ?? '';
    expect(onDemandId).not.toBe('');

    const done = (id: string, status: string) =>
      page.locator(`tr[data-job="${id}"] [data-status="${status}"]`).waitFor({ timeout: 60_000 });
    await done(onDemandId, 'completed');
    await done(bulk.body.job_id, 'completed');
    await done(coveo.body.id, 'AVAILABLE');
    const links = await page
      .locator(`tr[data-job="${onDemandId}"] a`)
      .evaluateAll((anchors) => anchors.map((a) => (a as HTMLAnchorElement).href));
    expect(links.length).toBeGreaterThanOrEqual(2);
    const file = await fetch(links[0]);
    expect(file.status).toBe(200);
    expect((await page.locator(`tr[data-job="${bulk.body.job_id}"] a`).count()) > 0).toBe(true);
    expect(await page.locator(`tr[data-job="${onDemandId}"] .progress-text`).innerText()).toMatch(/^(\d+) \/ \1$/);

    // The API's refusal is shown as it came.
    await page.locator('input[name="startDate"]').fill(day(-40));
    await page.getByRole('button', { name: 'Create export' }).click();
    expect(await textOf('.alert.error[data-code="invalid_request"]')).toContain('HTTP 400');
    await screenshot('exports');
  }, 90_000);

  it('creates webhooks and schedules (the signing secret shown once), and deletes them', async () => {
    await page.getByRole('link', { name: 'Schedules and webhooks' }).click();
    const webhooks = page.locator('section[aria-label="Webhooks"]');
    await webhooks.locator('input[name="url"]').fill(receiver.url);
    for (const box of await webhooks.locator('input[name="eventTypes"]').all()) await box.uncheck();
    await webhooks.getByRole('button', { name: 'Create webhook' }).click();
    expect(await textOf('section[aria-label="Webhooks"] .alert.error')).toContain('eventTypes');
    await webhooks.locator('input[name="eventTypes"][value="export.completed"]').check();
    await webhooks.getByRole('button', { name: 'Create webhook' }).click();
    const webhookSecret = await textOf('section[aria-label="Webhooks"] .secret-value');
    expect(webhookSecret).toMatch(/^whsec_/);
    expect((await call('GET', '/api/v1/webhooks')).body.webhooks).toEqual([expect.objectContaining({ url: receiver.url })]);

    const schedules = page.locator('section[aria-label="Export schedules"]');
    await schedules.locator('input[name="webhookUrl"]').fill(receiver.url);
    await schedules.locator('input[name="emails"]').fill('ops@example.com');
    await schedules.getByRole('button', { name: 'Create schedule' }).click();
    expect(await textOf('section[aria-label="Export schedules"] .secret-value')).toMatch(/^whsec_/);
    const [schedule] = (await call('GET', '/api/v1/export-schedules')).body.data;
    expect(schedule).toMatchObject({ frequency: 'daily', delivery: { webhookUrl: receiver.url, emails: ['ops@example.com'] } });
    await page.locator(`tr[data-schedule="${schedule.id}"]`).waitFor();
    await screenshot('schedules');

    // Shown once: the secrets are gone from a fresh page.
    await page.reload();
    await page.locator(`tr[data-schedule="${schedule.id}"]`).waitFor();
    expect(await page.locator('.secret-value').count()).toBe(0);

    await page.locator(`tr[data-schedule="${schedule.id}"] button`, { hasText: 'Delete' }).click();
    await page.locator(`tr[data-schedule="${schedule.id}"]`).waitFor({ state: 'detached' });
    expect((await call('GET', '/api/v1/export-schedules')).body.data).toEqual([]);
    const [webhook] = (await call('GET', '/api/v1/webhooks')).body.webhooks;
    await page.locator(`tr[data-webhook="${webhook.id}"] button`, { hasText: 'Delete' }).click();
    await page.locator(`tr[data-webhook="${webhook.id}"]`).waitFor({ state: 'detached' });
    expect((await call('GET', '/api/v1/webhooks')).body.webhooks).toEqual([]);
  });

  it('signs out, forgetting the key', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  });
});

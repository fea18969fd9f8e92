import {
  createApp,
  CreatedApp,
  downloadExportFile,
  eventually,
  exportFileRows,
  insertRawRecords,
  messagesFor,
  requestJson,
  sampleTrackingCalls,
  startTestPlatform,
  startWebhookReceiver,
  TestPlatform,
  WebhookReceiver,
} from '@exportd/testing';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

interface ParsedMail {
  subject?: string;
  text?: string;
}
// mailparser ships no type declarations; this is the one function the test uses.
const { simpleParser } = require('mailparser') as { simpleParser: (raw: string) => Promise<ParsedMail> };

describe('a finished export notifies its emails and webhook endpoints', () => {
  let platform: TestPlatform;
  let app: CreatedApp;
  let hook: WebhookReceiver;

  beforeAll(async () => {
    platform = await startTestPlatform({ EXPORT_POLL_INTERVAL_MS: '100', EXPORT_NOTIFY_RETRY_BASE_MS: '200' });
    app = await createApp(platform.gatewayUrl, platform.adminToken, 'enterprise');
    await insertRawRecords(platform.mongoUrl, { calls: sampleTrackingCalls(app.id) });
    hook = await startWebhookReceiver();
  });

  afterAll(async () => {
    await hook?.close();
    await platform?.stop();
  });

  it('one email per address with working links, and one signed webhook per subscribed endpoint', async () => {
    const endpoint = await requestJson(platform.gatewayUrl, 'POST', '/api/v1/webhooks', {
      token: app.apiKey,
      body: { url: hook.url, eventTypes: ['export.completed'] },
    });
    expect(endpoint.status).toBe(201);
    const tag = randomBytes(4).toString('hex');
    const emails = [`ana-${tag}@example.com`, `ben-${tag}@example.com`];

    const created = await requestJson(platform.gatewayUrl, 'POST', '/api/v1/analytics/exports/', {
      authorization: `Token ${app.apiKey}`,
      body: { from: '2024-05-01', to: '2024-06-30', emails, format: 'csv' },
    });
    expect(created.status).toBe(201);
    const jobId = created.body.job_id as string;

    for (const address of emails) {
      const [raw] = await eventually(
        () => (messagesFor(address).length > 0 ? messagesFor(address) : undefined),
        30_000,
        `email to ${address}`,
      );
      const mail = await simpleParser(raw as string);
      expect(mail.subject).toMatch(/export/i);
      const link = (mail.text ?? '').match(/https?:\/\/[^\s<>"]+/g)?.find((url) => url.includes('X-Amz-Signature='));
      expect(link).toBeDefined();
      const rows = exportFileRows(await downloadExportFile(link as string), 'csv');
      expect(rows.length).toBeGreaterThan(0);
    }

    const request = await eventually(() => hook.requests[0], 30_000, 'the webhook');
    const payload = new Webhook(endpoint.body.secret as string).verify(request.body, request.headers) as {
      type: string;
      data: { job_id?: string; id?: string };
    };
    expect(payload.type).toBe('export.completed');
    expect(JSON.stringify(payload.data)).toContain(jobId);

    // Exactly once each, even after the export-job's retry loop has had time to run again.
    await new Promise((r) => setTimeout(r, 1_500));
    for (const address of emails) expect(messagesFor(address)).toHaveLength(1);
    expect(hook.requests).toHaveLength(1);
  });
});

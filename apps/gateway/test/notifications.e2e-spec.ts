import { PutObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { notifications } from '@exportd/contracts';
import { createGrpcClient, GrpcClient } from '@exportd/grpc';
import {
  createApp,
  CreatedApp,
  eventually,
  freePort,
  messagesFor,
  serviceArgs,
  REPO_ROOT,
  requestJson,
  startSmtpCapture,
  startTestPlatform,
  startWebhookReceiver,
  ReceiverAnswer,
  WebhookReceiver,
  testS3Client,
  testServers,
  TestPlatform,
} from '@exportd/testing';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';

interface ParsedMail {
  subject?: string;
  text?: string;
  html?: string | false;
}
// mailparser ships no type declarations; this is the one function the tests use.
const { simpleParser } = require('mailparser') as { simpleParser: (raw: string) => Promise<ParsedMail> };
type NotifyClient = GrpcClient<typeof notifications.NotificationsServiceService>;

interface PublicDelivery {
  id: string;
  channel: string;
  recipient: string;
  status: string;
  attempts: { count: number; list: { at: string; statusCode: number | null; error: string | null }[] };
  lastError: string | null;
  nextAttemptAt: string | null;
}

function jobId(): string {
  return `job_${randomBytes(8).toString('hex')}`;
}

function completed(app: CreatedApp, job: string, extra: Partial<notifications.NotifyExportFinishedRequest> = {}) {
  return {
    appId: app.id,
    jobId: job,
    eventType: 'export.completed',
    emails: [],
    files: [],
    linksExpireAt: new Date(Date.now() + 2 * 86_400_000),
    error: '',
    jobJson: JSON.stringify({ id: job, status: 'completed' }),
    ...extra,
  };
}

async function registerWebhook(
  platform: TestPlatform,
  app: CreatedApp,
  url: string,
  eventTypes = ['export.completed', 'export.failed'],
) {
  const created = await requestJson<{ id: string; secret: string; url: string; eventTypes: string[] }>(
    platform.gatewayUrl,
    'POST',
    '/api/v1/webhooks',
    { token: app.apiKey, body: { url, eventTypes } },
  );
  expect(created.status).toBe(201);
  return created.body;
}

async function deliveriesOf(platform: TestPlatform, app: CreatedApp, path: string): Promise<PublicDelivery[]> {
  const response = await requestJson<{ deliveries: PublicDelivery[] }>(platform.gatewayUrl, 'GET', path, { token: app.apiKey });
  expect(response.status).toBe(200);
  return response.body.deliveries;
}

describe('notifications: email and signed webhooks from the outbox', () => {
  let platform: TestPlatform;
  let client: NotifyClient;
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    platform = await startTestPlatform();
    client = createGrpcClient(notifications.NotificationsServiceService, {
      address: platform.env.NOTIFICATION_GRPC_ADDR as string,
      internalToken: platform.internalToken,
      waitForReady: true,
    });
  });

  afterAll(async () => {
    client?.close();
    await Promise.all(receivers.map((r) => r.close()));
    await platform?.stop();
  });

  async function receiver(script: ReceiverAnswer[]): Promise<WebhookReceiver> {
    const started = await startWebhookReceiver(script);
    receivers.push(started);
    return started;
  }

  it('a completed export emails each address once, with links that download the file, even when notified twice', async () => {
    const app = await createApp(platform.gatewayUrl, platform.adminToken);
    const s3 = testS3Client();
    const content = '{"event":"signup"}\n{"event":"login"}\n';
    await s3.send(new PutObjectCommand({ Bucket: platform.bucket, Key: 'exports/part-0001.json', Body: content }));
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: platform.bucket, Key: 'exports/part-0001.json' }), {
      expiresIn: 3600,
    });
    s3.destroy();
    const job = jobId();
    const [alice, bob] = [`alice-${job}@example.com`, `bob-${job}@example.com`];
    const request = completed(app, job, {
      emails: [alice, bob],
      files: [{ filename: 'part-0001.json', url, bytes: content.length, rows: 2 }],
      linksExpireAt: new Date('2030-01-02T03:04:00Z'),
    });

    expect(await client.notifyExportFinished(request)).toEqual({ deliveries: 2 });
    expect(await client.notifyExportFinished(request)).toEqual({ deliveries: 2 });

    await eventually(async () => {
      const log = await deliveriesOf(platform, app, `/api/v1/exports/${job}/deliveries`);
      return log.length === 2 && log.every((d) => d.status === 'delivered') ? log : undefined;
    });
    const log = await deliveriesOf(platform, app, `/api/v1/exports/${job}/deliveries`);
    expect(log.map((d) => [d.channel, d.recipient, d.attempts.count]).sort()).toEqual([
      ['email', alice, 1],
      ['email', bob, 1],
    ]);
    expect(messagesFor(alice)).toHaveLength(1);
    expect(messagesFor(bob)).toHaveLength(1);

    const mail = await simpleParser(messagesFor(alice)[0] as string);
    expect(mail.subject).toBe(`Your export ${job} is ready (1 file)`);
    expect(mail.text).toContain('part-0001.json');
    expect(mail.text).toContain('2 rows');
    expect(mail.text).toContain('2030-01-02 03:04 UTC');
    expect(mail.html).toContain('href="');
    const link = /https?:\/\/\S+/.exec(mail.text ?? '')?.[0];
    expect(link).toBeDefined();
    const download = await fetch(link as string);
    expect(download.status).toBe(200);
    expect(await download.text()).toBe(content);
  });

  it('a failed export emails what failed', async () => {
    const app = await createApp(platform.gatewayUrl, platform.adminToken);
    const job = jobId();
    const address = `carol-${job}@example.com`;
    await client.notifyExportFinished({
      ...completed(app, job, { emails: [address] }),
      eventType: 'export.failed',
      error: 'the segment seg_42 no longer exists',
    });
    const raw = await eventually(() => messagesFor(address)[0]);
    const mail = await simpleParser(raw);
    expect(mail.subject).toBe(`Export ${job} failed`);
    expect(mail.text).toContain('What failed: the segment seg_42 no longer exists');
    expect(mail.html).toContain('seg_42');
  });

  it('a receiver answering 500 twice, then 200, gets one delivery in three signed attempts with the same webhook-id', async () => {
    const app = await createApp(platform.gatewayUrl, platform.adminToken);
    const hook = await receiver([{ status: 500 }, { status: 500 }, { status: 200 }]);
    const endpoint = await registerWebhook(platform, app, hook.url);
    expect(endpoint.secret).toMatch(/^whsec_/);
    const job = jobId();

    expect(await client.notifyExportFinished(completed(app, job))).toEqual({ deliveries: 1 });

    const log = await eventually(async () => {
      const found = await deliveriesOf(platform, app, `/api/v1/webhooks/${endpoint.id}/deliveries`);
      return found[0]?.status === 'delivered' ? found : undefined;
    });
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ channel: 'webhook', recipient: hook.url, status: 'delivered', nextAttemptAt: null });
    expect(log[0]?.attempts.count).toBe(3);
    expect(log[0]?.attempts.list.map((a) => a.statusCode)).toEqual([500, 500, 200]);
    expect(log[0]?.attempts.list[0]?.error).toContain('500');

    expect(hook.requests).toHaveLength(3);
    const ids = new Set(hook.requests.map((r) => r.headers['webhook-id']));
    expect(ids).toEqual(new Set([log[0]?.id]));
    const verifier = new Webhook(endpoint.secret);
    for (const request of hook.requests) {
      const payload = verifier.verify(request.body, request.headers) as { type: string; timestamp: string; data: { id: string } };
      expect(payload).toMatchObject({ type: 'export.completed', data: { id: job, status: 'completed' } });
      expect(request.body).toBe(hook.requests[0]?.body);
    }
  });

  it('honours Retry-After, and a delivery waiting for its retry survives a SIGKILL of notification: delivered exactly once', async () => {
    const app = await createApp(platform.gatewayUrl, platform.adminToken);
    const hook = await receiver([{ status: 503, headers: { 'retry-after': '5' } }, { status: 200 }]);
    const endpoint = await registerWebhook(platform, app, hook.url, ['export.completed']);
    const job = jobId();
    expect(await client.notifyExportFinished(completed(app, job))).toEqual({ deliveries: 1 });

    const waiting = await eventually(async () => {
      const found = await deliveriesOf(platform, app, `/api/v1/exports/${job}/deliveries`);
      return found[0]?.attempts.count === 1 ? found[0] : undefined;
    });
    expect(waiting.status).toBe('pending');
    expect(
      Date.parse(waiting.nextAttemptAt as string) - Date.parse(waiting.attempts.list[0]?.at as string),
    ).toBeGreaterThanOrEqual(5_000);

    await platform.processes.get('notification')?.stop('SIGKILL');
    await platform.restart('notification');

    // The restarted process boots before it sends: give it time on a busy machine.
    const delivered = await eventually(
      async () => {
        const found = await deliveriesOf(platform, app, `/api/v1/exports/${job}/deliveries`);
        return found[0]?.status === 'delivered' ? found[0] : undefined;
      },
      60_000,
      'the retried delivery after the restart',
    );
    expect(delivered.attempts.count).toBe(2);
    expect(hook.requests.map((r) => r.answered)).toEqual([503, 200]);
    expect((hook.requests[1]?.receivedAt ?? 0) - (hook.requests[0]?.receivedAt ?? 0)).toBeGreaterThanOrEqual(4_900);
    expect(new Set(hook.requests.map((r) => r.headers['webhook-id'])).size).toBe(1);

    // A repeat of the notification after the restart writes nothing new and sends nothing more.
    expect(await client.notifyExportFinished(completed(app, job))).toEqual({ deliveries: 1 });
    await new Promise((r) => setTimeout(r, 2_500));
    expect(hook.requests).toHaveLength(2);
    expect(await deliveriesOf(platform, app, `/api/v1/webhooks/${endpoint.id}/deliveries`)).toHaveLength(1);
  }, 120_000);

  it('a 410 answer disables the endpoint and records why; later exports do not go to it', async () => {
    const app = await createApp(platform.gatewayUrl, platform.adminToken);
    const hook = await receiver([{ status: 410 }]);
    const endpoint = await registerWebhook(platform, app, hook.url);
    const job = jobId();
    await client.notifyExportFinished(completed(app, job));

    const failed = await eventually(async () => {
      const found = await deliveriesOf(platform, app, `/api/v1/webhooks/${endpoint.id}/deliveries`);
      return found[0]?.status === 'failed' ? found[0] : undefined;
    });
    expect(failed.attempts.count).toBe(1);
    expect(failed.lastError).toContain('410');
    const read = await requestJson(platform.gatewayUrl, 'GET', `/api/v1/webhooks/${endpoint.id}`, { token: app.apiKey });
    expect(read.body).toMatchObject({ disabled: true });
    expect(read.body.disabledReason).toContain('410');

    expect(await client.notifyExportFinished(completed(app, jobId()))).toEqual({ deliveries: 0 });
    expect(hook.requests).toHaveLength(1);
  });

  it('after a rotation both the new and the previous secret verify the signature', async () => {
    const app = await createApp(platform.gatewayUrl, platform.adminToken);
    const hook = await receiver([{ status: 204 }]);
    const endpoint = await registerWebhook(platform, app, hook.url);
    const rotated = await requestJson(platform.gatewayUrl, 'POST', `/api/v1/webhooks/${endpoint.id}/rotate-secret`, {
      token: app.apiKey,
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({ id: endpoint.id, url: hook.url });
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(endpoint.secret);

    await client.notifyExportFinished(completed(app, jobId()));
    const request = await eventually(() => hook.requests[0]);
    expect(request.headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(new Webhook(rotated.body.secret as string).verify(request.body, request.headers)).toBeTruthy();
    expect(new Webhook(endpoint.secret).verify(request.body, request.headers)).toBeTruthy();
  });
});

describe('notifications while the SMTP server is down', () => {
  let platform: TestPlatform;
  let smtpPort: number;
  let client: NotifyClient;
  let stopSmtp: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    smtpPort = await freePort();
    platform = await startTestPlatform({
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      DELIVERY_RETRY_SCHEDULE: '1s,1s,1s,1s,1s,1s,1s,1s',
    });
    client = createGrpcClient(notifications.NotificationsServiceService, {
      address: platform.env.NOTIFICATION_GRPC_ADDR as string,
      internalToken: platform.internalToken,
    });
  });

  afterAll(async () => {
    client?.close();
    await stopSmtp?.();
    await platform?.stop();
  });

  it('keeps the email and sends it once when the server comes back', async () => {
    const app = await createApp(platform.gatewayUrl, platform.adminToken);
    const job = jobId();
    const address = `dave-${job}@example.com`;
    expect(await client.notifyExportFinished(completed(app, job, { emails: [address] }))).toEqual({ deliveries: 1 });

    const failing = await eventually(async () => {
      const found = await deliveriesOf(platform, app, `/api/v1/exports/${job}/deliveries`);
      return (found[0]?.attempts.count ?? 0) >= 1 ? found[0] : undefined;
    });
    expect(failing.status).toBe('pending');
    expect(failing.lastError).toContain('SMTP');

    const mailDir = join(testServers().tmpDir, `mail-${job}`);
    mkdirSync(mailDir, { recursive: true });
    const smtp = await startSmtpCapture({ mailDir, port: smtpPort });
    stopSmtp = smtp.stop;

    const delivered = await eventually(async () => {
      const found = await deliveriesOf(platform, app, `/api/v1/exports/${job}/deliveries`);
      return found[0]?.status === 'delivered' ? found[0] : undefined;
    });
    expect(delivered.attempts.count).toBeGreaterThanOrEqual(2);
    const files = readdirSync(mailDir).filter((name) => name.endsWith('.eml'));
    expect(files).toHaveLength(1);
  });
});

describe('notification configuration', () => {
  it('refuses to start with a bad ENCRYPTION_KEY or DELIVERY_RETRY_SCHEDULE, naming both', () => {
    const result = spawnSync(process.execPath, serviceArgs('notification'), {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH,
        INTERNAL_TOKEN: randomBytes(16).toString('hex'),
        MONGO_URL: 'mongodb://127.0.0.1:1/x',
        SMTP_URL: 'smtp://127.0.0.1:1',
        ENCRYPTION_KEY: randomBytes(16).toString('base64'),
        DELIVERY_RETRY_SCHEDULE: '5s,soon',
      },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('ENCRYPTION_KEY: must be 32 bytes');
    expect(result.stderr).toContain('DELIVERY_RETRY_SCHEDULE: "soon" is not a delay');
  });
});

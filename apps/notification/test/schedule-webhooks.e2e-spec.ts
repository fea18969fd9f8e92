import { notifications } from '@exportd/contracts';
import { createGrpcClient, GrpcClient } from '@exportd/grpc';
import {
  createApp,
  CreatedApp,
  eventually,
  messagesFor,
  requestJson,
  startTestPlatform,
  startWebhookReceiver,
  TestPlatform,
  WebhookReceiver,
} from '@exportd/testing';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

type NotifyClient = GrpcClient<typeof notifications.NotificationsServiceService>;
type EndpointsClient = GrpcClient<typeof notifications.WebhookEndpointsServiceService>;
type Payload = { type: string; data: Record<string, unknown> };

const ALL_EVENTS = ['export.completed', 'export.failed', 'export.automatic.failed'];

function jobId(): string {
  return `job_${randomBytes(8).toString('hex')}`;
}

function finished(appId: string, job: string, extra: Partial<notifications.NotifyExportFinishedRequest> = {}) {
  return {
    appId,
    jobId: job,
    eventType: 'export.completed',
    emails: [],
    files: [],
    linksExpireAt: new Date(Date.now() + 86_400_000),
    error: '',
    jobJson: JSON.stringify({ id: job, status: 'completed' }),
    ...extra,
  };
}

/** The jobs of the export events a receiver was sent and answered 2xx, sorted. */
function jobsReceived(receiver: WebhookReceiver): string[] {
  return receiver.requests
    .filter((r) => r.answered < 300)
    .map((r) => (JSON.parse(r.body) as Payload).data.id as string)
    .sort();
}

/**
 * Webhook endpoints owned by a schedule (export-job creates one for a scheduled export's webhookUrl) and the
 * `export.automatic.failed` event, through the real notification process, gateway and SMTP capture server.
 */
describe('schedule webhook endpoints and export.automatic.failed', () => {
  let platform: TestPlatform;
  let notify: NotifyClient;
  let endpoints: EndpointsClient;
  let app: CreatedApp;
  const receivers: WebhookReceiver[] = [];

  beforeAll(async () => {
    platform = await startTestPlatform();
    const grpc = {
      address: platform.env.NOTIFICATION_GRPC_ADDR as string,
      internalToken: platform.internalToken,
      waitForReady: true,
    };
    notify = createGrpcClient(notifications.NotificationsServiceService, grpc);
    endpoints = createGrpcClient(notifications.WebhookEndpointsServiceService, grpc);
    app = await createApp(platform.gatewayUrl, platform.adminToken);
  });

  afterAll(async () => {
    notify?.close();
    endpoints?.close();
    await Promise.all(receivers.map((r) => r.close()));
    await platform?.stop();
  });

  async function receiver(): Promise<WebhookReceiver> {
    const started = await startWebhookReceiver();
    receivers.push(started);
    return started;
  }

  const gateway = (method: string, path: string, body?: unknown) =>
    requestJson(platform.gatewayUrl, method, path, { token: app.apiKey, body });

  async function appEndpoint(url: string, eventTypes: string[]) {
    const created = await gateway('POST', '/api/v1/webhooks', { url, eventTypes });
    expect(created.status).toBe(201);
    return created.body as { id: string; secret: string };
  }

  it("a schedule's endpoint gets its schedule's runs only; an app endpoint gets every run", async () => {
    const [appHook, hookA, hookB] = [await receiver(), await receiver(), await receiver()];
    const appWide = await appEndpoint(appHook.url, ['export.completed']);
    const scheduleA = `sch_${randomBytes(4).toString('hex')}`;
    const scheduleB = `sch_${randomBytes(4).toString('hex')}`;
    const createdA = await endpoints.createWebhookEndpoint({
      appId: app.id,
      url: hookA.url,
      eventTypes: [],
      scheduleId: scheduleA,
    });
    await endpoints.createWebhookEndpoint({ appId: app.id, url: hookB.url, eventTypes: [], scheduleId: scheduleB });
    expect(createdA.secret).toMatch(/^whsec_/);
    expect(createdA.endpoint).toMatchObject({ scheduleId: scheduleA, eventTypes: ['export.completed', 'export.failed'] });

    const [runA, runB, unscheduled] = [jobId(), jobId(), jobId()];
    expect(await notify.notifyExportFinished(finished(app.id, runA, { scheduleId: scheduleA }))).toEqual({ deliveries: 2 });
    expect(await notify.notifyExportFinished(finished(app.id, runB, { scheduleId: scheduleB }))).toEqual({ deliveries: 2 });
    expect(await notify.notifyExportFinished(finished(app.id, unscheduled))).toEqual({ deliveries: 1 });

    await eventually(
      () => (appHook.requests.length === 3 && hookA.requests.length > 0 && hookB.requests.length > 0) || undefined,
    );
    expect(jobsReceived(appHook)).toEqual([runA, runB, unscheduled].sort());
    expect(jobsReceived(hookA)).toEqual([runA]);
    expect(jobsReceived(hookB)).toEqual([runB]);
    const verified = new Webhook(createdA.secret).verify(hookA.requests[0]?.body ?? '', hookA.requests[0]?.headers ?? {});
    expect(verified).toMatchObject({ type: 'export.completed', data: { id: runA } });

    // The run's delivery log holds the schedule endpoint's delivery beside the app endpoint's.
    const log = await notify.listDeliveries({ appId: app.id, jobId: runA, endpointId: '' });
    expect(log.deliveries.map((d) => d.endpointId).sort()).toEqual([createdA.endpoint?.id, appWide.id].sort());
  });

  it("a schedule's endpoint is not part of the app's webhook API: not listed, and 404 on every route", async () => {
    const scheduleId = `sch_${randomBytes(4).toString('hex')}`;
    const { endpoint } = await endpoints.createWebhookEndpoint({
      appId: app.id,
      url: 'http://127.0.0.1:9/scheduled',
      eventTypes: [],
      scheduleId,
    });
    const id = endpoint?.id as string;

    const listed = await gateway('GET', '/api/v1/webhooks');
    expect(listed.status).toBe(200);
    expect(listed.body.webhooks.map((w: { id: string }) => w.id)).not.toContain(id);
    for (const [method, path, body] of [
      ['GET', `/api/v1/webhooks/${id}`, undefined],
      ['PATCH', `/api/v1/webhooks/${id}`, { disabled: true }],
      ['POST', `/api/v1/webhooks/${id}/rotate-secret`, undefined],
      ['DELETE', `/api/v1/webhooks/${id}`, undefined],
      ['GET', `/api/v1/webhooks/${id}/deliveries`, undefined],
    ] as const) {
      const response = await gateway(method, path, body);
      expect([method, path, response.status, response.body?.error?.code]).toEqual([method, path, 404, 'webhook_not_found']);
    }
    // Nothing above touched it; its schedule (export-job) still reads, lists, changes and deletes it.
    const other = `${scheduleId}_other`;
    expect((await endpoints.getWebhookEndpoint({ appId: app.id, id, scheduleId })).endpoint).toMatchObject({ disabled: false });
    expect((await endpoints.listWebhookEndpoints({ appId: app.id, scheduleId })).endpoints.map((e) => e.id)).toEqual([id]);
    expect((await endpoints.listWebhookEndpoints({ appId: app.id, scheduleId: other })).endpoints).toEqual([]);
    await expect(endpoints.getWebhookEndpoint({ appId: app.id, id, scheduleId: other })).rejects.toThrow(/not found/);
    const updated = await endpoints.updateWebhookEndpoint({ appId: app.id, id, eventTypes: ['export.failed'], scheduleId });
    expect(updated.endpoint).toMatchObject({ eventTypes: ['export.failed'], scheduleId });
    await endpoints.deleteWebhookEndpoint({ appId: app.id, id, scheduleId });
    await expect(endpoints.getWebhookEndpoint({ appId: app.id, id, scheduleId })).rejects.toThrow(/not found/);
  });

  it('export.automatic.failed reaches the subscribed app endpoints, signed, with the schedule as data, and emails no one', async () => {
    const [subscribed, notSubscribed, scheduleHook] = [await receiver(), await receiver(), await receiver()];
    const { secret } = await appEndpoint(subscribed.url, ALL_EVENTS);
    await appEndpoint(notSubscribed.url, ['export.completed', 'export.failed']);
    const scheduleId = `sch_${randomBytes(4).toString('hex')}`;
    await endpoints.createWebhookEndpoint({ appId: app.id, url: scheduleHook.url, eventTypes: [], scheduleId });
    const run = jobId();
    const address = `owner-${run}@example.com`;
    const schedule = {
      id: scheduleId,
      frequency: 'daily',
      failedPeriods: 3,
      lastErrors: ['AccessDenied', 'AccessDenied', 'NoSuchBucket'],
    };

    const answer = await notify.notifyExportFinished(
      finished(app.id, run, {
        eventType: 'export.automatic.failed',
        emails: [address],
        scheduleId,
        error: 'NoSuchBucket',
        jobJson: JSON.stringify(schedule),
      }),
    );
    expect(answer).toEqual({ deliveries: 1 });

    const delivered = await eventually(() => subscribed.requests[0]);
    const payload = new Webhook(secret).verify(delivered.body, delivered.headers) as Payload;
    expect(payload).toMatchObject({ type: 'export.automatic.failed', data: schedule });
    const log = await eventually(async () => {
      const found = await notify.listDeliveries({ appId: app.id, jobId: run, endpointId: '' });
      return found.deliveries.every((d) => d.status === 'delivered') ? found.deliveries : undefined;
    });
    expect(log.map((d) => [d.channel, d.recipient, d.eventType])).toEqual([
      ['webhook', subscribed.url, 'export.automatic.failed'],
    ]);
    expect(messagesFor(address)).toEqual([]);
    expect(notSubscribed.requests).toEqual([]);
    expect(scheduleHook.requests).toEqual([]);
  });
});

import {
  createApp,
  CreatedApp,
  CustomerS3,
  downloadExportFile,
  eventually,
  exportFileRows,
  messagesFor,
  requestJson,
  startCustomerS3,
  startTestPlatform,
  startWebhookReceiver,
  TestPlatform,
  uniqueName,
  WebhookReceiver,
} from '@exportd/testing';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const DAY_MS = 86_400_000;
/** A day far from the real one, so the platform's time is clearly the test's. */
const DAY0 = Math.floor(Date.now() / DAY_MS) * DAY_MS + 60 * DAY_MS;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Scheduled exports (seed 003) on the whole platform, with the platform's time moved by the test. */
describe('scheduled exports delivered by webhook, email and into a destination', () => {
  const clockFile = join(tmpdir(), `exportd-clock-${randomBytes(4).toString('hex')}`);
  let offsetMs = 0;
  const setClock = async (at: number) => {
    offsetMs = at - Date.now();
    writeFileSync(clockFile, String(offsetMs));
    // The processes re-read the file at most every 50 ms: wait that out.
    await new Promise((resolve) => setTimeout(resolve, 150));
  };
  /** Verifies as the receiver would at the platform's time (the verifier refuses timestamps 5 minutes off its own). */
  const verify = (secret: string, body: string, headers: Record<string, string>) => {
    const realNow = Date.now;
    Date.now = () => realNow() + offsetMs;
    try {
      return new Webhook(secret).verify(body, headers) as Json;
    } finally {
      Date.now = realNow;
    }
  };

  let platform: TestPlatform;
  let app: CreatedApp;
  let receiver: WebhookReceiver;
  let customer: CustomerS3;

  const call = (method: string, path: string, body?: unknown) =>
    requestJson<Json>(platform.gatewayUrl, method, path, { token: app.apiKey, body });
  const track = (path: string, body: unknown) =>
    requestJson<Json>(platform.gatewayUrl, 'POST', `/${app.trackingKey}/${path}`, { body });
  /** The rows of a completed export's files. */
  const rowsOf = async (exportId: string): Promise<Json[]> => {
    const job = await call('GET', `/api/v1/exports/${exportId}`);
    expect(job.body.status).toBe('completed');
    const rows: Json[] = [];
    for (const file of job.body.files as { url: string }[])
      rows.push(...exportFileRows(await downloadExportFile(file.url), 'jsonl'));
    return rows;
  };
  const runsOf = async (id: string): Promise<Json[]> => (await call('GET', `/api/v1/export-schedules/${id}/runs`)).body.data;
  const endedRun = (id: string, period: string) =>
    eventually(
      async () => (await runsOf(id)).find((run) => run.period === period && run.status !== 'running'),
      60_000,
      `the run of ${period}`,
    );

  beforeAll(async () => {
    await setClock(DAY0 + 10 * 3_600_000);
    receiver = await startWebhookReceiver();
    customer = await startCustomerS3();
    platform = await startTestPlatform({
      TEST_CLOCK_FILE: clockFile,
      SCHEDULER_INTERVAL_MS: '200',
      SCHEDULE_LEASE_MS: '5000',
      SCHEDULE_RETRY_BASE_MS: '200',
      SCHEDULE_INCREMENTAL_DELAY_MS: '1000',
      EXPORT_POLL_INTERVAL_MS: '100',
      EXPORT_NOTIFY_RETRY_BASE_MS: '200',
    });
    app = await createApp(platform.gatewayUrl, platform.adminToken, 'enterprise', 'Scheduled');
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
    await receiver?.close();
    await customer?.stop();
  });

  it('refuses a schedule without a delivery target, with a bad email or an unknown destination, and stores none', async () => {
    const base = { frequency: 'daily', dataTypes: ['events'], format: 'jsonl' };
    const noTarget = await call('POST', '/api/v1/export-schedules', { ...base, delivery: {} });
    expect(noTarget.status).toBe(400);
    expect(noTarget.body.error.message).toBe('delivery needs at least one of webhookUrl, emails, destinationId');
    const badEmail = await call('POST', '/api/v1/export-schedules', { ...base, delivery: { emails: ['not-an-address'] } });
    expect(badEmail.status).toBe(400);
    const unknown = await call('POST', '/api/v1/export-schedules', { ...base, delivery: { destinationId: 'dst_nope' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toBe('delivery.destinationId: unknown destination dst_nope');
    const incrementalUsers = await call('POST', '/api/v1/export-schedules', {
      ...base,
      dataTypes: ['users'],
      mode: 'incremental',
      delivery: { emails: ['ops@example.com'] },
    });
    expect(incrementalUsers.status).toBe(400);
    expect(incrementalUsers.body.error.message).toBe('incremental exports hold events and feedback only');
    expect((await call('GET', '/api/v1/export-schedules')).body.data).toEqual([]);
  });

  it('runs a daily schedule once per period: one signed webhook, one email and the files in the destination each day', async () => {
    const bucket = await customer.createBucket();
    const destination = await call('POST', '/api/v1/destinations', {
      name: 'Lake',
      provider: 'custom',
      endpoint: customer.endpoint,
      bucket,
      region: 'us-east-1',
      key: 'feeds',
      accessKeyId: customer.accessKeyId,
      secretAccessKey: customer.secretAccessKey,
    });
    expect(destination.status).toBe(201);
    const email = `${uniqueName('feed')}@example.com`;
    const created = await call('POST', '/api/v1/export-schedules', {
      frequency: 'daily',
      dataTypes: ['events'],
      format: 'jsonl',
      delivery: { webhookUrl: receiver.url, emails: [email], destinationId: destination.body.id },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: expect.stringMatching(/^sch_/),
      frequency: 'daily',
      dataTypes: ['events'],
      format: 'jsonl',
      mode: 'period',
      delivery: { webhookUrl: receiver.url, emails: [email], destinationId: destination.body.id },
      nextRunAt: new Date(DAY0 + DAY_MS).toISOString(),
      lastRun: null,
      webhookSecret: expect.stringMatching(/^whsec_/),
    });
    const id = created.body.id as string;
    const secret = created.body.webhookSecret as string;
    expect((await call('GET', `/api/v1/export-schedules/${id}`)).body.webhookSecret).toBeUndefined();

    for (let day = 0; day < 2; day++) {
      const start = DAY0 + day * DAY_MS;
      await setClock(start + 12 * 3_600_000);
      expect((await track('event', { event: `Opened day ${day}`, userId: 'u1' })).status).toBe(200);
      await setClock(start + DAY_MS + 1_000);
      const run = await endedRun(id, dayOf(start));
      expect(run).toMatchObject({ status: 'succeeded', from: dayOf(start), to: dayOf(start), exportId: expect.any(String) });
      expect((await rowsOf(run.exportId)).map((row) => row.event_name)).toEqual([`Opened day ${day}`]);

      const hooks = await eventually(
        async () => (receiver.requests.length === day + 1 ? receiver.requests : undefined),
        30_000,
        'the webhook',
      );
      const payload = verify(secret, hooks[day]?.body ?? '', hooks[day]?.headers ?? {});
      expect(payload).toMatchObject({ type: 'export.completed', data: { job_id: run.exportId, schedule_id: id } });
      await eventually(async () => (messagesFor(email).length === day + 1 ? true : undefined), 30_000, 'the email');
      const keys = await eventually(
        async () => {
          const found = await customer.listKeys(bucket, `feeds/${id}/${dayOf(start)}/`);
          return found.length >= 2 ? found : undefined;
        },
        20_000,
        'the copied files',
      );
      // The job's file (named by its partition, the period's month) and manifest.
      const month = `${dayOf(start).slice(0, 7)}-01`;
      expect(keys).toEqual([`feeds/${id}/${dayOf(start)}/${month}.jsonl.gz`, `feeds/${id}/${dayOf(start)}/manifest.json`]);
      const runs = await runsOf(id);
      const delivered = (runs.find((r) => r.period === dayOf(start))?.deliveries ?? []) as Json[];
      expect(delivered.map((d) => [d.channel, d.status]).sort()).toEqual(
        [
          ['destination', 'delivered'],
          ['email', 'delivered'],
          ['webhook', 'delivered'],
        ].sort(),
      );
    }
    // Nothing is sent twice, whatever the schedulers do meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(receiver.requests).toHaveLength(2);
    expect(messagesFor(email)).toHaveLength(2);
    const exports = (await call('GET', '/api/v1/exports')).body.data as Json[];
    expect(exports.filter((job) => job.scheduleId === id)).toHaveLength(2);
  }, 180_000);

  it('exports each row exactly once in incremental mode, a late event in the run after it arrived', async () => {
    const email = `${uniqueName('incremental')}@example.com`;
    const created = await call('POST', '/api/v1/export-schedules', {
      frequency: 'daily',
      dataTypes: ['events'],
      format: 'jsonl',
      mode: 'incremental',
      filters: { userIds: ['inc-user'] },
      delivery: { emails: [email] },
    });
    expect(created.status).toBe(201);
    expect(created.body.webhookSecret).toBeUndefined();
    const id = created.body.id as string;
    const start = DAY0 + 5 * DAY_MS;

    await setClock(start + 9 * 3_600_000);
    expect((await track('event', { event: 'On time', userId: 'inc-user' })).status).toBe(200);
    await setClock(start + DAY_MS + 3_000);
    const first = await endedRun(id, dayOf(start));

    // Received on the next day, though it happened three days before.
    await setClock(start + DAY_MS + 8 * 3_600_000);
    const late = new Date(start - 3 * DAY_MS).toISOString();
    expect((await track('event', { event: 'Late', userId: 'inc-user', timestamp: late })).status).toBe(200);
    expect((await track('event', { event: 'Next day', userId: 'inc-user' })).status).toBe(200);
    await setClock(start + 2 * DAY_MS + 3_000);
    const second = await endedRun(id, dayOf(start + DAY_MS));

    expect((await rowsOf(first.exportId)).map((row) => row.event_name)).toEqual(['On time']);
    expect((await rowsOf(second.exportId)).map((row) => row.event_name).sort()).toEqual(['Late', 'Next day']);
  }, 120_000);

  it('changes, runs now and deletes a schedule; another app sees none of it', async () => {
    const created = await call('POST', '/api/v1/export-schedules', {
      frequency: 'daily',
      dataTypes: ['events'],
      format: 'csv',
      delivery: { emails: ['ops@example.com'] },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const other = await createApp(platform.gatewayUrl, platform.adminToken, 'enterprise', 'Other');
    const asOther = (method: string, path: string) =>
      requestJson<Json>(platform.gatewayUrl, method, path, { token: other.apiKey });
    expect((await asOther('GET', `/api/v1/export-schedules/${id}`)).status).toBe(404);
    expect((await asOther('DELETE', `/api/v1/export-schedules/${id}`)).status).toBe(404);
    expect((await asOther('GET', '/api/v1/export-schedules')).body.data).toEqual([]);

    const weekly = await call('PATCH', `/api/v1/export-schedules/${id}`, {
      frequency: 'weekly',
      delivery: { webhookUrl: receiver.url },
    });
    expect(weekly.status).toBe(200);
    expect(weekly.body).toMatchObject({ frequency: 'weekly', delivery: { webhookUrl: receiver.url, emails: [] } });
    expect(weekly.body.webhookSecret).toMatch(/^whsec_/);

    const ran = await call('POST', `/api/v1/export-schedules/${id}/run`);
    expect(ran.status).toBe(202);
    const job = await eventually(
      async () => {
        const body = (await call('GET', `/api/v1/exports/${ran.body.exportId as string}`)).body;
        return body.status === 'completed' ? body : undefined;
      },
      60_000,
      'the run-now export',
    );
    expect(job).toMatchObject({ scheduleId: id, format: 'csv', dataTypes: ['events'] });

    expect((await call('DELETE', `/api/v1/export-schedules/${id}`)).status).toBe(204);
    expect((await call('GET', `/api/v1/export-schedules/${id}`)).status).toBe(404);
    expect((await call('GET', `/api/v1/export-schedules/${id}/runs`)).status).toBe(404);
  }, 120_000);
});

import {
  createApp,
  CreatedApp,
  CustomerS3,
  eventually,
  requestJson,
  ServiceProcess,
  startCustomerS3,
  startServiceProcess,
  startTestPlatform,
  startWebhookReceiver,
  TestPlatform,
  WebhookReceiver,
} from '@exportd/testing';
import { Webhook } from 'standardwebhooks';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const DAY_MS = 86_400_000;
/** A day far from the real one, so the platform's time is clearly the test's. */
const DAY0 = Math.floor(Date.now() / DAY_MS) * DAY_MS + 40 * DAY_MS;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * The automatic company export (seed 000) on the whole platform, with the platform's time moved by the test
 * (TEST_CLOCK_FILE) and two export-job processes whose schedulers race for every run.
 */
describe('automatic company export into the customer storage', () => {
  const clockFile = join(tmpdir(), `exportd-clock-${randomBytes(4).toString('hex')}`);
  let offsetMs = 0;
  /** Moves every process of the platform to `at` (time flows on from there). */
  const setClock = async (at: number) => {
    offsetMs = at - Date.now();
    writeFileSync(clockFile, String(offsetMs));
    // The processes re-read the file at most every 50 ms: wait that out.
    await new Promise((resolve) => setTimeout(resolve, 150));
  };

  let platform: TestPlatform;
  let customer: CustomerS3;
  let enterprise: CreatedApp;
  let replica: ServiceProcess;

  const call = (method: string, path: string, app: CreatedApp, body?: unknown) =>
    requestJson<Json>(platform.gatewayUrl, method, path, { token: app.apiKey, body });
  const storage = (bucket: string, fields: Record<string, unknown> = {}) => ({
    provider: 'custom',
    endpoint: customer.endpoint,
    bucket,
    region: 'us-east-1',
    key: 'exports/daily',
    accessKeyId: customer.accessKeyId,
    secretAccessKey: customer.secretAccessKey,
    ...fields,
  });
  const track = (app: CreatedApp, path: string, body: unknown) =>
    requestJson<Json>(platform.gatewayUrl, 'POST', `/${app.trackingKey}/${path}`, { body });

  beforeAll(async () => {
    await setClock(DAY0 + 12 * 3_600_000);
    customer = await startCustomerS3();
    const env = {
      TEST_CLOCK_FILE: clockFile,
      SCHEDULER_INTERVAL_MS: '200',
      SCHEDULE_LEASE_MS: '2000',
      SCHEDULE_RETRY_BASE_MS: '200',
      SCHEDULE_MAX_ATTEMPTS: '2',
    };
    platform = await startTestPlatform(env);
    replica = await startServiceProcess(platform, 'export-job', env);
    enterprise = await createApp(platform.gatewayUrl, platform.adminToken, 'enterprise', 'Enterprise');
  }, 120_000);

  afterAll(async () => {
    await replica?.stop();
    await platform?.stop();
    await customer?.stop();
  });

  it('checks the storage before saving: each wrong detail gives its reason and saves nothing; other plans get the 403 body', async () => {
    const bucket = await customer.createBucket();
    const refusals: [Record<string, unknown>, string][] = [
      [{ secretAccessKey: 'not-the-secret' }, 'signature_mismatch'],
      [{ bucket: 'no-such-bucket-here' }, 'no_such_bucket'],
      [{ endpoint: 'http://169.254.169.254' }, 'forbidden_address'],
    ];
    for (const [fields, reason] of refusals) {
      const refused = await call('PUT', '/api/v1/data-export/automatic', enterprise, {
        enabled: true,
        cadence: 'daily',
        ...storage(bucket, fields),
      });
      expect({ status: refused.status, code: refused.body.error?.code, reason: refused.body.error?.details?.reason }).toEqual({
        status: 400,
        code: 'destination_invalid',
        reason,
      });
      expect(JSON.stringify(refused.body)).not.toContain(customer.secretAccessKey);
    }
    const unchanged = await call('GET', '/api/v1/data-export/automatic', enterprise);
    expect(unchanged.body).toMatchObject({ enabled: false, destination: null, status: { lastStatus: 'never_ran' } });

    const pro = await createApp(platform.gatewayUrl, platform.adminToken, 'pro', 'Pro');
    const proPut = await call('PUT', '/api/v1/data-export/automatic', pro, {
      enabled: true,
      cadence: 'daily',
      ...storage(bucket),
    });
    expect(proPut.status).toBe(403);
    expect(proPut.body.errors[0]).toMatchObject({ error_code: '401', error: 'Unauthorized' });
    expect((await call('GET', '/api/v1/data-export/automatic', pro)).body).toMatchObject({ enabled: false });
  });

  it('says never_ran with the next run at the next 00:00 UTC (daily) or Monday (weekly)', async () => {
    const app = await createApp(platform.gatewayUrl, platform.adminToken, 'enterprise', 'Weekly');
    const bucket = await customer.createBucket();
    const weekly = await call('PUT', '/api/v1/data-export/automatic', app, {
      enabled: true,
      cadence: 'weekly',
      ...storage(bucket),
    });
    expect(weekly.status).toBe(200);
    const monday = DAY0 + ((7 - ((Math.floor(DAY0 / DAY_MS) + 3) % 7)) % 7 || 7) * DAY_MS;
    expect(weekly.body).toMatchObject({
      enabled: true,
      cadence: 'weekly',
      destination: { provider: 'custom', bucket, key: 'exports/daily', accessKeyId: customer.accessKeyId },
      status: { lastStatus: 'never_ran', lastRunAt: null, nextRunAt: new Date(monday).toISOString(), error: null },
    });
    const daily = await call('PUT', '/api/v1/data-export/automatic', app, {
      enabled: true,
      cadence: 'daily',
      ...storage(bucket),
    });
    expect(daily.body.status.nextRunAt).toBe(new Date(DAY0 + DAY_MS).toISOString());
    expect(JSON.stringify(daily.body)).not.toContain(customer.secretAccessKey);
  });

  it('writes one CSV per day, equal to the manual today CSV of that day, once, even when a process is killed during a run; a stopped storage fails the period, and the next one succeeds', async () => {
    const bucket = await customer.createBucket();
    const feature = await call('POST', '/api/v1/features', enterprise, { name: 'Messaging', events: ['Sent message'] });
    expect(feature.status).toBe(201);
    const saved = await call('PUT', '/api/v1/data-export/automatic', enterprise, {
      enabled: true,
      cadence: 'daily',
      ...storage(bucket),
    });
    expect(saved.status).toBe(200);

    const manualToday = async () => {
      const response = await fetch(`${platform.gatewayUrl}/api/v1/data-export/companies?history=today`, {
        headers: { authorization: `Bearer ${enterprise.apiKey}` },
      });
      expect(response.status).toBe(200);
      return response.text();
    };
    const expected: Record<string, string> = {};
    for (let day = 0; day < 3; day++) {
      const start = DAY0 + day * DAY_MS;
      await setClock(start + 18 * 3_600_000);
      // Each day one more company uses the feature, so each day's file differs.
      for (let c = 0; c <= day; c++) {
        expect((await track(enterprise, 'company', { companyId: `co-${c}`, attributes: { name: `Company ${c}` } })).status).toBe(
          200,
        );
        expect((await track(enterprise, 'event', { event: 'Sent message', userId: `u-${c}`, companyId: `co-${c}` })).status).toBe(
          200,
        );
      }
      await setClock(start + DAY_MS - 20_000);
      const name = `exports/daily/companies-${dayOf(start)}.csv`;
      expected[name] = await eventually(
        async () => {
          const csv = await manualToday();
          // Every company's row of that day, the newest company's usage counted (counters follow the calls).
          const rows = csv.split('\r\n').filter((line) => line.includes(`,${dayOf(start)},`) && line.includes('Messaging'));
          const newest = rows.find((line) => line.startsWith(`co-${day},`));
          return rows.length === day + 1 && newest?.includes(',tried,') ? csv : undefined;
        },
        20_000,
        `day ${day}'s usage in the manual CSV`,
      );
      await setClock(start + DAY_MS + 1_000);
      // Kill a process during the second day's run: the run is redone once its lease runs out.
      if (day === 1) {
        await new Promise((resolve) => setTimeout(resolve, 150));
        await replica.stop('SIGKILL');
      }
      const written = await eventually(async () => customer.readObject(bucket, name), 30_000, `${name} in the customer bucket`);
      expect(written.toString('utf8')).toBe(expected[name]);
    }
    expect(await customer.listKeys(bucket)).toEqual(Object.keys(expected).sort());
    const status = await call('GET', '/api/v1/data-export/automatic', enterprise);
    expect(status.body.status).toMatchObject({
      lastStatus: 'successful',
      error: null,
      nextRunAt: new Date(DAY0 + 4 * DAY_MS).toISOString(),
    });

    // The customer's storage goes away: the next period fails with what the storage answered...
    await customer.stop();
    await setClock(DAY0 + 4 * DAY_MS + 1_000);
    const failed = await eventually(
      async () => {
        const body = (await call('GET', '/api/v1/data-export/automatic', enterprise)).body;
        return body.status.lastStatus === 'failed' ? body : undefined;
      },
      30_000,
      'the failed period',
    );
    expect(failed.status.error).toEqual(expect.any(String));
    expect(failed.status.error.length).toBeGreaterThan(0);
    // ...and once it is back, the next period succeeds.
    await customer.start();
    await setClock(DAY0 + 5 * DAY_MS + 1_000);
    await eventually(
      async () => customer.readObject(bucket, `exports/daily/companies-${dayOf(DAY0 + 4 * DAY_MS)}.csv`),
      30_000,
      'the next period',
    );
    const recovered = await eventually(
      async () => {
        const body = (await call('GET', '/api/v1/data-export/automatic', enterprise)).body;
        return body.status.lastStatus === 'successful' ? body : undefined;
      },
      20_000,
      'a successful status',
    );
    expect(recovered.status.error).toBeNull();
    expect(await customer.listKeys(bucket)).toHaveLength(4);
  }, 240_000);

  it('tells the endpoints subscribed to export.automatic.failed once, signed, after three failed periods in a row', async () => {
    const app = await createApp(platform.gatewayUrl, platform.adminToken, 'enterprise', 'Alerts');
    const receiver: WebhookReceiver = await startWebhookReceiver();
    try {
      const endpoint = await call('POST', '/api/v1/webhooks', app, {
        url: receiver.url,
        eventTypes: ['export.automatic.failed'],
      });
      expect(endpoint.status).toBe(201);
      const bucket = await customer.createBucket();
      const start = DAY0 + 10 * DAY_MS;
      await setClock(start + 12 * 3_600_000);
      const saved = await call('PUT', '/api/v1/data-export/automatic', app, {
        enabled: true,
        cadence: 'daily',
        ...storage(bucket),
      });
      expect(saved.status).toBe(200);
      await customer.stop();
      // Three days pass with the storage down: the three periods run in order and fail.
      await setClock(start + 3 * DAY_MS + 1_000);
      const [alert] = await eventually(
        async () => (receiver.requests.length > 0 ? receiver.requests : undefined),
        60_000,
        'the alert',
      );
      const realNow = Date.now;
      Date.now = () => realNow() + offsetMs; // the verifier compares the signature's timestamp with its own time
      let payload: Json;
      try {
        payload = new Webhook(endpoint.body.secret as string).verify(alert?.body ?? '', alert?.headers ?? {});
      } finally {
        Date.now = realNow;
      }
      expect(payload).toMatchObject({
        type: 'export.automatic.failed',
        data: { type: 'automatic_export', cadence: 'daily', failed_periods: [{}, {}, {}] },
      });
      const status = (await call('GET', '/api/v1/data-export/automatic', app)).body.status;
      expect(status).toMatchObject({ lastStatus: 'failed' });
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(receiver.requests).toHaveLength(1);
    } finally {
      await customer.start();
      await receiver.close();
    }
  }, 120_000);
});

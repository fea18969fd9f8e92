import {
  createApp,
  CreatedApp,
  CustomerS3,
  eventually,
  freePort,
  requestJson,
  ServiceName,
  SERVICE_NAMES,
  startCustomerS3,
  startTestPlatform,
  startWebhookReceiver,
  TestPlatform,
  WebhookReceiver,
} from '@exportd/testing';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** One value of a Prometheus text exposition: the sample of `name` whose labels include `labels`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/i.exec(line);
    if (!match || match[1] !== name) continue;
    const given = match[2] ?? '';
    if (Object.entries(labels).every(([key, value]) => given.includes(`${key}="${value}"`))) return Number(match[3]);
  }
  return undefined;
}

interface LogLine {
  level: string;
  time: string;
  service: string;
  msg: string;
  requestId?: string;
  [field: string]: unknown;
}

describe('request ids, metrics and structured logs across the platform', () => {
  let platform: TestPlatform;
  let customer: CustomerS3;
  let hook: WebhookReceiver;
  let app: CreatedApp;
  const metricsPorts = {} as Record<ServiceName, number>;
  const requestId = `obs-${randomBytes(6).toString('hex')}`;
  const secrets: Record<string, string> = {};

  const logOf = (name: string): string => readFileSync(platform.processes.get(name as never)?.logFile as string, 'utf8');
  const linesOf = (name: string): LogLine[] =>
    logOf(name)
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as LogLine);
  const metricsOf = async (name: ServiceName | 'gateway'): Promise<string> => {
    const url = name === 'gateway' ? `${platform.gatewayUrl}/metrics` : `http://127.0.0.1:${metricsPorts[name]}/metrics`;
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    return response.text();
  };

  beforeAll(async () => {
    for (const name of SERVICE_NAMES) metricsPorts[name] = await freePort();
    [platform, customer, hook] = await Promise.all([
      startTestPlatform({ EXPORT_POLL_INTERVAL_MS: '100', EXPORT_NOTIFY_RETRY_BASE_MS: '200' }, { metricsPorts }),
      startCustomerS3(),
      startWebhookReceiver(),
    ]);
    app = await createApp(platform.gatewayUrl, platform.adminToken);
    Object.assign(secrets, {
      adminToken: platform.adminToken,
      internalToken: platform.internalToken,
      encryptionKey: platform.env.ENCRYPTION_KEY as string,
      s3Secret: platform.env.S3_SECRET_ACCESS_KEY as string,
      apiKey: app.apiKey,
      trackingKey: app.trackingKey,
      customerSecret: customer.secretAccessKey,
    });
  });

  afterAll(async () => {
    await Promise.all([platform?.stop(), customer?.stop(), hook?.close()]);
  });

  it('carries one request id from the HTTP request through every service that works on the export', async () => {
    const webhook = await requestJson(platform.gatewayUrl, 'POST', '/api/v1/webhooks', {
      token: app.apiKey,
      body: { url: hook.url, eventTypes: ['export.completed'] },
    });
    expect(webhook.status).toBe(201);
    secrets.webhookSecret = webhook.body.secret as string;
    const bucket = await customer.createBucket();
    const destination = await requestJson(platform.gatewayUrl, 'POST', '/api/v1/destinations', {
      token: app.apiKey,
      body: {
        name: 'Customer bucket',
        provider: 'custom',
        endpoint: customer.endpoint,
        bucket,
        key: '/exports/',
        accessKeyId: customer.accessKeyId,
        secretAccessKey: customer.secretAccessKey,
      },
    });
    expect(destination.status).toBe(201);

    const calls = Array.from({ length: 5 }, (_, i) => ({
      type: 'event',
      userId: `user-${i}`,
      companyId: 'acme',
      event: 'Opened report',
      timestamp: '2024-05-02T10:00:00Z',
      messageId: `m-${i}`,
    }));
    const tracked = await requestJson(platform.gatewayUrl, 'POST', `/${app.trackingKey}/bulk`, { body: calls });
    expect(tracked.status).toBe(200);
    // The same calls again are deduplicated; a call without its event is refused.
    expect((await requestJson(platform.gatewayUrl, 'POST', `/${app.trackingKey}/bulk`, { body: calls })).status).toBe(200);
    expect((await requestJson(platform.gatewayUrl, 'POST', `/${app.trackingKey}/event`, { body: { userId: 'u' } })).status).toBe(
      400,
    );

    const created = await requestJson(platform.gatewayUrl, 'POST', '/api/v1/exports', {
      token: app.apiKey,
      headers: { 'x-request-id': requestId },
      body: { startDate: '2024-05-01', endDate: '2024-05-03', dataTypes: ['events'], format: 'jsonl' },
    });
    expect(created.status).toBe(202);
    expect(created.headers.get('x-request-id')).toBe(requestId);
    const jobId = created.body.id as string;
    const job = await eventually(
      async () => {
        const read = await requestJson(platform.gatewayUrl, 'GET', `/api/v1/exports/${jobId}`, { token: app.apiKey });
        return read.body.status === 'completed' ? read.body : undefined;
      },
      30_000,
      'the export to complete',
    );
    expect(job.status).toBe('completed');
    await eventually(() => hook.requests[0], 30_000, 'the webhook delivery');

    // A request without an id (or with one that is not a plain token) gets a new one.
    const plain = await requestJson(platform.gatewayUrl, 'GET', '/healthz');
    expect(plain.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const injected = await requestJson(platform.gatewayUrl, 'GET', '/healthz', {
      headers: { 'x-request-id': 'not "a" token {x:1}' },
    });
    expect(injected.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

    // Every process writes one JSON object per line, with its name; the export's lines share the request id.
    await eventually(
      () => (linesOf('notification').some((line) => line.requestId === requestId) ? true : undefined),
      30_000,
      "notification's line of the export",
    );
    for (const name of ['gateway', ...SERVICE_NAMES]) {
      const lines = linesOf(name);
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) {
        expect(line).toMatchObject({ service: name, level: expect.any(String) as string, msg: expect.any(String) as string });
        expect(Number.isNaN(Date.parse(line.time))).toBe(false);
      }
      const ofRequest = lines.some((line) => line.requestId === requestId);
      expect({ name, ofRequest }).toEqual({ name, ofRequest: true });
    }
    const gatewayLine = linesOf('gateway').find((line) => line.requestId === requestId && line.msg === 'request');
    expect(gatewayLine).toMatchObject({ method: 'POST', route: '/api/v1/exports', status: '202' });
    expect(linesOf('export-job').some((line) => line.requestId === requestId && line.msg === 'export created')).toBe(true);
    // Aggregation streamed the export's rows as part of the same request.
    expect(linesOf('aggregation').some((line) => line.requestId === requestId && String(line.method).includes('Rows'))).toBe(
      true,
    );
  });

  it('serves Prometheus metrics on the gateway and on every service', async () => {
    const gateway = await metricsOf('gateway');
    expect(sample(gateway, 'exportd_http_requests_total', { method: 'POST', route: '/api/v1/exports', status: '202' })).toBe(1);
    expect(sample(gateway, 'exportd_http_request_duration_seconds_count', { route: '/api/v1/exports' })).toBeGreaterThan(0);
    expect(sample(gateway, 'exportd_tracking_calls_total', { outcome: 'refused', status: '400' })).toBe(1);
    // Route patterns label the series: no tracking key or id in them.
    expect(gateway).toContain('route="/:trackingKey/bulk"');
    expect(gateway).not.toContain(app.trackingKey);
    expect(sample(gateway, 'process_resident_memory_bytes', { service: 'gateway' })).toBeGreaterThan(0);

    const ingestion = await metricsOf('ingestion');
    expect(sample(ingestion, 'exportd_tracking_calls_total', { outcome: 'stored' })).toBe(5);
    expect(sample(ingestion, 'exportd_tracking_calls_total', { outcome: 'deduplicated' })).toBe(5);
    expect(sample(ingestion, 'exportd_projector_backlog_calls')).toBe(0);
    expect(sample(ingestion, 'exportd_grpc_server_calls_total', { method: 'TrackingService/track', code: 'OK' })).toBe(2);

    const exportJob = await metricsOf('export-job');
    expect(sample(exportJob, 'exportd_export_rows_total', { format: 'jsonl' })).toBe(5);
    expect(sample(exportJob, 'exportd_export_bytes_total', { format: 'jsonl' })).toBeGreaterThan(0);
    expect(sample(exportJob, 'exportd_export_partition_duration_seconds_count', { format: 'jsonl' })).toBeGreaterThan(0);
    expect(sample(exportJob, 'exportd_export_partition_attempts_total', { format: 'jsonl', outcome: 'done' })).toBeGreaterThan(0);
    expect(exportJob).toContain('exportd_scheduler_lag_seconds');

    const notification = await metricsOf('notification');
    await eventually(
      async () =>
        sample(await metricsOf('notification'), 'exportd_delivery_attempts_total', {
          channel: 'webhook',
          outcome: 'delivered',
        }) === 1
          ? true
          : undefined,
      10_000,
      'the delivery counted',
    );
    expect(sample(notification, 'exportd_outbox_backlog_deliveries')).toBe(0);

    const aggregation = await metricsOf('aggregation');
    expect(sample(aggregation, 'exportd_grpc_server_duration_seconds_count', { code: 'OK' })).toBeGreaterThan(0);
  });

  it('writes no secret, key or token to any log line', () => {
    expect(Object.keys(secrets).sort()).toEqual([
      'adminToken',
      'apiKey',
      'customerSecret',
      'encryptionKey',
      'internalToken',
      's3Secret',
      'trackingKey',
      'webhookSecret',
    ]);
    for (const name of ['gateway', ...SERVICE_NAMES]) {
      const log = logOf(name);
      for (const [what, secret] of Object.entries(secrets)) {
        expect({ name, what, found: log.includes(secret) }).toEqual({ name, what, found: false });
      }
    }
  });
});

import { createApp, CreatedApp, requestJson, startTestPlatform, TestPlatform } from '@exportd/testing';

const EVENTS = ['export.completed', 'export.failed'];

describe('webhook endpoints API', () => {
  let platform: TestPlatform;
  let app: CreatedApp;
  let other: CreatedApp;

  beforeAll(async () => {
    platform = await startTestPlatform();
    app = await createApp(platform.gatewayUrl, platform.adminToken);
    other = await createApp(platform.gatewayUrl, platform.adminToken);
  });

  afterAll(async () => {
    await platform?.stop();
  });

  const call = (method: string, path: string, body?: unknown, token = app.apiKey) =>
    requestJson(platform.gatewayUrl, method, path, { token, body });

  it('registers, lists, reads, updates and deletes an endpoint; the secret is shown at creation only', async () => {
    const created = await call('POST', '/api/v1/webhooks', { url: 'http://localhost/exports', eventTypes: EVENTS });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ url: 'http://localhost/exports', eventTypes: EVENTS, disabled: false });
    expect(created.body.id).toMatch(/^whk_/);
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
    const id = created.body.id as string;

    const listed = await call('GET', '/api/v1/webhooks');
    expect(listed.status).toBe(200);
    expect(listed.body.webhooks.map((w: { id: string }) => w.id)).toContain(id);
    const read = await call('GET', `/api/v1/webhooks/${id}`);
    expect(read.status).toBe(200);
    expect(JSON.stringify(listed.body) + JSON.stringify(read.body)).not.toContain(created.body.secret);
    expect(read.body).not.toHaveProperty('secret');

    const updated = await call('PATCH', `/api/v1/webhooks/${id}`, { eventTypes: ['export.failed'], disabled: true });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      eventTypes: ['export.failed'],
      disabled: true,
      disabledReason: 'disabled through the API',
    });
    const enabled = await call('PATCH', `/api/v1/webhooks/${id}`, { disabled: false, url: 'http://127.0.0.1:8443/v2' });
    expect(enabled.body).toMatchObject({ url: 'http://127.0.0.1:8443/v2', disabled: false, disabledReason: null });

    const deliveries = await call('GET', `/api/v1/webhooks/${id}/deliveries`);
    expect(deliveries).toMatchObject({ status: 200, body: { deliveries: [] } });

    expect((await call('DELETE', `/api/v1/webhooks/${id}`)).status).toBe(204);
    expect((await call('GET', `/api/v1/webhooks/${id}`)).status).toBe(404);
  });

  it("another app's endpoint answers 404 on every route", async () => {
    const created = await call('POST', '/api/v1/webhooks', { url: 'http://localhost/a', eventTypes: EVENTS });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    for (const [method, path, body] of [
      ['GET', `/api/v1/webhooks/${id}`, undefined],
      ['PATCH', `/api/v1/webhooks/${id}`, { disabled: true }],
      ['DELETE', `/api/v1/webhooks/${id}`, undefined],
      ['POST', `/api/v1/webhooks/${id}/rotate-secret`, undefined],
      ['GET', `/api/v1/webhooks/${id}/deliveries`, undefined],
    ] as const) {
      const response = await call(method, path, body, other.apiKey);
      expect([method, path, response.status]).toEqual([method, path, 404]);
      expect(response.body).toMatchObject({ error: { status: 404, code: 'webhook_not_found' } });
    }
    expect((await call('GET', '/api/v1/webhooks', undefined, other.apiKey)).body.webhooks).toEqual([]);
  });

  it('validates input at the edge, naming each bad field', async () => {
    const bad = await call('POST', '/api/v1/webhooks', { url: 42, eventTypes: ['export.started'], extra: true });
    expect(bad.status).toBe(400);
    const fields = (bad.body.error.details as { field: string }[]).map((d) => d.field).sort();
    expect(fields).toEqual(['eventTypes', 'extra', 'url']);
    expect((await call('POST', '/api/v1/webhooks', { url: 'http://localhost/x', eventTypes: [] })).status).toBe(400);
    expect((await call('POST', '/api/v1/webhooks', { url: 'not a url', eventTypes: EVENTS })).status).toBe(400);
  });

  it('refuses cloud metadata addresses even where private networks are allowed', async () => {
    for (const url of ['http://169.254.169.254/latest/meta-data', 'https://[fd00:ec2::254]/']) {
      const refused = await call('POST', '/api/v1/webhooks', { url, eventTypes: EVENTS });
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ error: { code: 'webhook_url_not_allowed' } });
      expect(refused.body.error.message).toContain('cloud metadata address');
    }
  });

  it('needs the settings:write privilege to manage endpoints and exports:read for the delivery log', async () => {
    const key = await requestJson(platform.gatewayUrl, 'POST', `/admin/v1/apps/${app.id}/keys`, {
      token: platform.adminToken,
      body: { privileges: ['exports:read'] },
    });
    const readOnly = key.body.key as string;
    const refused = await call('POST', '/api/v1/webhooks', { url: 'http://localhost/x', eventTypes: EVENTS }, readOnly);
    expect(refused.status).toBe(403);
    // Allowed to read the log: an unknown job is a 404, not a 403.
    expect((await call('GET', '/api/v1/exports/job_unknown/deliveries', undefined, readOnly)).status).toBe(404);
    // A job of the app under another export API (the Bulk Data Export API) has a log too.
    const bulk = await requestJson(platform.gatewayUrl, 'POST', '/api/v1/analytics/exports', {
      authorization: `Token ${app.apiKey}`,
      body: { from: '2024-01-01', to: '2024-01-02' },
    });
    expect(bulk.status).toBe(201);
    const log = await call('GET', `/api/v1/exports/${bulk.body.job_id as string}/deliveries`, undefined, readOnly);
    expect(log.status).toBe(200);
    expect(Array.isArray(log.body.deliveries)).toBe(true);
    expect((await call('GET', '/api/v1/webhooks')).status).toBe(200);
    expect((await requestJson(platform.gatewayUrl, 'GET', '/api/v1/webhooks')).status).toBe(401);
  });
});

describe('webhook endpoints where private networks are not allowed', () => {
  let platform: TestPlatform;
  let app: CreatedApp;

  beforeAll(async () => {
    platform = await startTestPlatform({ OUTBOUND_ALLOW_PRIVATE_NETWORKS: 'false' });
    app = await createApp(platform.gatewayUrl, platform.adminToken);
  });

  afterAll(async () => {
    await platform?.stop();
  });

  it.each([
    ['http://hooks.example.com/', 'url must use https'],
    ['https://127.0.0.1/hook', '127.0.0.1 is a loopback address'],
    ['https://localhost/hook', 'resolves to 127.0.0.1, which is a loopback address'],
    ['https://[::1]/hook', '::1 is a loopback address'],
    ['https://10.0.0.8/hook', 'private address'],
    ['https://169.254.169.254/latest/meta-data', '169.254.169.254 is a cloud metadata address'],
    ['https://no-such-host.invalid/hook', 'does not resolve'],
    ['https://100.64.1.1/', 'CGNAT address'],
  ])('refuses %s with a reason', async (url, reason) => {
    const refused = await requestJson(platform.gatewayUrl, 'POST', '/api/v1/webhooks', {
      token: app.apiKey,
      body: { url, eventTypes: EVENTS },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('webhook_url_not_allowed');
    expect(refused.body.error.message).toContain(reason);
  });
});

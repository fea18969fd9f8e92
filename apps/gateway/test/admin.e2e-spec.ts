import { tenancy } from '@exportd/contracts';
import { createGrpcClient, GrpcClient } from '@exportd/grpc';
import { requestJson, startTestPlatform, TestPlatform } from '@exportd/testing';

/** The admin API (issue 3): exact paths, fields and statuses, through the real gateway and ingestion. */
describe('Admin API', () => {
  let platform: TestPlatform;
  let apps: GrpcClient<typeof tenancy.AppsServiceService>;

  beforeAll(async () => {
    platform = await startTestPlatform();
    apps = createGrpcClient(tenancy.AppsServiceService, {
      address: platform.env.INGESTION_GRPC_ADDR as string,
      internalToken: platform.internalToken,
    });
  });

  afterAll(async () => {
    apps?.close();
    await platform?.stop();
  });

  const admin = (method: string, path: string, body?: unknown) =>
    requestJson(platform.gatewayUrl, method, path, { body, token: platform.adminToken });
  const authenticates = async (key: string) => {
    try {
      return (await apps.authenticateApiKey({ key })).app?.id;
    } catch {
      return undefined;
    }
  };

  it('POST /admin/v1/apps -> 201 with id, name, plan, trackingKey and a full-privilege apiKey', async () => {
    const response = await admin('POST', '/admin/v1/apps', { name: 'Acme production', plan: 'enterprise' });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ name: 'Acme production', plan: 'enterprise' });
    expect(response.body.id).toMatch(/^app_/);
    expect(response.body.trackingKey).toMatch(/^tk_/);
    expect(response.body.apiKey).toMatch(/^sk_/);
    const answer = await apps.authenticateApiKey({ key: response.body.apiKey });
    expect(answer.app?.id).toBe(response.body.id);
    expect([...answer.privileges].sort()).toEqual(['exports:read', 'exports:write', 'privacy:write', 'settings:write']);
  });

  it('GET /admin/v1/apps/{id} reads the app without any API key; PATCH changes the plan', async () => {
    const created = (await admin('POST', '/admin/v1/apps', { name: 'Plans', plan: 'free' })).body;
    const read = await admin('GET', `/admin/v1/apps/${created.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: created.id, name: 'Plans', plan: 'free', trackingKey: created.trackingKey });
    expect(JSON.stringify(read.body)).not.toContain(created.apiKey);

    const patched = await admin('PATCH', `/admin/v1/apps/${created.id}`, { plan: 'pro' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ id: created.id, plan: 'pro' });
    expect((await admin('GET', `/admin/v1/apps/${created.id}`)).body.plan).toBe('pro');
  });

  it('POST /admin/v1/apps/{id}/keys -> 201 {id, key, privileges}; DELETE .../keys/{keyId} -> 204 and the key stops authenticating', async () => {
    const created = (await admin('POST', '/admin/v1/apps', { name: 'Keys', plan: 'pro' })).body;
    const issued = await admin('POST', `/admin/v1/apps/${created.id}/keys`, { privileges: ['exports:read'] });
    expect(issued.status).toBe(201);
    expect(Object.keys(issued.body).sort()).toEqual(['id', 'key', 'privileges']);
    expect(issued.body.key).toMatch(/^sk_/);
    expect(issued.body.privileges).toEqual(['exports:read']);
    expect(await authenticates(issued.body.key)).toBe(created.id);

    const revoked = await requestJson(platform.gatewayUrl, 'DELETE', `/admin/v1/apps/${created.id}/keys/${issued.body.id}`, {
      token: platform.adminToken,
    });
    expect(revoked.status).toBe(204);
    expect(await authenticates(issued.body.key)).toBeUndefined();
    // The app's other key still works.
    expect(await authenticates(created.apiKey)).toBe(created.id);
  });

  it('a key of another app, or an unknown app, is 404', async () => {
    const a = (await admin('POST', '/admin/v1/apps', { name: 'A', plan: 'pro' })).body;
    const b = (await admin('POST', '/admin/v1/apps', { name: 'B', plan: 'pro' })).body;
    const other = await requestJson(platform.gatewayUrl, 'DELETE', `/admin/v1/apps/${b.id}/keys/${a.apiKeyId}`, {
      token: platform.adminToken,
    });
    expect(other.status).toBe(404);
    expect(await authenticates(a.apiKey)).toBe(a.id);
    expect((await admin('GET', '/admin/v1/apps/app_unknown')).status).toBe(404);
    expect((await admin('POST', '/admin/v1/apps/app_unknown/keys', { privileges: ['exports:read'] })).status).toBe(404);
  });

  it.each<[string, string, unknown, string]>([
    ['an unknown plan', '/admin/v1/apps', { name: 'x', plan: 'gold' }, 'plan'],
    ['a missing name', '/admin/v1/apps', { plan: 'pro' }, 'name'],
    ['an unknown field', '/admin/v1/apps', { name: 'x', plan: 'pro', owner: 'me' }, 'owner'],
  ])('%s -> 400 naming the field', async (_name, path, body, field) => {
    const response = await admin('POST', path, body);
    expect(response.status).toBe(400);
    expect(response.body.error.message).toContain(field);
  });

  it('unknown privileges or none -> 400', async () => {
    const created = (await admin('POST', '/admin/v1/apps', { name: 'P', plan: 'pro' })).body;
    expect((await admin('POST', `/admin/v1/apps/${created.id}/keys`, { privileges: ['root'] })).status).toBe(400);
    expect((await admin('POST', `/admin/v1/apps/${created.id}/keys`, { privileges: [] })).status).toBe(400);
  });

  it.each([
    ['POST', '/admin/v1/apps'],
    ['GET', '/admin/v1/apps/app_x'],
    ['PATCH', '/admin/v1/apps/app_x'],
    ['POST', '/admin/v1/apps/app_x/keys'],
    ['DELETE', '/admin/v1/apps/app_x/keys/key_x'],
  ])('%s %s without the admin token -> 401', async (method, path) => {
    const body = method === 'POST' || method === 'PATCH' ? { name: 'x', plan: 'pro', privileges: ['exports:read'] } : undefined;
    for (const authorization of [undefined, 'Bearer wrong-token', `Bearer ${platform.adminToken}x`]) {
      const response = await requestJson(platform.gatewayUrl, method, path, { body, authorization });
      expect(response.status).toBe(401);
      expect(response.body.error).toMatchObject({ status: 401, code: 'unauthenticated' });
    }
  });

  it('an API key is not an admin token', async () => {
    const created = (await admin('POST', '/admin/v1/apps', { name: 'K', plan: 'pro' })).body;
    const response = await requestJson(platform.gatewayUrl, 'GET', `/admin/v1/apps/${created.id}`, { token: created.apiKey });
    expect(response.status).toBe(401);
  });
});

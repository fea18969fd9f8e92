import { health, tenancy } from '@exportd/contracts';
import { status } from '@grpc/grpc-js';
import { createGrpcClient } from '@exportd/grpc';
import { createApp, REPO_ROOT, serviceArgs, requestJson, startTestPlatform, TestPlatform } from '@exportd/testing';
import { spawnSync } from 'node:child_process';

describe('the platform, as real processes', () => {
  let platform: TestPlatform;

  beforeAll(async () => {
    platform = await startTestPlatform();
  });

  afterAll(async () => {
    await platform?.stop();
  });

  it('GET /healthz is 200 when all four services answer', async () => {
    const response = await requestJson(platform.gatewayUrl, 'GET', '/healthz');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      status: 'ok',
      services: { ingestion: 'serving', aggregation: 'serving', 'export-job': 'serving', notification: 'serving' },
    });
  });

  it('HTTP -> gateway -> gRPC -> ingestion -> database -> back: an app created is read back', async () => {
    const created = await createApp(platform.gatewayUrl, platform.adminToken, 'pro', 'Acme');
    expect(created).toMatchObject({ name: 'Acme', plan: 'pro' });
    expect(created.trackingKey).toMatch(/^tk_/);
    expect(created.apiKey).toMatch(/^sk_/);

    const read = await requestJson(platform.gatewayUrl, 'GET', `/admin/v1/apps/${created.id}`, { token: platform.adminToken });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: created.id, name: 'Acme', plan: 'pro', trackingKey: created.trackingKey });
    expect(JSON.stringify(read.body)).not.toContain(created.apiKey);

    const missing = await requestJson(platform.gatewayUrl, 'GET', '/admin/v1/apps/app_missing', { token: platform.adminToken });
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ error: { code: 'app_not_found' } });
  });

  it('internal gRPC refuses calls without the shared token', async () => {
    const address = platform.env.INGESTION_GRPC_ADDR as string;
    const outsider = createGrpcClient(tenancy.AppsServiceService, { address, internalToken: 'guessed-token-0000000000' });
    await expect(outsider.createApp({ name: 'x', plan: 'pro' })).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    const healthProbe = createGrpcClient(health.HealthService, { address, internalToken: 'guessed-token-0000000000' });
    await expect(healthProbe.check({ service: '' })).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
    outsider.close();
    healthProbe.close();
  });

  it('stopping one service turns /healthz into 503 naming it; restarting it brings 200 back', async () => {
    await platform.processes.get('notification')?.stop();
    const down = await requestJson(platform.gatewayUrl, 'GET', '/healthz');
    expect(down.status).toBe(503);
    expect(down.body).toMatchObject({ status: 'unavailable', unavailable: ['notification'] });

    await platform.restart('notification');
    // The gateway's channel to the restarted service reconnects with a back-off of up to 2 s.
    const deadline = Date.now() + 10_000;
    let up = await requestJson(platform.gatewayUrl, 'GET', '/healthz');
    while (up.status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      up = await requestJson(platform.gatewayUrl, 'GET', '/healthz');
    }
    expect(up.status).toBe(200);
  });

  it('a service with bad configuration lists every bad variable and exits 1', () => {
    const result = spawnSync(process.execPath, serviceArgs('export-job'), {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH, INTERNAL_TOKEN: 'short', MONGO_URL: 'http://not-mongo', S3_FORCE_PATH_STYLE: 'sometimes' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(result.status).toBe(1);
    for (const name of [
      'INTERNAL_TOKEN',
      'MONGO_URL',
      'S3_ACCESS_KEY_ID',
      'S3_SECRET_ACCESS_KEY',
      'S3_BUCKET',
      'S3_FORCE_PATH_STYLE',
    ]) {
      expect(result.stderr).toContain(name);
    }
  });

  it('admin API refuses requests without the admin token', async () => {
    const response = await requestJson(platform.gatewayUrl, 'POST', '/admin/v1/apps', {
      body: { name: 'x', plan: 'pro' },
      token: 'wrong',
    });
    expect(response.status).toBe(401);
  });
});

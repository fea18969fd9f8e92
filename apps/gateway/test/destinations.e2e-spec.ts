import {
  createApp,
  CreatedApp,
  CustomerS3,
  requestJson,
  startCustomerS3,
  startTestPlatform,
  TestPlatform,
} from '@exportd/testing';
import mongoose, { Connection } from 'mongoose';

describe('destinations API', () => {
  let platform: TestPlatform;
  let customer: CustomerS3;
  let bucket: string;
  let app: CreatedApp;
  let other: CreatedApp;
  let db: Connection;

  beforeAll(async () => {
    [platform, customer] = await Promise.all([startTestPlatform(), startCustomerS3()]);
    bucket = await customer.createBucket();
    app = await createApp(platform.gatewayUrl, platform.adminToken);
    other = await createApp(platform.gatewayUrl, platform.adminToken);
    db = await mongoose.createConnection(platform.mongoUrl).asPromise();
  });

  afterAll(async () => {
    await db?.close();
    await Promise.all([platform?.stop(), customer?.stop()]);
  });

  /** Every call checks that no answer ever carries the secret access key. */
  const call = async (method: string, path: string, body?: unknown, token = app.apiKey) => {
    const response = await requestJson(platform.gatewayUrl, method, path, { token, body });
    expect(JSON.stringify(response.body ?? '')).not.toContain(customer.secretAccessKey);
    return response;
  };

  const good = (extra: Record<string, unknown> = {}) => ({
    name: 'Customer bucket',
    provider: 'custom',
    endpoint: customer.endpoint,
    bucket,
    key: '/exports/',
    accessKeyId: customer.accessKeyId,
    secretAccessKey: customer.secretAccessKey,
    ...extra,
  });

  const listed = async (token = app.apiKey) =>
    (await call('GET', '/api/v1/destinations', undefined, token)).body.destinations as unknown[];

  it.each<[string, Record<string, unknown>, string, string]>([
    ['a wrong secret', { secretAccessKey: 'not-the-secret' }, 'signature_mismatch', 'check the secret access key'],
    ['an unknown access key', { accessKeyId: 'AKIAUNKNOWN0000' }, 'invalid_access_key', 'AKIAUNKNOWN0000'],
    ['a missing bucket', { bucket: 'no-such-bucket-anywhere' }, 'no_such_bucket', 'no-such-bucket-anywhere does not exist'],
    [
      'an AWS URL of another form',
      { provider: 'aws', url: 'https://s3.amazonaws.com/acme', endpoint: undefined, bucket: undefined, key: undefined },
      'invalid_url',
      'https://<bucket>.s3.<region>.amazonaws.com[/key]',
    ],
    [
      'a cloud metadata endpoint, private networks allowed',
      { endpoint: 'http://169.254.169.254' },
      'forbidden_address',
      'cloud metadata address',
    ],
    ['an endpoint that refuses connections', { endpoint: 'http://127.0.0.1:9' }, 'unreachable', 'could not reach the storage'],
  ])('refuses %s with its reason and saves nothing', async (_what, change, reason, message) => {
    const refused = await call('POST', '/api/v1/destinations', good(change));
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({
      error: { status: 400, code: 'destination_invalid', message: expect.any(String) as string, details: { reason } },
    });
    expect(refused.body.error.message).toContain(message);
    expect(await listed()).toEqual([]);
  });

  it('validates the shape at the edge and the provider rules in export-job', async () => {
    const shape = await call('POST', '/api/v1/destinations', { ...good(), provider: 'azure', accessKeyId: '', extra: 1 });
    expect(shape.status).toBe(400);
    const fields = (shape.body.error.details as { field: string }[]).map((d) => d.field).sort();
    expect(fields).toEqual(['accessKeyId', 'extra', 'provider']);
    const noEndpoint = await call('POST', '/api/v1/destinations', good({ endpoint: undefined }));
    expect(noEndpoint.body.error).toMatchObject({ status: 400, code: 'invalid_request', details: { field: 'endpoint' } });
    expect(await listed()).toEqual([]);
  });

  it('saves a destination that checks, lists it and keeps the secret encrypted at rest', async () => {
    const created = await call('POST', '/api/v1/destinations', good());
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(/^dst_/) as string,
      name: 'Customer bucket',
      provider: 'custom',
      bucket,
      region: 'us-east-1',
      key: 'exports',
      endpoint: customer.endpoint,
      accessKeyId: customer.accessKeyId,
      createdAt: expect.any(String) as string,
      updatedAt: expect.any(String) as string,
      lastCheck: { at: expect.any(String) as string, ok: true, reason: null, message: null },
    });
    const id = created.body.id as string;
    expect(await listed()).toEqual([created.body]);
    expect((await call('GET', `/api/v1/destinations/${id}`)).body).toEqual(created.body);

    const raw = await db.collection('destinations').findOne({ _id: id as never });
    expect(raw).toMatchObject({
      appId: app.id,
      bucket,
      accessKeyId: customer.accessKeyId,
      secret: expect.stringMatching(/^v1\./) as string,
    });
    expect(JSON.stringify(raw)).not.toContain(customer.secretAccessKey);
    expect((await call('DELETE', `/api/v1/destinations/${id}`)).status).toBe(204);
    expect((await call('GET', `/api/v1/destinations/${id}`)).status).toBe(404);
  });

  it("answers 404 for another app's destination on every route", async () => {
    const created = await call('POST', '/api/v1/destinations', good());
    const id = created.body.id as string;
    for (const [method, path, body] of [
      ['GET', `/api/v1/destinations/${id}`, undefined],
      ['PATCH', `/api/v1/destinations/${id}`, { name: 'mine now' }],
      ['DELETE', `/api/v1/destinations/${id}`, undefined],
      ['POST', `/api/v1/destinations/${id}/check`, undefined],
    ] as const) {
      const response = await call(method, path, body, other.apiKey);
      expect([method, path, response.status]).toEqual([method, path, 404]);
      expect(response.body).toMatchObject({ error: { status: 404, code: 'destination_not_found' } });
    }
    expect(await listed(other.apiKey)).toEqual([]);
    expect((await call('GET', `/api/v1/destinations/${id}`)).body.name).toBe('Customer bucket');
    await call('DELETE', `/api/v1/destinations/${id}`);
  });

  it('a PATCH checks again: a failing change saves nothing, a passing one is saved', async () => {
    const created = await call('POST', '/api/v1/destinations', good());
    const id = created.body.id as string;
    const wrong = await call('PATCH', `/api/v1/destinations/${id}`, { secretAccessKey: 'not-the-secret' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.details).toEqual({ reason: 'signature_mismatch' });
    const missing = await call('PATCH', `/api/v1/destinations/${id}`, { bucket: 'no-such-bucket-anywhere' });
    expect(missing.body.error.details).toEqual({ reason: 'no_such_bucket' });
    expect((await call('GET', `/api/v1/destinations/${id}`)).body).toEqual(created.body);

    const renamed = await call('PATCH', `/api/v1/destinations/${id}`, { name: 'Daily drops', key: 'daily/' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id, name: 'Daily drops', key: 'daily', bucket, lastCheck: { ok: true } });
    expect(Date.parse(renamed.body.lastCheck.at as string)).toBeGreaterThanOrEqual(
      Date.parse(created.body.lastCheck.at as string),
    );
    await call('DELETE', `/api/v1/destinations/${id}`);
  });

  it('POST /check records each outcome as lastCheck; a failed check is a 400 with its reason', async () => {
    const created = await call('POST', '/api/v1/destinations', good());
    const id = created.body.id as string;
    const checked = await call('POST', `/api/v1/destinations/${id}/check`);
    expect(checked.status).toBe(200);
    expect(checked.body.lastCheck).toMatchObject({ ok: true, reason: null });
    expect(Date.parse(checked.body.lastCheck.at as string)).toBeGreaterThanOrEqual(
      Date.parse(created.body.lastCheck.at as string),
    );

    await customer.stop();
    try {
      const down = await call('POST', `/api/v1/destinations/${id}/check`);
      expect(down.status).toBe(400);
      expect(down.body.error).toMatchObject({ code: 'destination_invalid', details: { reason: 'unreachable' } });
      expect((await call('GET', `/api/v1/destinations/${id}`)).body.lastCheck).toMatchObject({
        ok: false,
        reason: 'unreachable',
        message: expect.stringContaining('could not reach the storage') as string,
      });
    } finally {
      await customer.start();
    }
    expect((await call('POST', `/api/v1/destinations/${id}/check`)).body.lastCheck).toMatchObject({
      ok: true,
      reason: null,
      message: null,
    });
    await call('DELETE', `/api/v1/destinations/${id}`);
  });

  it('refuses to delete a destination an export schedule delivers to, naming the schedule', async () => {
    const created = await call('POST', '/api/v1/destinations', good());
    const id = created.body.id as string;
    await db
      .collection('export_schedules')
      .insertOne({ _id: 'sch_uses_it' as never, appId: app.id, delivery: { destinationId: id } });
    const refused = await call('DELETE', `/api/v1/destinations/${id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'destination_in_use', details: { scheduleIds: ['sch_uses_it'] } });
    expect(refused.body.error.message).toContain('sch_uses_it');
    expect((await call('GET', `/api/v1/destinations/${id}`)).status).toBe(200);

    await db.collection('export_schedules').deleteOne({ _id: 'sch_uses_it' as never });
    expect((await call('DELETE', `/api/v1/destinations/${id}`)).status).toBe(204);
  });

  it('reads with exports:read, writes with settings:write', async () => {
    const key = await requestJson(platform.gatewayUrl, 'POST', `/admin/v1/apps/${app.id}/keys`, {
      token: platform.adminToken,
      body: { privileges: ['exports:read'] },
    });
    const readOnly = key.body.key as string;
    expect((await call('GET', '/api/v1/destinations', undefined, readOnly)).status).toBe(200);
    expect((await call('POST', '/api/v1/destinations', good(), readOnly)).status).toBe(403);
    expect((await requestJson(platform.gatewayUrl, 'GET', '/api/v1/destinations')).status).toBe(401);
  });
});

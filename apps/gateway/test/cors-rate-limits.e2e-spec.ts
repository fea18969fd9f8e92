import { RAW_COLLECTIONS, TrackingCallRecord } from '@exportd/records';
import { createApp, CreatedApp, eventually, requestJson, startTestPlatform, TestPlatform } from '@exportd/testing';
import mongoose, { Connection } from 'mongoose';

/**
 * CORS of the public tracking routes (and only those), and the rate limits per tracking key and per API key,
 * through the real gateway. The limits are set low (1 per second) with large bursts, so whether a request
 * fits depends on the burst it asks for, not on how fast the test runs.
 */
describe('CORS and rate limits', () => {
  let platform: TestPlatform;
  let db: Connection;

  beforeAll(async () => {
    platform = await startTestPlatform({
      TRACKING_RATE_LIMIT: '1',
      TRACKING_RATE_BURST: '1000',
      API_RATE_LIMIT: '1',
      API_RATE_BURST: '20',
    });
    db = await mongoose.createConnection(platform.mongoUrl).asPromise();
  });

  afterAll(async () => {
    await db?.close();
    await platform?.stop();
  });

  const newApp = () => createApp(platform.gatewayUrl, platform.adminToken, 'enterprise');
  const calls = (appId: string) => db.collection<TrackingCallRecord>(RAW_COLLECTIONS.calls).find({ appId }).toArray();
  const preflight = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${platform.gatewayUrl}${path}`, {
      method: 'OPTIONS',
      headers: { origin: 'https://some-customer.example', 'access-control-request-method': 'POST', ...headers },
    });

  describe('CORS', () => {
    let app: CreatedApp;
    beforeAll(async () => {
      app = await newApp();
    });

    it.each(['user', 'company', 'event', 'events', 'feedback', 'bulk', 'page'])(
      'a preflight of /{key}/%s from any origin: 204 allowing POST and the headers asked for',
      async (method) => {
        const response = await preflight(`/${app.trackingKey}/${method}`, {
          'access-control-request-headers': 'content-type,bucket-sdk-version',
        });
        expect(response.status).toBe(204);
        expect(response.headers.get('access-control-allow-origin')).toBe('*');
        expect(response.headers.get('access-control-allow-methods')).toContain('POST');
        expect(response.headers.get('access-control-allow-headers')).toBe('content-type,bucket-sdk-version');
        expect(Number(response.headers.get('access-control-max-age'))).toBeGreaterThan(0);
      },
    );

    it('a preflight naming no headers is allowed the headers the SDKs send', async () => {
      const response = await preflight(`/${app.trackingKey}/event`);
      expect(response.status).toBe(204);
      expect(response.headers.get('access-control-allow-headers')).toBe('content-type, bucket-sdk-version, authorization');
    });

    it.each(['/v1/batch', '/v1/track', '/v1/identify', '/v1/group', '/v1/page', '/v1/screen', '/v1/alias'])(
      'the Segment-compatible route %s answers preflights too',
      async (path) => {
        const response = await preflight(path, { 'access-control-request-headers': 'authorization, content-type' });
        expect(response.status).toBe(204);
        expect(response.headers.get('access-control-allow-origin')).toBe('*');
        expect(response.headers.get('access-control-allow-headers')).toBe('authorization, content-type');
      },
    );

    it('answers of the tracking routes carry Access-Control-Allow-Origin, errors included', async () => {
      const origin = { origin: 'https://some-customer.example' };
      const ok = await requestJson(platform.gatewayUrl, 'POST', `/${app.trackingKey}/event`, {
        body: { event: 'Clicked', userId: 'u' },
        headers: origin,
      });
      expect(ok.status).toBe(200);
      expect(ok.headers.get('access-control-allow-origin')).toBe('*');
      expect(ok.headers.get('access-control-expose-headers')).toContain('Retry-After');
      const invalid = await requestJson(platform.gatewayUrl, 'POST', `/${app.trackingKey}/event`, { body: {}, headers: origin });
      expect(invalid.status).toBe(400);
      expect(invalid.headers.get('access-control-allow-origin')).toBe('*');
      const unknownKey = await requestJson(platform.gatewayUrl, 'POST', '/not-a-key/user', {
        body: { userId: 'u' },
        headers: origin,
      });
      expect(unknownKey.status).toBe(401);
      expect(unknownKey.headers.get('access-control-allow-origin')).toBe('*');
    });

    it('the key-authenticated APIs answer no CORS: no allow-origin on a preflight or an answer of /api/v1/exports', async () => {
      const response = await preflight('/api/v1/exports', { 'access-control-request-headers': 'authorization, content-type' });
      expect(response.status).toBe(404);
      expect(response.headers.get('access-control-allow-origin')).toBeNull();
      expect(response.headers.get('access-control-allow-headers')).toBeNull();
      const list = await requestJson(platform.gatewayUrl, 'GET', '/api/v1/exports', {
        token: app.apiKey,
        headers: { origin: 'https://some-customer.example' },
      });
      expect(list.status).toBe(200);
      expect(list.headers.get('access-control-allow-origin')).toBeNull();
      for (const path of ['/api/v1/features', '/admin/v1/apps', '/rest/ua/v15/exports']) {
        expect((await preflight(path)).headers.get('access-control-allow-origin')).toBeNull();
      }
    });
  });

  describe('per tracking key (TRACKING_RATE_LIMIT, TRACKING_RATE_BURST)', () => {
    const events = (n: number, event: string, prefix: string) =>
      Array.from({ length: n }, (_, i) => ({ type: 'event', event, userId: 'u1', companyId: 'c1', messageId: `${prefix}-${i}` }));

    it('a bulk request costs its calls: over the limit 429 with Retry-After and the error body, nothing stored', async () => {
      const app = await newApp();
      const other = await newApp();
      // The whole burst at once: under the limit, unaffected.
      const full = await requestJson(platform.gatewayUrl, 'POST', `/${app.trackingKey}/bulk`, {
        body: events(1000, 'Fits', 'a'),
      });
      expect(full.status).toBe(200);
      expect(full.body).toEqual({ success: true, calls: 1000 });

      // 500 more need 500 s of refill at 1 per second.
      const refused = await requestJson(platform.gatewayUrl, 'POST', `/${app.trackingKey}/bulk`, {
        body: events(500, 'Refused', 'b'),
        headers: { origin: 'https://some-customer.example' },
      });
      expect(refused.status).toBe(429);
      const retryAfter = refused.headers.get('retry-after');
      expect(retryAfter).toMatch(/^\d+$/);
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
      expect(refused.body).toEqual({
        error: {
          status: 429,
          code: 'rate_limited',
          message: expect.stringContaining('too many tracking calls for this tracking key'),
          details: { retryAfterSeconds: Number(retryAfter) },
        },
      });
      // Browsers can read it.
      expect(refused.headers.get('access-control-allow-origin')).toBe('*');

      // Single calls: those answered 200 are stored, those answered 429 are not (at 1 per second, at most a
      // few of these fit).
      const singles = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          requestJson(platform.gatewayUrl, 'POST', `/${app.trackingKey}/event`, {
            body: { event: 'Single', userId: 'u1', messageId: `s-${i}` },
          }),
        ),
      );
      expect(singles.every((r) => r.status === 200 || r.status === 429)).toBe(true);
      expect(singles.some((r) => r.status === 429)).toBe(true);
      for (const r of singles.filter((s) => s.status === 429))
        expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      const admitted = singles.flatMap((r, i) => (r.status === 200 ? [`${app.id}:m:s-${i}`] : []));

      const stored = await calls(app.id);
      expect(stored.filter((c) => c.event === 'Fits')).toHaveLength(1000);
      expect(stored.filter((c) => c.event === 'Refused')).toEqual([]);
      expect(
        stored
          .filter((c) => c.event === 'Single')
          .map((c) => c._id)
          .sort(),
      ).toEqual(admitted.sort());

      // Another tracking key is not limited by this one.
      expect(
        (await requestJson(platform.gatewayUrl, 'POST', `/${other.trackingKey}/user`, { body: { userId: 'u' } })).status,
      ).toBe(200);
      // Nor are the app's API-key routes.
      expect((await requestJson(platform.gatewayUrl, 'GET', '/api/v1/exports', { token: app.apiKey })).status).toBe(200);
    });
  });

  describe('per API key (API_RATE_LIMIT, API_RATE_BURST)', () => {
    it('over the burst: 429 with Retry-After and the error body, the refused request has no effect; other keys unaffected', async () => {
      const app = await newApp();
      const other = await newApp();
      const answers = await Promise.all(
        Array.from({ length: 40 }, () => requestJson(platform.gatewayUrl, 'GET', '/api/v1/exports', { token: app.apiKey })),
      );
      const statuses = answers.map((a) => a.status);
      expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
      // The burst of 20 is admitted (and at 1 per second, hardly more).
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(20);
      const limited = answers.find((a) => a.status === 429);
      expect(limited).toBeDefined();
      expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(limited?.body).toEqual({
        error: {
          status: 429,
          code: 'rate_limited',
          message: expect.stringContaining('too many requests for this API key'),
          details: { retryAfterSeconds: expect.any(Number) },
        },
      });

      // Make sure the bucket is empty, then ask for an export: refused before anything is created.
      // (until a request is refused: at 1 token per second, a slow machine refills the bucket between requests).
      for (let i = 0; i < 50; i++) {
        const read = await requestJson(platform.gatewayUrl, 'GET', '/api/v1/exports', { token: app.apiKey });
        if (read.status === 429) break;
      }
      const today = new Date().toISOString().slice(0, 10);
      const refused = await requestJson(platform.gatewayUrl, 'POST', '/api/v1/exports', {
        token: app.apiKey,
        body: { startDate: today, endDate: today, dataTypes: ['events'], format: 'jsonl' },
      });
      expect(refused.status).toBe(429);
      expect(refused.body.error.code).toBe('rate_limited');

      // Another key of the same app, and another app's key, are not limited by this key.
      const second = await requestJson<{ key: string }>(platform.gatewayUrl, 'POST', `/admin/v1/apps/${app.id}/keys`, {
        token: platform.adminToken,
        body: { privileges: ['exports:read'] },
      });
      expect(second.status).toBe(201);
      const jobs = await requestJson(platform.gatewayUrl, 'GET', '/api/v1/exports', { token: second.body.key });
      expect(jobs.status).toBe(200);
      expect(jobs.body.data).toEqual([]);
      expect((await requestJson(platform.gatewayUrl, 'GET', '/api/v1/exports', { token: other.apiKey })).status).toBe(200);

      // The limited key works again once its bucket refills.
      await eventually(
        async () => {
          const again = await requestJson(platform.gatewayUrl, 'GET', '/api/v1/exports', { token: app.apiKey });
          return again.status === 200 ? again : undefined;
        },
        30_000,
        'the API key to be admitted again',
      );
    });
  });
});

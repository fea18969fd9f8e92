import { RAW_COLLECTIONS, TrackingCallRecord } from '@exportd/records';
import { createApp, requestJson, startTestPlatform, TestPlatform } from '@exportd/testing';
import mongoose, { Connection } from 'mongoose';

/**
 * The race behind "answered 503 and stored anyway": the gateway's deadline for storing a batch (here 3 s)
 * is shorter than the writes it waits for (30 bulk requests of 2,500 calls at once). Every request answered
 * 200 must be stored whole, and every request answered 503 must have stored nothing, so a client that
 * retries as told stores each call once. Only 502/504 `outcome_unknown` may leave either.
 */
describe('Tracking calls past the store deadline', () => {
  let platform: TestPlatform;
  let db: Connection;

  beforeAll(async () => {
    platform = await startTestPlatform({ TRACKING_STORE_TIMEOUT_MS: '3000', TRACKING_RATE_LIMIT: '0' }) // a load test: no rate limit;
    db = await mongoose.createConnection(platform.mongoUrl).asPromise();
  });

  afterAll(async () => {
    await db?.close();
    await platform?.stop();
  });

  it('a request answered 503 stores nothing and one answered 200 stores every call', async () => {
    const app = await createApp(platform.gatewayUrl, platform.adminToken);
    const requests = 30;
    const callsPerRequest = 2_500;
    const answers = await Promise.all(
      Array.from({ length: requests }, (_, request) =>
        requestJson(platform.gatewayUrl, 'POST', `/${app.trackingKey}/bulk`, {
          body: Array.from({ length: callsPerRequest }, (_, i) => ({
            type: 'event',
            userId: `request-${request}`,
            companyId: 'acme',
            event: 'exported',
            attributes: { i },
          })),
        }),
      ),
    );

    // Let any write still in flight land before counting.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const calls = db.collection<TrackingCallRecord>(RAW_COLLECTIONS.calls);
    const stored = await Promise.all(
      answers.map((_, request) => calls.countDocuments({ appId: app.id, userId: `request-${request}` })),
    );

    const outcomes = answers.map((answer, request) => ({
      request,
      status: answer.status,
      code: (answer.body as { error?: { code?: string } })?.error?.code ?? null,
      stored: stored[request],
    }));
    const accepted = outcomes.filter((o) => o.status === 200);
    const refused = outcomes.filter((o) => o.status === 503);
    const unknown = outcomes.filter((o) => o.status === 502 || o.status === 504);
    expect(accepted.length + refused.length + unknown.length).toBe(requests);
    // The race happened: some requests could not be stored in time and were refused (how many were stored
    // first depends on the machine's speed, so 200s are checked but not counted).
    expect(refused.length).toBeGreaterThan(0);
    expect(accepted.filter((o) => o.stored !== callsPerRequest)).toEqual([]);
    expect(refused.filter((o) => o.stored !== 0)).toEqual([]);
    expect(refused.every((o) => o.code === 'ingestion_busy')).toBe(true);
    expect(unknown.every((o) => o.code === 'outcome_unknown')).toBe(true);
  });
});

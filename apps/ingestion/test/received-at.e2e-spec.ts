import { RAW_COLLECTIONS, TrackingCallRecord, utcDay } from '@exportd/records';
import { createApp, CreatedApp, requestJson, startTestPlatform, testServers, TestPlatform, uniqueName } from '@exportd/testing';
import mongoose, { Connection } from 'mongoose';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Far enough back that the day of reception cannot be today's by chance. */
const CLOCK_OFFSET_MS = -40 * 86_400_000;

/** When each call was received: ingestion stamps it with its own (injected) clock at the write. */
describe('the reception time of tracking calls', () => {
  let platform: TestPlatform;
  let app: CreatedApp;
  let connection: Connection;

  beforeAll(async () => {
    const clockFile = join(testServers().tmpDir, `${uniqueName('clock')}.txt`);
    writeFileSync(clockFile, String(CLOCK_OFFSET_MS));
    platform = await startTestPlatform({ TEST_CLOCK_FILE: clockFile });
    app = await createApp(platform.gatewayUrl, platform.adminToken);
    connection = await mongoose.createConnection(platform.mongoUrl).asPromise();
  });

  afterAll(async () => {
    await connection?.close();
    await platform?.stop();
  });

  it('a call stored through the API carries receivedAt and receivedDay from the clock, whatever its timestamp', async () => {
    const before = Date.now() + CLOCK_OFFSET_MS;
    const single = await requestJson(platform.gatewayUrl, 'POST', `/${app.trackingKey}/event`, {
      body: { userId: 'u1', event: 'Opened report', timestamp: '2024-01-02T03:04:05Z', messageId: 'single' },
    });
    const bulk = await requestJson(platform.gatewayUrl, 'POST', `/${app.trackingKey}/bulk`, {
      body: [{ type: 'user', userId: 'u2', messageId: 'bulk' }],
    });
    const after = Date.now() + CLOCK_OFFSET_MS;
    expect([single.status, bulk.status]).toEqual([200, 200]);

    const calls = await connection
      .collection<TrackingCallRecord>(RAW_COLLECTIONS.calls)
      .find({ appId: app.id })
      .sort({ messageId: 1 })
      .toArray();
    expect(calls.map((c) => [c.messageId, c.day])).toEqual([
      ['bulk', calls[0]?.day],
      ['single', '2024-01-02'],
    ]);
    for (const call of calls) {
      expect(call.receivedAt.getTime()).toBeGreaterThanOrEqual(before);
      expect(call.receivedAt.getTime()).toBeLessThanOrEqual(after);
      expect(call.receivedDay).toBe(utcDay(call.receivedAt));
    }
    expect(calls[0]?.receivedDay).not.toBe(utcDay(new Date()));
  });
});

import { RAW_COLLECTIONS, TrackingCallRecord } from '@exportd/records';
import {
  createApp,
  CreatedApp,
  downloadExportFile,
  eventually,
  exportFileRows,
  requestJson,
  startTestPlatform,
  TestPlatform,
} from '@exportd/testing';
import { Analytics } from '@segment/analytics-node';
import mongoose, { Connection } from 'mongoose';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The platform's clock runs this far ahead of the test's: to it, every client clock is two hours slow. */
const CLIENT_CLOCK_SLOW_BY_MS = 2 * 3_600_000;
const MINUTE = 60_000;

const basic = (writeKey: string) => `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** A call as @segment/analytics-node puts it in a batch. */
interface SentEvent {
  type: string;
  messageId: string;
  timestamp: string;
  userId?: string;
  anonymousId?: string;
}

interface ExportRow {
  event_type: string;
  user_id: string | null;
  company_id: string | null;
  timestamp: string;
  message_id: string | null;
  event_name: string | null;
  url?: string | null;
  path?: string | null;
  title?: string | null;
  referrer?: string | null;
}

/**
 * The Segment-compatible API (`/v1/...`) through the real gateway and services: Segment's own Node.js library
 * (@segment/analytics-node 3.1.0) pointed at the gateway with the app's tracking key as its write key, then what
 * ingestion stored and what an export holds; retries, errors and limits over raw HTTP.
 */
describe('Segment-compatible HTTP Tracking API', () => {
  const clockFile = join(tmpdir(), `exportd-clock-${randomBytes(4).toString('hex')}`);
  let platform: TestPlatform;
  let db: Connection;

  beforeAll(async () => {
    writeFileSync(clockFile, String(CLIENT_CLOCK_SLOW_BY_MS));
    platform = await startTestPlatform({ TEST_CLOCK_FILE: clockFile, EXPORT_POLL_INTERVAL_MS: '100' });
    db = await mongoose.createConnection(platform.mongoUrl).asPromise();
  });

  afterAll(async () => {
    await db?.close();
    await platform?.stop();
    rmSync(clockFile, { force: true });
  });

  const newApp = () => createApp(platform.gatewayUrl, platform.adminToken, 'enterprise', 'segment');
  const calls = (appId: string) => db.collection<TrackingCallRecord>(RAW_COLLECTIONS.calls).find({ appId }).toArray();
  const post = (path: string, body: unknown, authorization?: string) =>
    requestJson(platform.gatewayUrl, 'POST', path, { body, authorization });

  /** Runs an on-demand export of the events of the platform's last two days and answers its rows. */
  const exportedEvents = async (app: CreatedApp): Promise<ExportRow[]> => {
    const platformNow = Date.now() + CLIENT_CLOCK_SLOW_BY_MS;
    const created = await requestJson(platform.gatewayUrl, 'POST', '/api/v1/exports', {
      token: app.apiKey,
      body: {
        startDate: dayOf(platformNow - 24 * 3_600_000),
        endDate: dayOf(platformNow),
        dataTypes: ['events'],
        format: 'jsonl',
      },
    });
    expect(created.status).toBe(202);
    const { body: job } = await eventually(
      async () => {
        const res = await requestJson(platform.gatewayUrl, 'GET', `/api/v1/exports/${created.body.id}`, { token: app.apiKey });
        return ['completed', 'failed', 'cancelled'].includes(res.body?.status) ? res : undefined;
      },
      60_000,
      'the export to end',
    );
    expect(job.status).toBe('completed');
    const rows: ExportRow[] = [];
    for (const file of job.files as { url: string }[]) {
      rows.push(...(exportFileRows(await downloadExportFile(file.url), 'jsonl') as ExportRow[]));
    }
    return rows;
  };

  describe('with @segment/analytics-node', () => {
    let app: CreatedApp;
    const sent: { event: SentEvent; sentAt: number }[] = [];
    const statuses: number[] = [];
    const failures: unknown[] = [];
    let answeredBy = 0;

    beforeAll(async () => {
      app = await newApp();
      const analytics = new Analytics({ writeKey: app.trackingKey, host: platform.gatewayUrl, maxRetries: 3 });
      analytics.on('http_request', ({ body }) => {
        const request = JSON.parse(body) as { batch: SentEvent[]; sentAt: string };
        for (const event of request.batch) sent.push({ event, sentAt: Date.parse(request.sentAt) });
      });
      analytics.on('http_response', ({ status }) => {
        statuses.push(status);
        answeredBy = Date.now();
      });
      analytics.on('error', (error) => failures.push(error));

      analytics.identify({ userId: 'ann', traits: { email: 'ann@example.com', plan: 'pro' } });
      analytics.group({ userId: 'ann', groupId: 'acme', traits: { name: 'Acme Corp', seats: 12 } });
      analytics.track({ userId: 'ann', event: 'Report Exported', properties: { format: 'csv' }, context: { groupId: 'acme' } });
      analytics.page({
        userId: 'ann',
        name: 'Pricing',
        properties: { url: 'https://example.com/pricing?plan=pro', path: '/pricing', referrer: 'https://www.google.com/' },
      });
      analytics.screen({ anonymousId: 'anon-device-1', name: 'Home' });
      await analytics.closeAndFlush();
    });

    const sentOf = (type: string) => {
      const found = sent.filter((s) => s.event.type === type);
      expect(found).toHaveLength(1);
      return found[0];
    };

    it('the client sends to POST /v1/batch and gets 200 for every call', () => {
      expect(failures).toEqual([]);
      expect(statuses.length).toBeGreaterThan(0);
      expect(statuses.every((status) => status === 200)).toBe(true);
      expect(sent.map((s) => s.event.type).sort()).toEqual(['group', 'identify', 'page', 'screen', 'track']);
    });

    it('each call is stored once as the matching tracking call, its time corrected for the client clock', async () => {
      const stored = await calls(app.id);
      expect(stored).toHaveLength(5);
      const byMessage = new Map(stored.map((call) => [call.messageId, call]));
      const expected: Record<string, Partial<TrackingCallRecord>> = {
        identify: { type: 'user', userId: 'ann' },
        group: { type: 'company', userId: 'ann', companyId: 'acme' },
        track: { type: 'event', userId: 'ann', companyId: 'acme', event: 'Report Exported' },
        page: {
          type: 'page',
          userId: 'ann',
          url: 'https://example.com/pricing?plan=pro',
          path: '/pricing',
          title: 'Pricing',
          referrer: 'https://www.google.com/',
        },
        screen: { type: 'page', userId: 'anon-device-1', title: 'Home' },
      };
      for (const [type, fields] of Object.entries(expected)) {
        const { event, sentAt } = sentOf(type);
        const call = byMessage.get(event.messageId);
        expect(call).toMatchObject({ ...fields, active: true });
        // timestamp = receivedAt - (sentAt - timestamp): the gateway received the batch after the client wrote
        // sentAt and before the client had the answer, on a clock two hours ahead of the client's.
        const moved = (call?.timestamp.getTime() ?? 0) - Date.parse(event.timestamp) - CLIENT_CLOCK_SLOW_BY_MS;
        expect(moved).toBeGreaterThanOrEqual(0);
        expect(moved).toBeLessThanOrEqual(answeredBy - sentAt);
      }
      expect(JSON.parse(byMessage.get(sentOf('identify').event.messageId)?.attributes ?? '')).toEqual({
        email: 'ann@example.com',
        plan: 'pro',
      });
      expect(JSON.parse(byMessage.get(sentOf('group').event.messageId)?.attributes ?? '')).toEqual({
        name: 'Acme Corp',
        seats: 12,
      });
      expect(JSON.parse(byMessage.get(sentOf('track').event.messageId)?.attributes ?? '')).toEqual({ format: 'csv' });
    });

    it('every call appears once in an export with its type, user, company and corrected time', async () => {
      const stored = new Map((await calls(app.id)).map((call) => [call.messageId, call]));
      const rows = await exportedEvents(app);
      const expected: Record<string, Pick<ExportRow, 'event_type' | 'user_id' | 'company_id'>> = {
        identify: { event_type: 'identify_user', user_id: 'ann', company_id: null },
        group: { event_type: 'identify_company', user_id: 'ann', company_id: 'acme' },
        track: { event_type: 'track', user_id: 'ann', company_id: 'acme' },
        page: { event_type: 'page_view', user_id: 'ann', company_id: null },
        screen: { event_type: 'page_view', user_id: 'anon-device-1', company_id: null },
      };
      for (const [type, fields] of Object.entries(expected)) {
        const { messageId } = sentOf(type).event;
        const matching = rows.filter((row) => row.message_id === messageId);
        expect(matching).toHaveLength(1);
        expect(matching[0]).toMatchObject({ ...fields, timestamp: stored.get(messageId)?.timestamp.toISOString() });
      }
      expect(rows.find((row) => row.message_id === sentOf('track').event.messageId)?.event_name).toBe('Report Exported');
      // Page columns, once aggregation exports them.
      const page = rows.find((row) => row.message_id === sentOf('page').event.messageId);
      if (page && 'url' in page) {
        expect(page).toMatchObject({
          url: 'https://example.com/pricing?plan=pro',
          path: '/pricing',
          title: 'Pricing',
          referrer: 'https://www.google.com/',
        });
        expect(rows.find((row) => row.message_id === sentOf('screen').event.messageId)?.title).toBe('Home');
      }
      expect(rows).toHaveLength(5);
    });

    it('an unknown write key is refused (401) and the client does not retry it', async () => {
      const other = await newApp();
      const rejected: number[] = [];
      const errors: unknown[] = [];
      const analytics = new Analytics({ writeKey: 'no-such-key', host: platform.gatewayUrl, maxRetries: 3 });
      analytics.on('http_response', ({ status }) => rejected.push(status));
      analytics.on('error', (error) => errors.push(error));
      analytics.track({ userId: 'ann', event: 'Lost' });
      await analytics.closeAndFlush();
      expect(rejected).toEqual([401]);
      expect(errors).toHaveLength(1);
      expect(await calls(other.id)).toEqual([]);
    });
  });

  describe('over raw HTTP', () => {
    let app: CreatedApp;
    beforeAll(async () => {
      app = await newApp();
    });
    afterEach(async () => {
      await db.collection(RAW_COLLECTIONS.calls).deleteMany({ appId: app.id });
    });

    it('a retried batch (same messageIds) adds nothing', async () => {
      const suffix = randomBytes(4).toString('hex');
      const body = {
        batch: [
          { type: 'identify', userId: 'bob', messageId: `retry-1-${suffix}`, traits: { plan: 'free' } },
          { type: 'track', userId: 'bob', messageId: `retry-2-${suffix}`, event: 'Signed Up' },
          { type: 'page', userId: 'bob', messageId: `retry-3-${suffix}`, name: 'Welcome' },
        ],
        sentAt: new Date().toISOString(),
      };
      const first = await post('/v1/batch', body, basic(app.trackingKey));
      expect(first).toMatchObject({ status: 200, body: { success: true } });
      expect(await calls(app.id)).toHaveLength(3);
      const retried = await post('/v1/batch', body, basic(app.trackingKey));
      expect(retried).toMatchObject({ status: 200, body: { success: true } });
      const stored = await calls(app.id);
      expect(stored.map((call) => call.messageId).sort()).toEqual([
        `retry-1-${suffix}`,
        `retry-2-${suffix}`,
        `retry-3-${suffix}`,
      ]);
    });

    it('single calls take the write key in the body; timestamp as given without sentAt, corrected with it', async () => {
      const given = '2024-03-05T10:00:00.000Z';
      const plain = await post('/v1/track', { writeKey: app.trackingKey, userId: 'u1', event: 'Imported', timestamp: given });
      expect(plain).toMatchObject({ status: 200, body: { success: true } });

      const clientTime = Date.now() - 5 * MINUTE; // the device's clock: the event 5 minutes before it was sent
      const before = Date.now();
      const skewed = await post('/v1/identify', {
        writeKey: app.trackingKey,
        userId: 'u2',
        timestamp: new Date(clientTime).toISOString(),
        sentAt: new Date(before).toISOString(),
      });
      const after = Date.now();
      expect(skewed.status).toBe(200);

      const stored = await calls(app.id);
      expect(stored.find((call) => call.userId === 'u1')?.timestamp.toISOString()).toBe(given);
      const corrected = stored.find((call) => call.userId === 'u2')?.timestamp.getTime() ?? 0;
      // receivedAt (a clock two hours ahead) - 5 minutes.
      expect(corrected).toBeGreaterThanOrEqual(before + CLIENT_CLOCK_SLOW_BY_MS - 5 * MINUTE);
      expect(corrected).toBeLessThanOrEqual(after + CLIENT_CLOCK_SLOW_BY_MS - 5 * MINUTE);
    });

    it("the batch's context applies to each item, the item's own winning", async () => {
      const response = await post(
        '/v1/batch',
        {
          context: { active: false, groupId: 'acme' },
          batch: [
            { type: 'track', userId: 'u', event: 'Background Sync' },
            { type: 'track', userId: 'u', event: 'Clicked', context: { active: true, groupId: 'globex' } },
          ],
        },
        basic(app.trackingKey),
      );
      expect(response.status).toBe(200);
      const stored = await calls(app.id);
      expect(stored.map((call) => [call.event, call.active, call.companyId]).sort()).toEqual([
        ['Background Sync', false, 'acme'],
        ['Clicked', true, 'globex'],
      ]);
    });

    it('the /v1 routes are not the Tracking API routes of a key "v1", and those still work', async () => {
      // POST /v1/page is Segment's page (a static route wins over /:trackingKey/page).
      const page = await post('/v1/page', { userId: 'u', name: 'Docs', properties: { path: '/docs' } }, basic(app.trackingKey));
      expect(page).toMatchObject({ status: 200, body: { success: true } });
      expect(await calls(app.id)).toEqual([expect.objectContaining({ type: 'page', title: 'Docs', path: '/docs' })]);
      // A name Segment does not have is the Tracking API with the key "v1".
      const event = await post('/v1/event', { userId: 'u', event: 'e' });
      expect(event.status).toBe(401);
      expect(event.body.error.code).toBe('invalid_tracking_key');
      expect((await post(`/${app.trackingKey}/event`, { userId: 'u', event: 'Tracking API' })).status).toBe(200);
    });

    it('a missing or unknown write key is a 401 with the error body', async () => {
      const missing = await post('/v1/track', { userId: 'u', event: 'e' });
      expect(missing.status).toBe(401);
      expect(missing.body.error).toMatchObject({ status: 401, code: 'unauthenticated' });
      const unknown = await post('/v1/batch', { batch: [{ type: 'track', userId: 'u', event: 'e' }] }, basic('not-a-key'));
      expect(unknown.status).toBe(401);
      expect(unknown.body.error).toMatchObject({ status: 401, code: 'invalid_tracking_key' });
      expect(unknown.body.error.message).toContain('unknown write key');
      const inBody = await post('/v1/identify', { writeKey: 'not-a-key', userId: 'u' });
      expect(inBody.status).toBe(401);
      expect(await calls(app.id)).toEqual([]);
    });

    it('alias is not supported: a 400 alone, and a batch holding one is refused whole', async () => {
      const alias = await post('/v1/alias', { userId: 'u', previousId: 'anon' }, basic(app.trackingKey));
      expect(alias.status).toBe(400);
      expect(alias.body.error).toMatchObject({ status: 400, code: 'alias_not_supported' });
      expect(alias.body.error.message).toContain('alias is not supported');
      const batch = await post(
        '/v1/batch',
        {
          batch: [
            { type: 'track', userId: 'u', event: 'e' },
            { type: 'alias', userId: 'u', previousId: 'anon' },
          ],
        },
        basic(app.trackingKey),
      );
      expect(batch.status).toBe(400);
      expect(batch.body.error.details).toEqual([
        { field: 'batch.1.type', problems: [expect.stringContaining('alias is not supported')] },
      ]);
      expect(await calls(app.id)).toEqual([]);
    });

    it('an invalid item refuses the whole batch, naming each bad item by index and field', async () => {
      const response = await post(
        '/v1/batch',
        {
          batch: [
            { type: 'track', userId: 'u', event: 'fine' },
            { type: 'track', userId: 'u' },
            { type: 'identify', traits: { a: 1 } },
            { type: 'group', userId: 'u' },
          ],
        },
        basic(app.trackingKey),
      );
      expect(response.status).toBe(400);
      expect(response.body.error).toMatchObject({ status: 400, code: 'invalid_request' });
      expect(response.body.error.details).toEqual([
        { field: 'batch.1.event', problems: ['is required'] },
        { field: 'batch.2.userId', problems: ['userId or anonymousId is required'] },
        { field: 'batch.3.groupId', problems: ['is required'] },
      ]);
      expect(await calls(app.id)).toEqual([]);
    });

    it('takes batches up to 500 KB and 2,500 calls; refuses larger ones, and calls over 32 KB, with a 400', async () => {
      // 2,500 calls of about 200 bytes: about 490 KB.
      const padding = 'x'.repeat(120);
      const full = {
        batch: Array.from({ length: 2_500 }, (_, i) => ({
          type: 'track',
          userId: `u${i % 7}`,
          event: 'Bulk',
          properties: { padding },
        })),
      };
      const size = Buffer.byteLength(JSON.stringify(full));
      expect(size).toBeGreaterThan(400 * 1024);
      expect(size).toBeLessThanOrEqual(500 * 1024);
      expect((await post('/v1/batch', full, basic(app.trackingKey))).status).toBe(200);
      expect(await db.collection(RAW_COLLECTIONS.calls).countDocuments({ appId: app.id })).toBe(2_500);
      await db.collection(RAW_COLLECTIONS.calls).deleteMany({ appId: app.id });

      const tooMany = await post('/v1/batch', { batch: [...full.batch.slice(0, 1), ...full.batch] }, basic(app.trackingKey));
      expect(tooMany.status).toBe(400);
      expect(tooMany.body.error).toMatchObject({
        code: 'too_many_calls',
        message: expect.stringContaining('at most 2500 calls'),
      });

      const tooLarge = await post(
        '/v1/batch',
        {
          batch: Array.from({ length: 200 }, () => ({
            type: 'track',
            userId: 'u',
            event: 'Big',
            properties: { a: 'x'.repeat(3_000) },
          })),
        },
        basic(app.trackingKey),
      );
      expect(tooLarge.status).toBe(400);
      expect(tooLarge.body.error).toMatchObject({ code: 'payload_too_large', details: { limit: 500 * 1024 } });

      const bigItem = {
        type: 'track',
        userId: 'u',
        event: 'Big',
        properties: Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`p${i}`, 'x'.repeat(4_000)])),
      };
      const withBigItem = await post(
        '/v1/batch',
        { batch: [{ type: 'track', userId: 'u', event: 'ok' }, bigItem] },
        basic(app.trackingKey),
      );
      expect(withBigItem.status).toBe(400);
      expect(withBigItem.body.error.details).toEqual([
        { field: 'batch.1', problems: [expect.stringContaining('at most 32768 bytes')] },
      ]);

      const bigCall = await post('/v1/track', bigItem, basic(app.trackingKey));
      expect(bigCall.status).toBe(400);
      expect(bigCall.body.error).toMatchObject({ code: 'payload_too_large', details: { limit: 32 * 1024 } });
      expect(await calls(app.id)).toEqual([]);
    });
  });
});

import bucket from '@bucketco/tracking-sdk';
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
import mongoose, { Connection } from 'mongoose';

const SDK_VERSION = '2.4.0';

/**
 * Bucket's own browser/Node SDK (`@bucketco/tracking-sdk` 2.4.0) pointed at the gateway with `host`: every
 * tracking method, Bucket's feedback fields, a feedback updated by its feedbackId, what it stores and exports,
 * and the SDK's routes this platform does not serve (feedback prompting, feature flags).
 */
describe('Bucket tracking SDK 2.4.0 against the gateway', () => {
  let platform: TestPlatform;
  let db: Connection;
  let app: CreatedApp;
  let featureId: string;

  beforeAll(async () => {
    platform = await startTestPlatform({ EXPORT_POLL_INTERVAL_MS: '100' });
    db = await mongoose.createConnection(platform.mongoUrl).asPromise();
    app = await createApp(platform.gatewayUrl, platform.adminToken, 'enterprise', 'bucket sdk');
    const feature = await requestJson(platform.gatewayUrl, 'POST', '/api/v1/features', {
      token: app.apiKey,
      body: { name: 'Reports', events: ['Opened report'] },
    });
    expect(feature.status).toBe(201);
    featureId = feature.body.id as string;
    bucket.init(app.trackingKey, { host: platform.gatewayUrl });
  });

  afterAll(async () => {
    bucket.reset();
    await db?.close();
    await platform?.stop();
  });

  const calls = () => db.collection<TrackingCallRecord>(RAW_COLLECTIONS.calls).find({ appId: app.id }).toArray();
  const json = async (response: Response) => ({
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
  });

  it('runs the SDK version this test is written for', () => {
    expect(bucket.version).toBe(SDK_VERSION);
  });

  it('user, company, track: each answered 200 {success: true} and stored', async () => {
    expect(await json(await bucket.user('u1', { name: 'Ada', plan: 'pro' }))).toEqual({ status: 200, body: { success: true } });
    expect(await json(await bucket.company('c1', { name: 'Acme', seats: 12 }, 'u1'))).toEqual({
      status: 200,
      body: { success: true },
    });
    expect(await json(await bucket.track('Opened report', { view: 'table' }, 'u1', 'c1'))).toEqual({
      status: 200,
      body: { success: true },
    });
    const stored = await calls();
    expect(stored.map((c) => c.type).sort()).toEqual(['company', 'event', 'user']);
    expect(stored.find((c) => c.type === 'event')).toMatchObject({ event: 'Opened report', userId: 'u1', companyId: 'c1' });
    expect(JSON.parse(stored.find((c) => c.type === 'user')?.attributes ?? '{}')).toEqual({ name: 'Ada', plan: 'pro' });
  });

  describe('feedback', () => {
    let assignedId: string;

    it("stores Bucket's fields and answers the feedbackId (assigned when the SDK sends none)", async () => {
      const answer = await json(
        await bucket.feedback({
          featureId,
          userId: 'u1',
          companyId: 'c1',
          score: 2,
          question: 'How satisfied are you with Reports?',
          promptedQuestion: 'How do you like Reports?',
          promptId: 'prompt-1',
          source: 'widget',
        }),
      );
      expect(answer).toEqual({ status: 200, body: { success: true, feedbackId: expect.any(String) } });
      assignedId = answer.body.feedbackId as string;

      const feedback = (await calls()).filter((c) => c.type === 'feedback');
      expect(feedback).toEqual([
        expect.objectContaining({
          _id: `${app.id}:fb:${assignedId}`,
          featureId,
          userId: 'u1',
          companyId: 'c1',
          score: 2,
          question: 'How satisfied are you with Reports?',
          promptedQuestion: 'How do you like Reports?',
          promptId: 'prompt-1',
          source: 'widget',
          feedbackId: assignedId,
        }),
      ]);
    });

    it('a second feedback with the same feedbackId updates that feedback instead of adding one', async () => {
      // As the SDK's widget does: the score first, then the comment with the feedbackId of the first answer.
      const answer = await json(
        await bucket.feedback({
          feedbackId: assignedId,
          featureId,
          userId: 'u1',
          companyId: 'c1',
          score: 5,
          comment: 'Much better now',
        }),
      );
      expect(answer).toEqual({ status: 200, body: { success: true, feedbackId: assignedId } });

      // And with a feedbackId of the client's own, twice.
      await bucket.feedback({ feedbackId: 'client-fb-1', featureId: 'other-feature', userId: 'u2', comment: 'First thoughts' });
      await bucket.feedback({ feedbackId: 'client-fb-1', featureId: 'other-feature', userId: 'u2', score: 4 });

      const feedback = (await calls()).filter((c) => c.type === 'feedback').sort((a, b) => a._id.localeCompare(b._id));
      expect(feedback).toHaveLength(2);
      expect(feedback.find((c) => c.feedbackId === assignedId)).toMatchObject({
        score: 5,
        comment: 'Much better now',
        // Fields the second call did not send are kept; the SDK sends its default source, `sdk`.
        question: 'How satisfied are you with Reports?',
        promptId: 'prompt-1',
        source: 'sdk',
      });
      expect(feedback.find((c) => c.feedbackId === 'client-fb-1')).toMatchObject({
        _id: `${app.id}:fb:client-fb-1`,
        score: 4,
        comment: 'First thoughts',
      });
    });

    it('the export has one row per feedback, with the updated score', async () => {
      const today = new Date().toISOString().slice(0, 10);
      const created = await requestJson(platform.gatewayUrl, 'POST', '/api/v1/exports', {
        token: app.apiKey,
        body: { startDate: today, endDate: today, dataTypes: ['events', 'feedback'], format: 'jsonl' },
      });
      expect(created.status).toBe(202);
      const job = await eventually(
        async () => {
          const res = await requestJson(platform.gatewayUrl, 'GET', `/api/v1/exports/${created.body.id as string}`, {
            token: app.apiKey,
          });
          return ['completed', 'failed', 'cancelled'].includes(res.body?.status) ? res.body : undefined;
        },
        60_000,
        'the export to end',
      );
      expect(job.status).toBe('completed');
      const rows: Record<string, Record<string, unknown>[]> = { events: [], feedback: [] };
      for (const file of job.files as { filename: string; url: string }[]) {
        const type = file.filename.startsWith('feedback') ? 'feedback' : 'events';
        rows[type]?.push(...(exportFileRows(await downloadExportFile(file.url), 'jsonl') as Record<string, unknown>[]));
      }
      expect(rows.events?.map((r) => r.event_type).sort()).toEqual(['identify_company', 'identify_user', 'track']);
      const feedback = rows.feedback ?? [];
      expect(feedback).toHaveLength(2);
      const updated = feedback.find((r) => r.feature_id === featureId);
      expect(updated).toMatchObject({ user_id: 'u1', company_id: 'c1', score: 5, comment: 'Much better now' });
      expect(feedback.find((r) => r.feature_id === 'other-feature')).toMatchObject({ score: 4, comment: 'First thoughts' });
      // Bucket's columns, where the rows carry them (else the database holds them, checked above).
      const bucketColumns = {
        question: 'How satisfied are you with Reports?',
        prompted_question: 'How do you like Reports?',
        prompt_id: 'prompt-1',
        source: 'sdk',
        feedback_id: expect.any(String),
      };
      for (const [column, value] of Object.entries(bucketColumns)) {
        if (updated && column in updated) expect(updated[column]).toEqual(value);
      }
    });

    it("the company's satisfaction with the feature is the updated score", async () => {
      await eventually(
        async () => {
          const response = await fetch(`${platform.gatewayUrl}/api/v1/data-export/companies?history=today`, {
            headers: { authorization: `Bearer ${app.apiKey}` },
          });
          const text = await response.text();
          const [header, ...lines] = text.trim().split(/\r\n/);
          const columns = (header ?? '').split(',');
          const row = lines.map((line) => line.split(',')).find((cells) => cells[columns.indexOf('Feature ID')] === featureId);
          if (!row || row[columns.indexOf('Company ID')] !== 'c1') return undefined;
          return row[columns.indexOf('Satisfaction')] === '5' && row[columns.indexOf('Feedback Count')] === '1' ? row : undefined;
        },
        30_000,
        'the satisfaction of c1 with Reports to be 5 from one feedback',
      );
    });
  });

  describe("the SDK's routes that are not this platform's: 404 not_supported", () => {
    const sdkHeaders = { 'content-type': 'application/json', 'bucket-sdk-version': SDK_VERSION };

    it.each([
      ['POST', 'feedback/prompting-init', { userId: 'u1' }, 'feedback prompting is not part of this platform'],
      ['GET', 'feedback/prompting-auth?userId=u1', undefined, 'feedback prompting is not part of this platform'],
      [
        'POST',
        'feedback/prompt-events',
        { action: 'received', featureId: 'f', promptId: 'p', userId: 'u1' },
        'feedback prompting is not part of this platform',
      ],
      [
        'GET',
        `features/enabled?context.user.id=u1&bucket-sdk-version=${SDK_VERSION}`,
        undefined,
        'feature flags are not part of this platform',
      ],
      ['POST', 'features/evaluate', {}, 'feature flags are not part of this platform'],
      ['GET', 'flags/evaluated', undefined, 'feature flags are not part of this platform'],
      ['DELETE', 'flags/x', undefined, 'feature flags are not part of this platform'],
    ])('%s /{key}/%s', async (method, path, body, message) => {
      const response = await requestJson(platform.gatewayUrl, method, `/${app.trackingKey}/${path}`, {
        body,
        headers: body === undefined ? { 'bucket-sdk-version': SDK_VERSION } : sdkHeaders,
      });
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ error: { status: 404, code: 'not_supported', message: expect.stringContaining(message) } });
      expect(response.headers.get('access-control-allow-origin')).toBe('*');
    });

    it('getFeatureFlags gets the 404 and falls back to the flags it was given', async () => {
      // The SDK caches flags in localStorage (a browser's); Node has none, so the test lends it one.
      const store = new Map<string, string>();
      const globals = globalThis as { localStorage?: unknown };
      globals.localStorage = {
        getItem: (key: string) => store.get(key) ?? null,
        setItem: (key: string, value: string) => void store.set(key, value),
        removeItem: (key: string) => void store.delete(key),
      };
      const errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
      const warnings = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
      try {
        const flags = await bucket.getFeatureFlags({ context: { user: { id: 'u1' } }, fallbackFlags: ['fallback-flag'] });
        expect(flags).toEqual({ 'fallback-flag': true });
        expect(errors.mock.calls.map((c) => String(c[1]))).toContainEqual(expect.stringContaining('404'));
      } finally {
        errors.mockRestore();
        warnings.mockRestore();
        delete globals.localStorage;
      }
    });

    it('the plain feedback route is not shadowed (trailing slash included)', async () => {
      const response = await requestJson(platform.gatewayUrl, 'POST', `/${app.trackingKey}/feedback/`, {
        body: { featureId: 'f', userId: 'u9', score: 3 },
      });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ success: true, feedbackId: expect.any(String) });
    });
  });

  it('page views: POST /{key}/page and {type: "page"} in /bulk are stored as page calls', async () => {
    const page = await requestJson(platform.gatewayUrl, 'POST', `/${app.trackingKey}/page`, {
      body: {
        userId: 'u1',
        url: 'https://app.example/reports?tab=1',
        path: '/reports',
        title: 'Reports',
        referrer: 'https://app.example/',
        companyId: 'c1',
        attributes: { section: 'top' },
        messageId: 'page-1',
      },
    });
    expect(page).toMatchObject({ status: 200, body: { success: true } });
    const bulk = await requestJson(platform.gatewayUrl, 'POST', `/${app.trackingKey}/bulk`, {
      body: [{ type: 'page', userId: 'u1', path: '/settings', messageId: 'page-2' }],
    });
    expect(bulk).toMatchObject({ status: 200, body: { success: true, calls: 1 } });
    const tooLong = await requestJson(platform.gatewayUrl, 'POST', `/${app.trackingKey}/page`, {
      body: { userId: 'u1', url: `https://x.example/${'a'.repeat(9_000)}` },
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.details).toEqual([{ field: 'url', problems: [expect.stringContaining('at most 8192')] }]);
    const pages = (await calls()).filter((c) => c.type === 'page').sort((a, b) => a._id.localeCompare(b._id));
    expect(pages).toEqual([
      expect.objectContaining({
        _id: `${app.id}:m:page-1`,
        userId: 'u1',
        companyId: 'c1',
        url: 'https://app.example/reports?tab=1',
        path: '/reports',
        title: 'Reports',
        referrer: 'https://app.example/',
        attributes: '{"section":"top"}',
      }),
      expect.objectContaining({ _id: `${app.id}:m:page-2`, path: '/settings' }),
    ]);
  });
});

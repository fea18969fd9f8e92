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

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

const DAY = '2026-02-10';
const at = (hour: number) => `${DAY}T${String(hour).padStart(2, '0')}:00:00.000Z`;

/**
 * Seed 002's event types from the tracking API to a Bulk API export: page views from `/page`, track_feature
 * rows derived from the events a feature's rule names, and `interaction`, which has no source here.
 */
describe('event types of the Bulk Data Export API, from tracking calls', () => {
  let platform: TestPlatform;
  let app: CreatedApp;
  let featureId = '';
  const token = () => ({ authorization: `Token ${app.apiKey}` });
  const track = async (path: string, body: unknown) => {
    const res = await requestJson<Json>(platform.gatewayUrl, 'POST', `/${app.trackingKey}/${path}`, { body });
    expect([path, res.status, res.body]).toEqual([path, 200, expect.objectContaining({ success: true })]);
  };

  beforeAll(async () => {
    platform = await startTestPlatform();
    app = await createApp(platform.gatewayUrl, platform.adminToken, 'enterprise');
    const feature = await requestJson<Json>(platform.gatewayUrl, 'POST', '/api/v1/features', {
      token: app.apiKey,
      body: { name: 'Reports', events: ['Opened report'] },
    });
    expect(feature.status).toBe(201);
    featureId = feature.body.id;
    await track('user', { userId: 'u1', attributes: { plan: 'pro' }, timestamp: at(1), messageId: 'm1' });
    await track('company', { companyId: 'acme', userId: 'u1', attributes: { name: 'Acme' }, timestamp: at(2), messageId: 'm2' });
    await track('page', {
      userId: 'u1',
      companyId: 'acme',
      url: 'https://app.example.com/reports?tab=1',
      path: '/reports',
      title: 'Reports',
      referrer: 'https://example.com/',
      attributes: { locale: 'en' },
      timestamp: at(3),
      messageId: 'm3',
    });
    await track('event', { event: 'Opened report', userId: 'u1', companyId: 'acme', timestamp: at(4), messageId: 'm4' });
    await track('event', { event: 'Logged in', userId: 'u1', companyId: 'acme', timestamp: at(5), messageId: 'm5' });
    await track('feedback', { featureId, userId: 'u1', companyId: 'acme', score: 4, timestamp: at(6), messageId: 'm6' });
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
  });

  it('exports the default event types: identify_user, identify_company, page_view, track, track_feature, feedback', async () => {
    const created = await requestJson<Json>(platform.gatewayUrl, 'POST', '/api/v1/analytics/exports/', {
      ...token(),
      body: { from: DAY, to: DAY, format: 'jsonl' },
    });
    expect(created.status).toBe(201);
    const job = await eventually(
      async () => {
        const res = await requestJson<Json>(platform.gatewayUrl, 'GET', `/api/v1/analytics/exports/jobs/${created.body.job_id}`, token());
        return res.body?.status === 'completed' ? res.body : undefined;
      },
      60_000,
      'the export to complete',
    );
    const rows: Json[] = [];
    for (const link of job.presigned_urls) rows.push(...exportFileRows(await downloadExportFile(link.url), 'jsonl'));
    const byType = (type: string) => rows.filter((row) => row.event_type === type);
    expect(rows.map((row) => row.event_type).sort()).toEqual(
      ['feedback', 'identify_company', 'identify_user', 'page_view', 'track', 'track', 'track_feature'].sort(),
    );
    expect(byType('page_view')).toEqual([
      expect.objectContaining({
        user_id: 'u1',
        company_id: 'acme',
        timestamp: at(3),
        message_id: 'm3',
        url: 'https://app.example.com/reports?tab=1',
        path: '/reports',
        title: 'Reports',
        referrer: 'https://example.com/',
        attributes: { locale: 'en' },
      }),
    ]);
    expect(byType('track_feature')).toEqual([
      expect.objectContaining({
        event_name: 'Opened report',
        feature_id: featureId,
        feature_name: 'Reports',
        user_id: 'u1',
        timestamp: at(4),
      }),
    ]);
    expect(byType('track').map((row) => row.feature_name)).toEqual([null, null]);
  }, 90_000);

  it('says in the event_types lookup that interaction has no source', async () => {
    const res = await requestJson<Json>(platform.gatewayUrl, 'GET', '/api/v1/analytics/exports/lookups/event_types', token());
    expect(res.status).toBe(200);
    expect(res.body.find((t: Json) => t.event_type === 'interaction')).toMatchObject({ available: false });
    expect(res.body.filter((t: Json) => t.available).map((t: Json) => t.event_type)).toEqual([
      'identify_user',
      'identify_company',
      'page_view',
      'track',
      'track_feature',
      'feedback',
    ]);
  });
});

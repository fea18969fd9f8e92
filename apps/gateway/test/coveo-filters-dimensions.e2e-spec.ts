import { COMPANY_FEATURE_COLUMNS } from '@exportd/records';
import { createApp, CreatedApp, eventually, requestJson, startTestPlatform, TestPlatform } from '@exportd/testing';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const OPENED = `event_name == 'Opened report'`;

/** Each table's columns, as the Coveo-compatible API names them. */
const TABLE_DIMENSIONS: Record<string, string[]> = {
  events: [
    'event_type',
    'event_name',
    'user_id',
    'company_id',
    'timestamp',
    'day',
    'message_id',
    'feature_id',
    'feature_name',
    'score',
    'comment',
    'url',
    'path',
    'title',
    'referrer',
    'attributes',
  ],
  users: ['user_id', 'company_ids', 'first_seen', 'last_seen', 'attributes'],
  companies: ['company_id', 'user_ids', 'first_seen', 'last_seen', 'attributes'],
  feedback: [
    'user_id',
    'company_id',
    'feature_id',
    'score',
    'comment',
    'question',
    'prompted_question',
    'prompt_id',
    'source',
    'feedback_id',
    'timestamp',
    'day',
    'message_id',
    'attributes',
  ],
  company_features: [
    'company_id',
    'company_name',
    'feature_name',
    'feature_id',
    'date',
    'first_seen_day',
    'last_seen_day',
    'first_used',
    'last_used',
    'stars_state_label',
    'stars_state',
    'frequency_label',
    'frequency',
    'satisfaction_label',
    'satisfaction',
    'feedback_count',
    'segment_names',
    'segment_ids',
  ],
};

describe('Coveo-compatible API: dimensions and reporting filters', () => {
  let platform: TestPlatform;
  let app: CreatedApp;
  let other: CreatedApp;
  let viewOnlyKey: string;

  const call = (method: string, path: string, body?: unknown, token = app.apiKey) =>
    requestJson<Json>(platform.gatewayUrl, method, path, { token, body });
  const dimensionsOf = async (token = app.apiKey) => {
    const response = await call('GET', '/rest/ua/v15/dimensions', undefined, token);
    expect(response.status).toBe(200);
    return response.body as Json[];
  };

  beforeAll(async () => {
    platform = await startTestPlatform();
    app = await createApp(platform.gatewayUrl, platform.adminToken, 'enterprise', 'Coveo');
    other = await createApp(platform.gatewayUrl, platform.adminToken, 'enterprise', 'Other');
    const key = await requestJson<{ key: string }>(platform.gatewayUrl, 'POST', `/admin/v1/apps/${app.id}/keys`, {
      token: platform.adminToken,
      body: { privileges: ['exports:read'] },
    });
    viewOnlyKey = key.body.key;
    const timestamp = '2024-06-10T10:00:00Z';
    const track = async (trackingKey: string, calls: unknown[]) =>
      expect((await requestJson(platform.gatewayUrl, 'POST', `/${trackingKey}/bulk`, { body: calls })).status).toBe(200);
    await track(app.trackingKey, [
      { type: 'user', userId: 'u1', attributes: { role: 'admin' }, timestamp },
      { type: 'company', companyId: 'acme', userId: 'u1', attributes: { seats: 12 }, timestamp },
      { type: 'event', event: 'Opened report', userId: 'u1', companyId: 'acme', attributes: { plan: 'pro' }, timestamp },
    ]);
    await track(other.trackingKey, [
      { type: 'user', userId: 'x1', attributes: { theirUserKey: 1 }, timestamp },
      { type: 'event', event: 'Opened report', userId: 'x1', attributes: { theirEventKey: 1 }, timestamp },
    ]);
    // Profiles follow the raw calls a few milliseconds later.
    await eventually(
      async () => {
        const names = (await dimensionsOf()).map((d) => d.returnName as string);
        return names.includes('attributes.seats') && names.includes('attributes.role') ? names : undefined;
      },
      10_000,
      'attribute keys of the profiles',
    );
  });

  afterAll(async () => {
    await platform?.stop();
  });

  describe('dimensions', () => {
    it("lists every table's columns and the app's attribute keys, none of another app's", async () => {
      const dimensions = await dimensionsOf(viewOnlyKey);
      for (const [table, names] of Object.entries(TABLE_DIMENSIONS)) {
        // One entry per dimension across tables: a table's own column order is the catalogue's (tableColumns).
        const ofTable = dimensions.filter((d) => d.tables.includes(table) && !d.custom).map((d) => d.returnName);
        expect([table, ofTable.sort()]).toEqual([table, [...names].sort()]);
      }
      const companyFeatures = dimensions.filter((d) => d.tables.includes('company_features'));
      expect(companyFeatures.map((d) => d.displayName).sort()).toEqual([...COMPANY_FEATURE_COLUMNS].sort());
      expect(dimensions.find((d) => d.returnName === 'user_id')).toEqual({
        returnName: 'user_id',
        displayName: 'User ID',
        type: 'TEXT',
        tables: ['events', 'users', 'feedback'],
        eventTypes: ['events', 'users', 'feedback'],
        apiNames: ['events.user_id', 'users.user_id', 'feedback.user_id'],
        custom: false,
        status: 'AVAILABLE',
      });

      const custom = dimensions.filter((d) => d.custom).map(({ returnName, type, tables }) => ({ returnName, type, tables }));
      expect(custom).toEqual([
        { returnName: 'attributes.plan', type: 'TEXT', tables: ['events'] },
        { returnName: 'attributes.role', type: 'TEXT', tables: ['users'] },
        { returnName: 'attributes.seats', type: 'NUMBER', tables: ['companies'] },
      ]);
      const theirs = (await dimensionsOf(other.apiKey)).filter((d) => d.custom).map((d) => d.returnName);
      expect(theirs).toEqual(['attributes.theirEventKey', 'attributes.theirUserKey']);
    });

    it('gets one dimension by API name; an unknown one or another app key is a 404', async () => {
      const one = await call('GET', '/rest/ua/v15/dimensions/event_name', undefined, viewOnlyKey);
      expect([one.status, one.body]).toEqual([200, expect.objectContaining({ displayName: 'Event Name', tables: ['events'] })]);
      const coveoForm = await call('GET', '/rest/ua/v15/dimensions/custom_events.attributes.plan');
      expect([coveoForm.status, coveoForm.body.returnName]).toEqual([200, 'attributes.plan']);
      for (const unknown of ['searches.query', 'attributes.theirUserKey']) {
        const missing = await call('GET', `/rest/ua/v15/dimensions/${unknown}`);
        expect([missing.status, missing.body.error]).toEqual([
          404,
          expect.objectContaining({ status: 404, code: 'dimension_not_found' }),
        ]);
      }
    });
  });

  describe('reporting filters', () => {
    it('are the named filters: CRUD, the id is the name, and $ID filters an on-demand export', async () => {
      const created = await call('POST', '/rest/ua/v15/filters/reporting', { displayName: 'Opened report', value: OPENED });
      expect([created.status, created.body]).toEqual([
        201,
        { id: 'OPENED_REPORT', displayName: 'Opened report', type: 'reporting', value: OPENED },
      ]);
      const again = await call('POST', '/rest/ua/v15/filters/reporting', { displayName: 'Opened  report!', value: OPENED });
      expect([again.status, again.body.id]).toEqual([201, 'OPENED_REPORT_2']);

      const listed = await call('GET', '/rest/ua/v15/filters/reporting', undefined, viewOnlyKey);
      expect([listed.status, listed.body.filters.map((f: Json) => f.id)]).toEqual([200, ['OPENED_REPORT', 'OPENED_REPORT_2']]);
      expect((await call('GET', '/rest/ua/v15/filters/reporting/OPENED_REPORT', undefined, viewOnlyKey)).body).toEqual(
        created.body,
      );
      expect((await call('GET', '/api/v1/filters/OPENED_REPORT')).body).toMatchObject({
        name: 'OPENED_REPORT',
        displayName: 'Opened report',
        filter: OPENED,
      });
      const job = await call('POST', '/api/v1/exports', {
        dataTypes: ['events'],
        format: 'jsonl',
        startDate: '2024-06-01',
        endDate: '2024-06-30',
        filter: '$OPENED_REPORT',
      });
      expect([job.status, job.body.filter]).toEqual([202, '$OPENED_REPORT']);

      const changed = `${OPENED} AND attributes.plan == 'pro'`;
      const updated = await call('PUT', '/rest/ua/v15/filters/reporting/OPENED_REPORT', {
        displayName: 'Pro reports',
        value: changed,
      });
      expect([updated.status, updated.body]).toEqual([
        200,
        { id: 'OPENED_REPORT', displayName: 'Pro reports', type: 'reporting', value: changed },
      ]);
      expect((await call('GET', '/api/v1/filters/OPENED_REPORT')).body).toMatchObject({
        displayName: 'Pro reports',
        filter: changed,
      });

      expect((await call('DELETE', '/rest/ua/v15/filters/reporting/OPENED_REPORT_2')).status).toBe(204);
      const gone = await call('GET', '/rest/ua/v15/filters/reporting/OPENED_REPORT_2');
      expect([gone.status, gone.body.error.code]).toEqual([404, 'named_filter_not_found']);
      expect(
        (await call('PUT', '/rest/ua/v15/filters/reporting/OPENED_REPORT_2', { displayName: 'x', value: OPENED })).status,
      ).toBe(404);
    });

    it('refuses an invalid value (400 invalid_filter) and deleting a filter in use (409)', async () => {
      const broken = await call('POST', '/rest/ua/v15/filters/reporting', { displayName: 'Broken', value: `${OPENED} AND` });
      expect([broken.status, broken.body.error]).toEqual([400, expect.objectContaining({ status: 400, code: 'invalid_filter' })]);
      const unknownName = await call('POST', '/rest/ua/v15/filters/reporting', { displayName: 'Broken', value: '$MISSING' });
      expect([unknownName.status, unknownName.body.error.code]).toEqual([400, 'invalid_filter']);
      const noValue = await call('POST', '/rest/ua/v15/filters/reporting', { displayName: 'Broken' });
      expect([noValue.status, noValue.body.error.code]).toEqual([400, 'invalid_request']);

      const base = await call('POST', '/rest/ua/v15/filters/reporting', { displayName: '2024 base', value: OPENED });
      expect(base.body.id).toBe('F_2024_BASE');
      const user = await call('POST', '/rest/ua/v15/filters/reporting', { displayName: 'Uses base', value: '$F_2024_BASE' });
      expect(user.status).toBe(201);
      const inUse = await call('DELETE', '/rest/ua/v15/filters/reporting/F_2024_BASE');
      expect([inUse.status, inUse.body.error.code]).toEqual([409, 'named_filter_in_use']);
    });
  });

  describe('access', () => {
    it("answers 404 for another app's org on every route, and accepts the key's own", async () => {
      expect((await call('GET', `/rest/ua/v15/dimensions?org=${app.id}`)).status).toBe(200);
      expect((await call('GET', `/rest/ua/v15/filters/reporting?org=${app.id}`)).status).toBe(200);
      for (const [method, path, body] of [
        ['GET', '/rest/ua/v15/dimensions'],
        ['GET', '/rest/ua/v15/dimensions/user_id'],
        ['GET', '/rest/ua/v15/filters/reporting'],
        ['POST', '/rest/ua/v15/filters/reporting', { displayName: 'Org', value: OPENED }],
        ['GET', '/rest/ua/v15/filters/reporting/OPENED_REPORT'],
        ['PUT', '/rest/ua/v15/filters/reporting/OPENED_REPORT', { displayName: 'Org', value: OPENED }],
        ['DELETE', '/rest/ua/v15/filters/reporting/OPENED_REPORT'],
      ] as const) {
        const response = await call(method, `${path}?org=${other.id}`, body);
        expect([method, path, response.status, response.body.error]).toEqual([
          method,
          path,
          404,
          expect.objectContaining({ status: 404, code: 'org_not_found' }),
        ]);
      }
      // Another app's filter is a 404 too, without org.
      expect((await call('GET', '/rest/ua/v15/filters/reporting/OPENED_REPORT', undefined, other.apiKey)).status).toBe(404);
    });

    it('a View-only key reads but cannot create, change or delete (403); no key is a 401', async () => {
      expect((await call('GET', '/rest/ua/v15/filters/reporting', undefined, viewOnlyKey)).status).toBe(200);
      for (const [method, path, body] of [
        ['POST', '/rest/ua/v15/filters/reporting', { displayName: 'Denied', value: OPENED }],
        ['PUT', '/rest/ua/v15/filters/reporting/OPENED_REPORT', { displayName: 'Denied', value: OPENED }],
        ['DELETE', '/rest/ua/v15/filters/reporting/OPENED_REPORT'],
      ] as const) {
        const denied = await call(method, path, body, viewOnlyKey);
        expect([method, denied.status, denied.body.error.code]).toEqual([method, 403, 'missing_privilege']);
      }
      const anonymous = await requestJson<Json>(platform.gatewayUrl, 'GET', '/rest/ua/v15/dimensions');
      expect(anonymous.status).toBe(401);
    });
  });
});

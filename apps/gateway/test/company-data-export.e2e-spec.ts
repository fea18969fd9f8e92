import { createApp, CreatedApp, requestJson, startTestPlatform, TestPlatform } from '@exportd/testing';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

describe('features, segments and the company data export API', () => {
  let platform: TestPlatform;
  let pro: CreatedApp;
  let other: CreatedApp;
  let free: CreatedApp;
  let readOnlyKey: string;

  const call = (method: string, path: string, token: string, body?: unknown) =>
    requestJson<Json>(platform.gatewayUrl, method, path, { token, body });

  beforeAll(async () => {
    platform = await startTestPlatform();
    pro = await createApp(platform.gatewayUrl, platform.adminToken, 'pro', 'Pro');
    other = await createApp(platform.gatewayUrl, platform.adminToken, 'enterprise', 'Other');
    free = await createApp(platform.gatewayUrl, platform.adminToken, 'free', 'Free');
    const key = await requestJson<{ key: string }>(platform.gatewayUrl, 'POST', `/admin/v1/apps/${pro.id}/keys`, {
      token: platform.adminToken,
      body: { privileges: ['exports:read'] },
    });
    readOnlyKey = key.body.key;
  });

  afterAll(async () => {
    await platform?.stop();
  });

  describe('features', () => {
    it('creates (201 with its id), reads, lists, updates and deletes a feature', async () => {
      const created = await call('POST', '/api/v1/features', pro.apiKey, { name: 'Messaging', events: ['Sent message'] });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ id: expect.stringMatching(/^feat_/), name: 'Messaging', events: ['Sent message'] });
      const id = created.body.id as string;

      const slack = await call('POST', '/api/v1/features', pro.apiKey, {
        name: 'Slack',
        companyAttribute: { key: 'hasSlackEnabled', equals: true },
      });
      expect(slack.status).toBe(201);
      expect(slack.body).toMatchObject({ name: 'Slack', companyAttribute: { key: 'hasSlackEnabled', equals: true } });
      expect(slack.body.events).toBeUndefined();

      expect((await call('GET', `/api/v1/features/${id}`, readOnlyKey)).body).toMatchObject({ id, name: 'Messaging' });
      const list = await call('GET', '/api/v1/features', readOnlyKey);
      expect(list.body.features.map((f: { name: string }) => f.name)).toEqual(['Messaging', 'Slack']);

      const renamed = await call('PATCH', `/api/v1/features/${id}`, pro.apiKey, { name: 'Chat' });
      expect(renamed.status).toBe(200);
      expect(renamed.body).toMatchObject({ id, name: 'Chat', events: ['Sent message'] });
      const switched = await call('PATCH', `/api/v1/features/${id}`, pro.apiKey, {
        companyAttribute: { key: 'plan', equals: 'pro' },
      });
      expect(switched.body).toMatchObject({ name: 'Chat', companyAttribute: { key: 'plan', equals: 'pro' } });
      expect(switched.body.events).toBeUndefined();

      expect((await call('DELETE', `/api/v1/features/${id}`, pro.apiKey)).status).toBe(204);
      expect((await call('GET', `/api/v1/features/${id}`, pro.apiKey)).status).toBe(404);
    });

    it.each([
      [{ name: 'x' }, 'exactly one of events or companyAttribute'],
      [{ name: 'x', events: ['a'], companyAttribute: { key: 'k', equals: 1 } }, 'exactly one of events or companyAttribute'],
      [{ name: 'x', events: [] }, 'events'],
      [{ name: '', events: ['a'] }, 'name'],
      [{ name: 'x', companyAttribute: { key: 'k' } }, 'companyAttribute.equals'],
      [{ name: 'x', companyAttribute: { key: 'k', equals: { a: 1 } } }, 'companyAttribute.equals'],
      [{ name: 'x', events: ['a'], extra: 1 }, 'extra'],
    ])('rejects %j with 400 naming %s', async (body, naming) => {
      const response = await call('POST', '/api/v1/features', pro.apiKey, body);
      expect(response.status).toBe(400);
      expect(JSON.stringify(response.body)).toContain(naming);
    });

    it("answers 404 for another app's feature; needs settings:write to change", async () => {
      const created = await call('POST', '/api/v1/features', other.apiKey, { name: 'Theirs', events: ['e'] });
      const id = created.body.id as string;
      for (const [method, body] of [['GET'], ['PATCH', { name: 'Mine' }], ['DELETE']] as const) {
        const response = await call(method, `/api/v1/features/${id}`, pro.apiKey, body);
        expect(response.status).toBe(404);
        expect(response.body).toMatchObject({ error: { code: 'feature_not_found' } });
      }
      const denied = await call('POST', '/api/v1/features', readOnlyKey, { name: 'x', events: ['e'] });
      expect(denied.status).toBe(403);
      expect(denied.body).toMatchObject({ error: { code: 'missing_privilege' } });
    });
  });

  describe('segments', () => {
    it('creates (201 with its id), reads, lists, updates and deletes a segment', async () => {
      const created = await call('POST', '/api/v1/segments', pro.apiKey, { name: 'Big spenders', filter: 'monthly_spend >= 50' });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        id: expect.stringMatching(/^seg_/),
        name: 'Big spenders',
        filter: 'monthly_spend >= 50',
      });
      const id = created.body.id as string;
      expect((await call('GET', `/api/v1/segments/${id}`, readOnlyKey)).body).toMatchObject({ id });
      expect((await call('GET', '/api/v1/segments', readOnlyKey)).body.segments).toHaveLength(1);
      const updated = await call('PATCH', `/api/v1/segments/${id}`, pro.apiKey, { filter: 'plan IN ["pro", "enterprise"]' });
      expect(updated.body).toMatchObject({ id, name: 'Big spenders', filter: 'plan IN ["pro", "enterprise"]' });
      expect((await call('GET', `/api/v1/segments/${id}`, other.apiKey)).status).toBe(404);
      expect((await call('DELETE', `/api/v1/segments/${id}`, pro.apiKey)).status).toBe(204);
      expect((await call('DELETE', `/api/v1/segments/${id}`, pro.apiKey)).status).toBe(404);
    });

    it('rejects an invalid filter with 400 naming the problem and its position', async () => {
      const response = await call('POST', '/api/v1/segments', pro.apiKey, {
        name: 'Broken',
        filter: 'monthly_spend >= AND x == 1',
      });
      expect(response.status).toBe(400);
      expect(response.body).toEqual({
        error: {
          status: 400,
          code: 'invalid_filter',
          message: 'filter: expected a value (string, number, true, false or null), found "AND" at position 17',
          details: {
            field: 'filter',
            reason: 'expected a value (string, number, true, false or null), found "AND"',
            position: 17,
          },
        },
      });
    });
  });

  describe('GET /api/v1/data-export/companies', () => {
    it('streams a CSV with the 18 columns (an app without data: the header only)', async () => {
      const response = await fetch(`${platform.gatewayUrl}/api/v1/data-export/companies?history=6m-weekly`, {
        headers: { authorization: `Token ${other.apiKey}` },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(response.headers.get('content-disposition')).toBe('attachment; filename="companies-6m-weekly.csv"');
      expect(await response.text()).toBe(
        'Company ID,Company Name,Feature Name,Feature ID,Date,First Seen,Last Seen,First Used,Last Used,STARS State Label,' +
          'STARS State,Frequency Label,Frequency,Satisfaction Label,Satisfaction,Feedback Count,Segment Names,Segment IDs\r\n',
      );
    });

    it('is for Pro and Enterprise plans: free gets the 403 permission error', async () => {
      const response = await call('GET', '/api/v1/data-export/companies?history=today', free.apiKey);
      expect(response.status).toBe(403);
      expect(response.body).toEqual({
        errors: [
          {
            details: `Your current plan for application ${free.id} does not support the feature you are trying to access.`,
            error: 'Unauthorized',
            error_code: '401',
            message: 'You are not authorized to perform the requested action.',
          },
        ],
      });
    });

    it('answers 400 for a missing or unknown history, 401 without a key', async () => {
      for (const query of ['', '?history=yearly', '?history=today&extra=1']) {
        const response = await call('GET', `/api/v1/data-export/companies${query}`, pro.apiKey);
        expect(response.status).toBe(400);
      }
      expect((await call('GET', '/api/v1/data-export/companies?history=yearly', pro.apiKey)).body).toMatchObject({
        error: { code: 'invalid_request', details: [{ field: 'history' }] },
      });
      expect((await requestJson(platform.gatewayUrl, 'GET', '/api/v1/data-export/companies?history=today')).status).toBe(401);
    });
  });
});

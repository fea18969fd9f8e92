import {
  CompanyAttributesDailyRecord,
  CompanyProfileRecord,
  decodeAttributes,
  RAW_COLLECTIONS,
  TrackingCallRecord,
  UsageDailyRecord,
  UserProfileRecord,
  utcDay,
} from '@exportd/records';
import { createApp, CreatedApp, requestJson, startTestPlatform, TestPlatform } from '@exportd/testing';
import mongoose, { Connection } from 'mongoose';

/** The Tracking API of seed 001 through the real gateway, then what ingestion stored, read straight from the database. */
describe('Tracking API (seed 001)', () => {
  let platform: TestPlatform;
  let db: Connection;

  beforeAll(async () => {
    platform = await startTestPlatform();
    db = await mongoose.createConnection(platform.mongoUrl).asPromise();
  });

  afterAll(async () => {
    await db?.close();
    await platform?.stop();
  });

  const post = (app: CreatedApp, method: string, body: unknown) =>
    requestJson(platform.gatewayUrl, 'POST', `/${app.trackingKey}/${method}`, { body });
  const calls = (appId: string) => db.collection<TrackingCallRecord>(RAW_COLLECTIONS.calls).find({ appId }).toArray();
  const user = (appId: string, userId: string) =>
    db.collection<UserProfileRecord>(RAW_COLLECTIONS.users).findOne({ appId, userId });
  const company = (appId: string, companyId: string) =>
    db.collection<CompanyProfileRecord>(RAW_COLLECTIONS.companies).findOne({ appId, companyId });
  const usage = (appId: string) => db.collection<UsageDailyRecord>(RAW_COLLECTIONS.usageDaily).find({ appId }).toArray();
  const newApp = () => createApp(platform.gatewayUrl, platform.adminToken, 'enterprise');
  /** Profiles and counters are applied a few ms behind the raw insert: retry the assertions until they hold. */
  const settled = async (assertion: () => Promise<void>, timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await assertion();
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  };

  describe('the seed examples, as written', () => {
    let app: CreatedApp;
    beforeAll(async () => {
      app = await newApp();
    });

    it('POST /{key}/user with a numeric userId creates the user, id stored as a string', async () => {
      const response = await post(app, 'user', {
        userId: 1234567890,
        attributes: { name: 'Rasmus Makwarth', custom_property: true, some_number: 12 },
      });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ success: true });
      await settled(async () => {
        const stored = await user(app.id, '1234567890');
        expect(stored).toMatchObject({ userId: '1234567890', companyIds: [] });
        expect(decodeAttributes(stored?.attributes)).toEqual({ name: 'Rasmus Makwarth', custom_property: true, some_number: 12 });
        expect(stored?.firstSeen).toBeInstanceOf(Date);
        expect(stored?.lastSeen).toBeInstanceOf(Date);
      });
    });

    it('POST /{key}/company with userId creates the company and associates the user', async () => {
      const response = await post(app, 'company', {
        companyId: 101112231415,
        attributes: { name: 'Acme Corp', monthly_spend: 99, activated: true },
        userId: 1234567890,
      });
      expect(response.status).toBe(200);
      await settled(async () => {
        const stored = await company(app.id, '101112231415');
        expect(stored).toMatchObject({ companyId: '101112231415', userIds: ['1234567890'] });
        expect(decodeAttributes(stored?.attributes)).toEqual({ name: 'Acme Corp', monthly_spend: 99, activated: true });
        expect((await user(app.id, '1234567890'))?.companyIds).toEqual(['101112231415']);
        const daily = await db
          .collection<CompanyAttributesDailyRecord>(RAW_COLLECTIONS.companyAttributesDaily)
          .findOne({ appId: app.id, companyId: '101112231415' });
        expect(daily?.day).toBe(utcDay(new Date()));
        expect(JSON.parse(daily?.attributes ?? '{}')).toEqual({ name: 'Acme Corp', monthly_spend: 99, activated: true });
      });
    });

    it('POST /{key}/event stores the event and counts it for its company and day', async () => {
      const response = await post(app, 'event', {
        event: 'Sent message',
        userId: 1234567890,
        attributes: { position: 'popover', version: 3 },
        companyId: 'my_company_id',
      });
      expect(response.status).toBe(200);
      const event = (await calls(app.id)).find((c) => c.type === 'event');
      expect(event).toMatchObject({
        event: 'Sent message',
        userId: '1234567890',
        companyId: 'my_company_id',
        companyIds: ['my_company_id'],
      });
      expect(JSON.parse(event?.attributes ?? '')).toEqual({ position: 'popover', version: 3 });
      await settled(async () =>
        expect(await usage(app.id)).toEqual([
          expect.objectContaining({ companyId: 'my_company_id', event: 'Sent message', day: utcDay(new Date()), count: 1 }),
        ]),
      );
    });

    it('POST /{key}/feedback stores score and comment', async () => {
      const response = await post(app, 'feedback', {
        featureId: 'my_feature_id',
        userId: 1234567890,
        companyId: 101112231415,
        score: 4,
        comment: "It's pretty nice, but I expect slightly more to be fully satisfied",
      });
      expect(response.status).toBe(200);
      const feedback = (await calls(app.id)).find((c) => c.type === 'feedback');
      expect(feedback).toMatchObject({
        featureId: 'my_feature_id',
        userId: '1234567890',
        companyId: '101112231415',
        score: 4,
        comment: "It's pretty nice, but I expect slightly more to be fully satisfied",
      });
      expect(await calls(app.id)).toHaveLength(4);
    });

    it('POST /{key}/events (the name in the seed introduction) is the same method', async () => {
      expect((await post(app, 'events', { event: 'Sent message', userId: 1234567890 })).status).toBe(200);
      expect((await post(app, 'events', { userId: 1 })).status).toBe(400);
    });

    it('feedback with only a score, or only a comment, is accepted', async () => {
      expect((await post(app, 'feedback', { featureId: 'f', userId: 'u', score: 1 })).status).toBe(200);
      expect((await post(app, 'feedback', { featureId: 'f', userId: 'u', comment: 'meh' })).status).toBe(200);
    });
  });

  it('an event without companyId counts for every company the user belongs to', async () => {
    const app = await newApp();
    await post(app, 'company', { companyId: 'acme', userId: 'ann' });
    await post(app, 'company', { companyId: 'globex', userId: 'ann' });
    expect((await post(app, 'event', { event: 'Exported', userId: 'ann', timestamp: '2024-03-05T10:00:00Z' })).status).toBe(200);
    const event = (await calls(app.id)).find((c) => c.type === 'event');
    expect(event?.companyIds.sort()).toEqual(['acme', 'globex']);
    await settled(async () =>
      expect((await usage(app.id)).map((u) => [u.companyId, u.event, u.day, u.count]).sort()).toEqual([
        ['acme', 'Exported', '2024-03-05', 1],
        ['globex', 'Exported', '2024-03-05', 1],
      ]),
    );
  });

  it('context.active:false leaves last seen unchanged; timestamps are the client times', async () => {
    const app = await newApp();
    await post(app, 'user', { userId: 'bob', timestamp: '2024-01-10T08:00:00Z' });
    await post(app, 'event', { event: 'Viewed', userId: 'bob', timestamp: '2024-01-20T08:00:00Z', context: { active: false } });
    await settled(async () => {
      expect(await calls(app.id)).toHaveLength(2);
      const bob = await user(app.id, 'bob');
      expect(bob?.firstSeen).toEqual(new Date('2024-01-10T08:00:00Z'));
      expect(bob?.lastSeen).toEqual(new Date('2024-01-10T08:00:00Z'));
      expect(await usage(app.id)).toHaveLength(0);
    });
    await post(app, 'event', { event: 'Viewed', userId: 'bob', timestamp: '2024-01-15T08:00:00Z', context: { active: true } });
    await post(app, 'user', { userId: 'bob', timestamp: '2024-01-01T08:00:00Z' });
    await settled(async () => {
      const bob = await user(app.id, 'bob');
      expect(bob?.firstSeen).toEqual(new Date('2024-01-01T08:00:00Z'));
      expect(bob?.lastSeen).toEqual(new Date('2024-01-15T08:00:00Z'));
    });
    const inactive = (await calls(app.id)).find((c) => c.active === false);
    expect(inactive?.timestamp).toEqual(new Date('2024-01-20T08:00:00Z'));
  });

  it('attribute keys with ".", a leading "$" and "__proto__" come back intact', async () => {
    const app = await newApp();
    const attributes = JSON.parse(
      '{"a.b":1,"$set":"x","__proto__":{"polluted":true},"%2E":"lit","plain":[1,{"c.d":2}]}',
    ) as object;
    expect((await post(app, 'user', { userId: 'keys', attributes })).status).toBe(200);
    expect((await post(app, 'company', { companyId: 'keys-co', attributes })).status).toBe(200);
    const expected = JSON.parse(JSON.stringify(attributes)) as unknown;
    await settled(async () => {
      const decoded = decodeAttributes((await user(app.id, 'keys'))?.attributes);
      expect(JSON.parse(JSON.stringify(decoded))).toEqual(expected);
      expect(Object.keys(decoded).sort()).toEqual(['$set', '%2E', '__proto__', 'a.b', 'plain']);
      expect(JSON.parse(JSON.stringify(decodeAttributes((await company(app.id, 'keys-co'))?.attributes)))).toEqual(expected);
    });
    const raw = (await calls(app.id)).find((c) => c.type === 'user');
    expect(Object.keys(JSON.parse(raw?.attributes ?? '{}') as object).sort()).toEqual([
      '$set',
      '%2E',
      '__proto__',
      'a.b',
      'plain',
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  describe('messageId makes retries safe', () => {
    it('a repeated messageId is answered 200 and stored and counted once', async () => {
      const app = await newApp();
      const body = { event: 'Paid', userId: 'u1', companyId: 'c1', messageId: 'msg-1' };
      expect((await post(app, 'event', body)).status).toBe(200);
      expect((await post(app, 'event', body)).status).toBe(200);
      const concurrent = await Promise.all([1, 2, 3].map(() => post(app, 'event', { ...body, messageId: 'msg-2' })));
      expect(concurrent.map((r) => r.status)).toEqual([200, 200, 200]);
      const bulk = await post(app, 'bulk', [
        { type: 'event', ...body },
        { type: 'event', ...body, messageId: 'msg-3' },
        { type: 'event', ...body, messageId: 'msg-3' },
      ]);
      expect(bulk.status).toBe(200);
      expect((await calls(app.id)).map((c) => c._id).sort()).toEqual([
        `${app.id}:m:msg-1`,
        `${app.id}:m:msg-2`,
        `${app.id}:m:msg-3`,
      ]);
      await settled(async () => expect((await usage(app.id)).map((u) => u.count)).toEqual([3]));
    });

    it('the same messageId in another app is another call', async () => {
      const [a, b] = [await newApp(), await newApp()];
      expect((await post(a, 'user', { userId: 'u', messageId: 'same' })).status).toBe(200);
      expect((await post(b, 'user', { userId: 'u', messageId: 'same' })).status).toBe(200);
      expect(await calls(a.id)).toHaveLength(1);
      expect(await calls(b.id)).toHaveLength(1);
    });
  });

  it('a tracking key writes only into its own app', async () => {
    const [a, b] = [await newApp(), await newApp()];
    await post(a, 'company', { companyId: 'shared', userId: 'shared-user', attributes: { owner: 'a' } });
    await post(b, 'company', { companyId: 'shared', attributes: { owner: 'b' } });
    await post(b, 'event', { event: 'E', userId: 'shared-user' });
    expect((await calls(a.id)).map((c) => c.type)).toEqual(['company']);
    expect((await calls(b.id)).map((c) => c.type).sort()).toEqual(['company', 'event']);
    await settled(async () => {
      expect(decodeAttributes((await company(a.id, 'shared'))?.attributes)).toEqual({ owner: 'a' });
      expect(decodeAttributes((await company(b.id, 'shared'))?.attributes)).toEqual({ owner: 'b' });
      // In app b the user belongs to no company, so its event counts for none.
      expect(await usage(b.id)).toEqual([]);
      expect((await user(b.id, 'shared-user'))?.companyIds).toEqual([]);
      expect((await user(a.id, 'shared-user'))?.companyIds).toEqual(['shared']);
    });
  });

  describe('POST /{key}/bulk', () => {
    it('stores a mixed array of calls', async () => {
      const app = await newApp();
      const response = await post(app, 'bulk', [
        { type: 'user', userId: 1, attributes: { plan: 'x' } },
        { type: 'company', companyId: 2, userId: 1 },
        { type: 'event', event: 'Clicked', userId: 1 },
        { type: 'feedback', featureId: 'f', userId: 1, score: 5 },
      ]);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ success: true, calls: 4 });
      expect((await calls(app.id)).map((c) => c.type).sort()).toEqual(['company', 'event', 'feedback', 'user']);
      // The company call earlier in the same request already associates the user.
      await settled(async () => expect((await usage(app.id)).map((u) => [u.companyId, u.count])).toEqual([['2', 1]]));
    });

    it('reports every invalid item by index and stores nothing', async () => {
      const app = await newApp();
      const response = await post(app, 'bulk', [
        { type: 'user', userId: 'ok' },
        { type: 'event', event: 'x' },
        { type: 'screen', userId: 'u' },
        'not an object',
        { type: 'feedback', featureId: 'f', userId: 'u', score: 9 },
      ]);
      expect(response.status).toBe(400);
      const fields = (response.body.error.details as { field: string }[]).map((d) => d.field);
      expect(fields).toEqual(['1.userId', '2.type', '3', '4.score']);
      expect(response.body.error.message).toContain('1.userId: is required');
      expect(await calls(app.id)).toEqual([]);
    });
  });

  describe('bad input: a clear 4xx naming the problem, nothing written', () => {
    let app: CreatedApp;
    beforeAll(async () => {
      app = await newApp();
    });
    afterEach(async () => {
      expect(await calls(app.id)).toEqual([]);
    });

    const big = 'x'.repeat(300);
    const deep = { a: { b: { c: { d: { e: { f: { g: 1 } } } } } } };
    const many = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, i]));

    it.each<[string, string, unknown, string[]]>([
      ['missing userId', 'user', { attributes: {} }, ['userId']],
      ['missing event and userId', 'event', {}, ['event', 'userId']],
      [
        'wrong types',
        'event',
        { event: 5, userId: true, attributes: [1], context: { active: 'no' } },
        ['event', 'userId', 'attributes', 'context.active'],
      ],
      ['a fractional id', 'user', { userId: 1.5 }, ['userId']],
      ['an unknown field', 'user', { userId: 'u', email: 'x' }, ['email']],
      ['too long strings', 'event', { event: big, userId: big }, ['event', 'userId']],
      ['too long attribute value', 'user', { userId: 'u', attributes: { v: 'y'.repeat(5000) } }, ['attributes.v']],
      ['too many attributes', 'user', { userId: 'u', attributes: many }, ['attributes']],
      ['too deeply nested attributes', 'user', { userId: 'u', attributes: deep }, ['attributes']],
      ['an empty attribute key', 'user', { userId: 'u', attributes: { '': 1 } }, ['attributes']],
      ['a timestamp that is not a date', 'user', { userId: 'u', timestamp: 'yesterday' }, ['timestamp']],
      ['an impossible date', 'user', { userId: 'u', timestamp: '2024-13-45T00:00:00Z' }, ['timestamp']],
      ['a numeric timestamp', 'user', { userId: 'u', timestamp: 1700000000 }, ['timestamp']],
      ['a score out of range', 'feedback', { featureId: 'f', userId: 'u', score: 6 }, ['score']],
      ['a fractional score', 'feedback', { featureId: 'f', userId: 'u', score: 2.5 }, ['score']],
      ['feedback without score or comment', 'feedback', { featureId: 'f', userId: 'u' }, ['score', 'comment']],
      ['a JSON array instead of an object', 'user', [{ userId: 'u' }], ['body']],
      ['a JSON string', 'company', 'acme', ['body']],
      ['a bulk body that is not an array', 'bulk', { type: 'user', userId: 'u' }, ['body']],
      ['an empty bulk array', 'bulk', [], ['body']],
    ])('%s -> 400 naming the fields', async (_name, method, body, fields) => {
      const response = await post(app, method, body);
      expect(response.status).toBe(400);
      expect(response.body.error).toMatchObject({ status: 400, code: 'invalid_request' });
      expect((response.body.error.details as { field: string }[]).map((d) => d.field).sort()).toEqual([...fields].sort());
      for (const field of fields) expect(response.body.error.message).toContain(field);
    });

    it('malformed JSON -> 400 saying so', async () => {
      const response = await requestJson(platform.gatewayUrl, 'POST', `/${app.trackingKey}/event`, { rawBody: '{"event": "x",' });
      expect(response.status).toBe(400);
      expect(response.body.error.message).toMatch(/not valid JSON/);
    });

    it('an empty body -> 400', async () => {
      const response = await requestJson(platform.gatewayUrl, 'POST', `/${app.trackingKey}/event`, {
        rawBody: '',
        headers: { 'content-type': 'application/json' },
      });
      expect(response.status).toBe(400);
      expect(response.body.error.message).toMatch(/empty/);
    });

    it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/xml'])('Content-Type %s -> 415', async (type) => {
      const response = await requestJson(platform.gatewayUrl, 'POST', `/${app.trackingKey}/user`, {
        rawBody: '{"userId":"u"}',
        headers: { 'content-type': type },
      });
      expect(response.status).toBe(415);
      expect(response.body.error).toMatchObject({ status: 415, code: 'unsupported_media_type' });
      expect(response.body.error.message).toContain('application/json');
    });

    it('a call over 32 KB -> 413 naming the limit', async () => {
      const response = await post(app, 'user', {
        userId: 'u',
        attributes: {
          a: 'x'.repeat(4000),
          b: 'x'.repeat(4000),
          c: 'x'.repeat(4000),
          d: 'x'.repeat(4000),
          e: 'x'.repeat(4000),
          f: 'x'.repeat(4000),
          g: 'x'.repeat(4000),
          h: 'x'.repeat(4000),
          i: 'x'.repeat(4000),
        },
      });
      expect(response.status).toBe(413);
      expect(response.body.error.message).toContain('32768 bytes');
    });

    it('a bulk request over 500 KB -> 413', async () => {
      const items = Array.from({ length: 200 }, (_, i) => ({
        type: 'user',
        userId: `u${i}`,
        attributes: { pad: 'x'.repeat(3000) },
      }));
      const response = await post(app, 'bulk', items);
      expect(response.status).toBe(413);
      expect(response.body.error.message).toContain('512000 bytes');
    });

    it('a bulk request over 2,500 calls -> 413', async () => {
      const items = Array.from({ length: 2501 }, () => ({ type: 'user', userId: 'u' }));
      const response = await post(app, 'bulk', items);
      expect(response.status).toBe(413);
      expect(response.body.error).toMatchObject({ code: 'too_many_calls' });
    });

    it('an unknown tracking key -> 401', async () => {
      const response = await requestJson(platform.gatewayUrl, 'POST', '/tk_doesnotexist/user', { body: { userId: 'u' } });
      expect(response.status).toBe(401);
      expect(response.body.error).toMatchObject({ status: 401, code: 'invalid_tracking_key' });
    });
  });

  it('under concurrent load every call answered 200 is stored', async () => {
    const app = await newApp();
    await post(app, 'company', { companyId: 'load-co', userId: 'load-user' });
    const total = 600;
    const concurrency = 60;
    let next = 0;
    let ok = 0;
    const worker = async () => {
      while (next < total) {
        const i = next++;
        const method = i % 10 === 0 ? 'bulk' : 'event';
        const body =
          method === 'bulk'
            ? [{ type: 'event', event: 'Load', userId: 'load-user', messageId: `load-${i}` }]
            : { event: 'Load', userId: 'load-user', messageId: `load-${i}` };
        if ((await post(app, method, body)).status === 200) ok += 1;
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    expect(ok).toBe(total);
    const stored = await db.collection(RAW_COLLECTIONS.calls).countDocuments({ appId: app.id, type: 'event' });
    expect(stored).toBe(ok);
    await settled(async () => expect((await usage(app.id)).map((u) => [u.companyId, u.count])).toEqual([['load-co', total]]));
  });
});

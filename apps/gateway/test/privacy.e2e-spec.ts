import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import {
  createApp,
  CreatedApp,
  downloadExportFile,
  eventually,
  requestJson,
  startTestPlatform,
  TestPlatform,
  testS3Client,
} from '@exportd/testing';
import mongoose, { Connection, mongo } from 'mongoose';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Json = any;

const DAY_MS = 24 * 3600 * 1000;
/** A day far from the real one, so the platform's time is clearly the test's. */
const DAY0 = Math.floor(Date.now() / DAY_MS) * DAY_MS + 40 * DAY_MS;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const YESTERDAY = dayOf(DAY0 - DAY_MS);

/**
 * Subject requests and retention on the whole platform (seed 003): a user's data export, the erasure of a
 * user checked by scanning every collection and every stored object, erasure across process kills, and
 * retention sweeps on a moved clock.
 */
describe('privacy: user data export, erasure and retention', () => {
  const clockFile = join(tmpdir(), `exportd-clock-${randomBytes(4).toString('hex')}`);
  const setClock = async (at: number) => {
    writeFileSync(clockFile, String(at - Date.now()));
    await new Promise((resolve) => setTimeout(resolve, 150)); // processes re-read the file every 50 ms
  };
  const suffix = randomBytes(4).toString('hex');
  const ERASED = `erased-user-${suffix}`;
  const KEPT = `kept-user-${suffix}`;
  const OTHER_APP_USER = `other-app-user-${suffix}`;
  const COMPANY = `company-${suffix}`;

  let platform: TestPlatform;
  let connection: Connection;
  let db: mongo.Db;
  let s3: S3Client;
  let appA: CreatedApp;
  let appB: CreatedApp;

  const api = (app: CreatedApp, method: string, path: string, body?: unknown) =>
    requestJson<Json>(platform.gatewayUrl, method, path, { token: app.apiKey, body });
  const track = async (app: CreatedApp, path: string, body: unknown) => {
    const res = await requestJson<Json>(platform.gatewayUrl, 'POST', `/${app.trackingKey}/${path}`, { body });
    expect(res.status).toBe(200);
  };
  /** Every call type for one user of one app, at fixed times of yesterday; answers how many calls. */
  const trackUser = async (app: CreatedApp, userId: string, events: number) => {
    const at = (minute: number) => new Date(DAY0 - DAY_MS + minute * 60_000).toISOString();
    await track(app, 'user', { userId, attributes: { email: `${userId}@example.com`, plan: 'pro' }, timestamp: at(1) });
    await track(app, 'company', { companyId: COMPANY, userId, attributes: { name: 'Acme' }, timestamp: at(2) });
    for (let i = 0; i < events; i++)
      await track(app, 'event', {
        event: i % 2 ? 'Sent message' : 'Opened app',
        userId,
        companyId: COMPANY,
        timestamp: at(10 + i),
      });
    await track(app, 'feedback', {
      featureId: 'feature-1',
      userId,
      companyId: COMPANY,
      score: 4,
      comment: `from ${userId}`,
      timestamp: at(59),
    });
    return events + 3;
  };
  const request = (app: CreatedApp, id: string) => api(app, 'GET', `/api/v1/privacy/requests/${id}`);
  const finished = (app: CreatedApp, id: string, timeoutMs = 60_000) =>
    eventually(
      async () => {
        const res = await request(app, id);
        return res.body?.status === 'completed' || res.body?.status === 'failed' ? res.body : undefined;
      },
      timeoutMs,
      `privacy request ${id} to finish`,
    );
  const exportDone = (app: CreatedApp, path: string) =>
    eventually(
      async () => {
        const res = await api(app, 'GET', path);
        if (res.body?.status === 'failed') throw new Error(`export failed: ${res.body.error}`);
        return res.body?.status === 'completed' ? res.body : undefined;
      },
      60_000,
      `${path} to complete`,
    );
  const onDemandExport = async (app: CreatedApp, dataTypes: string[], format: string) => {
    const created = await api(app, 'POST', '/api/v1/exports', { startDate: YESTERDAY, endDate: YESTERDAY, dataTypes, format });
    if (created.status !== 202) throw new Error(`export refused: ${JSON.stringify(created.body)}`);
    return exportDone(app, `/api/v1/exports/${created.body.id}`);
  };
  const bulkExport = async (app: CreatedApp) => {
    const created = await requestJson<Json>(platform.gatewayUrl, 'POST', '/api/v1/analytics/exports/', {
      authorization: `Token ${app.apiKey}`,
      body: { from: YESTERDAY, to: YESTERDAY, format: 'csv' },
    });
    expect(created.status).toBe(201);
    return eventually(
      async () => {
        const res = await requestJson<Json>(platform.gatewayUrl, 'GET', `/api/v1/analytics/exports/jobs/${created.body.job_id}`, {
          authorization: `Token ${app.apiKey}`,
        });
        return res.body?.status === 'completed' ? res.body : undefined;
      },
      60_000,
      'the Bulk API export to complete',
    );
  };
  /** Every document of every collection, as JSON text, with its collection's name. */
  const allDocuments = async () => {
    const out: { collection: string; text: string }[] = [];
    for (const { name } of await db.listCollections().toArray())
      for (const doc of await db.collection(name).find({}).toArray()) out.push({ collection: name, text: JSON.stringify(doc) });
    return out;
  };
  /** The keys of every object of the platform's bucket. */
  const allKeys = async () => {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: platform.bucket, ContinuationToken: token }));
      for (const { Key: key } of page.Contents ?? []) if (key) keys.push(key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys;
  };
  /** Every object of the platform's bucket, decompressed when gzipped (no zips here: no Coveo exports). */
  const allObjects = async () => {
    const out: { key: string; text: string }[] = [];
    for (const key of await allKeys()) {
      const object = await s3.send(new GetObjectCommand({ Bucket: platform.bucket, Key: key }));
      const bytes = Buffer.from((await object.Body?.transformToByteArray()) ?? []);
      out.push({ key, text: (key.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8') });
    }
    return out;
  };
  const usageOf = async (appId: string) =>
    (await db.collection('usage_daily').find({ appId, companyId: COMPANY }).toArray()).reduce(
      (n, d) => n + (d.count as number),
      0,
    );

  let erasedCalls = 0;
  let keptCalls = 0;

  beforeAll(async () => {
    await setClock(DAY0 + 12 * 3_600_000);
    platform = await startTestPlatform({
      TEST_CLOCK_FILE: clockFile,
      PRIVACY_POLL_INTERVAL_MS: '200',
      PRIVACY_LEASE_MS: '2000',
      PRIVACY_RETRY_MAX_MS: '1000',
      RETENTION_SWEEP_INTERVAL_MS: '300',
      EXPORT_SWEEP_INTERVAL_MS: '300',
    });
    connection = await mongoose.createConnection(platform.mongoUrl).asPromise();
    if (!connection.db) throw new Error('no database');
    db = connection.db;
    s3 = testS3Client();
    appA = await createApp(platform.gatewayUrl, platform.adminToken, 'enterprise', 'A');
    appB = await createApp(platform.gatewayUrl, platform.adminToken, 'enterprise', 'B');
    erasedCalls = await trackUser(appA, ERASED, 6);
    keptCalls = await trackUser(appA, KEPT, 4);
    await trackUser(appB, OTHER_APP_USER, 3);
    expect((await api(appA, 'PUT', '/api/v1/exclusions', { userIds: [ERASED, KEPT], companyIds: [] })).status).toBe(200);
    // Profiles and counters are applied a little behind the answers.
    await eventually(async () => ((await usageOf(appA.id)) === 10 ? true : undefined), 30_000, 'the usage counters of app A');
  }, 180_000);

  afterAll(async () => {
    await connection?.close();
    s3?.destroy();
    await platform?.stop();
  });

  it("exports a user's data as one JSON document holding every call of the user and nothing of anyone else", async () => {
    const created = await api(appA, 'POST', `/api/v1/privacy/users/${ERASED}/export`);
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({ type: 'export', userId: ERASED, status: 'pending' });
    const done = await finished(appA, created.body.id);
    expect(done).toMatchObject({ status: 'completed', counts: { calls: erasedCalls, companies: 1, profiles: 1 } });
    const text = (await downloadExportFile(done.downloadUrl)).toString('utf8');
    const document = JSON.parse(text);
    expect(document.user_id).toBe(ERASED);
    expect(document.profile).toMatchObject({ user_id: ERASED, attributes: { email: `${ERASED}@example.com` } });
    expect(document.companies).toEqual([expect.objectContaining({ company_id: COMPANY })]);
    expect(document.calls).toHaveLength(erasedCalls);
    expect(document.calls.map((c: Json) => c.event_type).sort()).toEqual(
      ['feedback', 'identify_company', 'identify_user', ...Array(6).fill('track')].sort(),
    );
    expect(document.summary.events).toEqual({ 'Opened app': 3, 'Sent message': 3 });
    expect(text).not.toContain(KEPT);
    expect(text).not.toContain(OTHER_APP_USER);

    // Another app's key does not see the request.
    expect((await request(appB, created.body.id)).status).toBe(404);
  }, 90_000);

  it('erases a user from every collection and every stored file, leaving the other users and the counters intact', async () => {
    const onDemand = await onDemandExport(appA, ['events', 'users', 'companies', 'feedback'], 'jsonl');
    const csv = await onDemandExport(appA, ['events'], 'csv');
    const bulk = await bulkExport(appA);
    const otherApp = await onDemandExport(appB, ['events'], 'jsonl');
    const before = await allObjects();
    expect(before.some((o) => o.text.includes(ERASED))).toBe(true);
    const linesWith = (objects: { text: string }[], text: string) =>
      objects.flatMap((o) => o.text.split('\n').filter((line) => line.includes(text)));
    const keptLinesBefore = linesWith(before, KEPT);
    const usageBefore = await usageOf(appA.id);

    const asked = await api(appA, 'DELETE', `/api/v1/privacy/users/${ERASED}?suppress=true`);
    expect(asked.status).toBe(202);
    expect(asked.body).toMatchObject({ type: 'erasure', userId: ERASED, suppress: true });
    const done = await finished(appA, asked.body.id);
    expect(done.status).toBe('completed');
    expect(done.userId).toBeNull();
    expect(done.userHash).toMatch(/^[0-9a-f]{64}$/);
    expect(done.requestedBy).toBe(appA.apiKeyId);
    expect(done.services.map((s: Json) => s.service).sort()).toEqual(['aggregation', 'export-job', 'ingestion']);
    expect(done.counts).toMatchObject({ tracking_calls: erasedCalls, user_profiles: 1, exclusions: 1 });
    expect(done.counts.export_files_rewritten).toBeGreaterThanOrEqual(4);
    expect(done.counts.user_data_exports_deleted).toBe(1);

    // Nowhere in the database, nowhere in the bucket (where the other user still is).
    const documents = await allDocuments();
    expect(documents.filter((d) => d.text.includes(ERASED)).map((d) => d.collection)).toEqual([]);
    expect(new Set(documents.filter((d) => d.text.includes(KEPT)).map((d) => d.collection))).toEqual(
      new Set(['tracking_calls', 'user_profiles', 'company_profiles', 'exclusions']),
    );
    const after = await allObjects();
    expect(after.filter((o) => o.text.includes(ERASED)).map((o) => o.key)).toEqual([]);
    // The other user's rows are all still there: unchanged, or (a company's users) without the erased one.
    const keptLinesAfter = linesWith(after, KEPT);
    expect(keptLinesAfter).toHaveLength(keptLinesBefore.length);
    expect(keptLinesAfter).toEqual(expect.arrayContaining(keptLinesBefore.filter((line) => !line.includes(ERASED))));
    expect(after.some((o) => o.text.includes(OTHER_APP_USER))).toBe(true);
    expect(await usageOf(appA.id)).toBe(usageBefore);

    // The jobs show the rewritten files: each link downloads what the listing says.
    for (const job of [onDemand, csv]) {
      const now = (await api(appA, 'GET', `/api/v1/exports/${job.id}`)).body;
      for (const file of now.files) {
        const bytes = await downloadExportFile(file.url);
        expect(createHash('sha256').update(bytes).digest('hex')).toBe(file.sha256);
      }
    }
    expect(bulk.presigned_urls.length).toBeGreaterThan(0);
    expect(otherApp.files.length).toBeGreaterThan(0);

    // The audit log keeps the request; the user's earlier export request no longer names the user.
    const log = (await api(appA, 'GET', '/api/v1/privacy/requests')).body.data;
    expect(log.map((r: Json) => r.type).sort()).toEqual(['erasure', 'export']);
    expect(log.every((r: Json) => r.userId === null && r.userHash === done.userHash)).toBe(true);
    expect(log.find((r: Json) => r.type === 'export').downloadUrl).toBeNull();

    // Suppressed: the user's next calls are answered and not stored; the other user's are.
    await track(appA, 'event', { event: 'After erasure', userId: ERASED });
    await track(appA, 'event', { event: 'After erasure', userId: KEPT });
    await eventually(
      async () =>
        (await db.collection('tracking_calls').countDocuments({ appId: appA.id, event: 'After erasure' })) === 1
          ? true
          : undefined,
      10_000,
      'the other user’s call to be stored',
    );
    expect(await db.collection('tracking_calls').countDocuments({ appId: appA.id, userId: ERASED })).toBe(0);

    // Again: nothing changes, nothing is counted twice.
    const again = await finished(appA, (await api(appA, 'DELETE', `/api/v1/privacy/users/${ERASED}`)).body.id);
    expect(again).toMatchObject({
      status: 'completed',
      counts: { tracking_calls: 0, user_profiles: 0, export_files_rewritten: 0 },
    });
    expect(await db.collection('tracking_calls').countDocuments({ appId: appA.id, userId: KEPT })).toBe(keptCalls + 1);
  }, 240_000);

  it('completes an erasure whose ingestion and export-job were killed in the middle', async () => {
    const user = `killed-user-${suffix}`;
    await trackUser(appA, user, 20);
    await eventually(
      async () =>
        (await db.collection('user_profiles').countDocuments({ appId: appA.id, userId: user })) === 1 ? true : undefined,
      30_000,
      'the profile of the user',
    );
    await onDemandExport(appA, ['events'], 'jsonl');
    const asked = await api(appA, 'DELETE', `/api/v1/privacy/users/${user}`);
    expect(asked.status).toBe(202);
    await platform.processes.get('ingestion')?.stop('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await platform.processes.get('export-job')?.stop('SIGKILL');
    await platform.restart('ingestion');
    await platform.restart('export-job');
    const done = await finished(appA, asked.body.id, 120_000);
    expect(done).toMatchObject({ status: 'completed', counts: { tracking_calls: 23, user_profiles: 1 } });
    expect((await allDocuments()).filter((d) => d.text.includes(user)).map((d) => d.collection)).toEqual([]);
    expect((await allObjects()).filter((o) => o.text.includes(user)).map((o) => o.key)).toEqual([]);
  }, 240_000);

  it('deletes raw calls past the raw retention and keeps the aggregates; a lowered retention applies at the next sweep', async () => {
    const app = await createApp(platform.gatewayUrl, platform.adminToken, 'enterprise', 'Retention');
    expect((await api(app, 'GET', '/api/v1/retention')).body).toMatchObject({
      rawEventsDays: 90,
      aggregatesDays: 730,
      exportFilesDays: 7,
      isDefault: true,
    });
    for (const bad of [{ rawEventsDays: 0 }, { aggregatesDays: 100_000 }, { exportFilesDays: 'x' }]) {
      const res = await api(app, 'PUT', '/api/v1/retention', bad);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).toContain(Object.keys(bad)[0]);
    }
    const calls = async (day: string) => db.collection('tracking_calls').countDocuments({ appId: app.id, day });
    // Calls 1 and 50 days before the first clock day.
    const now = DAY0 + 12 * 3_600_000;
    for (const daysAgo of [1, 50])
      for (let i = 0; i < 3; i++)
        await track(app, 'event', {
          event: 'Opened app',
          userId: 'u1',
          companyId: 'c1',
          timestamp: new Date(now - daysAgo * DAY_MS).toISOString(),
        });
    const recentDay = dayOf(now - DAY_MS);
    const olderDay = dayOf(now - 50 * DAY_MS);
    await eventually(
      async () => ((await calls(recentDay)) === 3 && (await calls(olderDay)) === 3 ? true : undefined),
      10_000,
      'the calls',
    );
    const usage = () => db.collection('usage_daily').countDocuments({ appId: app.id });
    await eventually(async () => ((await usage()) === 2 ? true : undefined), 10_000, 'the counters');

    const userExport = await finished(app, (await api(app, 'POST', '/api/v1/privacy/users/u1/export')).body.id);
    expect(userExport.downloadUrl).toEqual(expect.any(String));

    // 91 days later: both days are past 90 days of raw retention; the counters stay (730 days).
    await setClock(now + 91 * DAY_MS);
    await eventually(
      async () => ((await calls(recentDay)) + (await calls(olderDay)) === 0 ? true : undefined),
      20_000,
      'the sweep',
    );
    expect(await usage()).toBe(2);
    // Export files are kept 7 days: the earlier exports' files are gone too.
    await eventually(
      async () =>
        (await allKeys()).some((key) => key.startsWith(`apps/${appA.id}/exports/`) || key.startsWith(`apps/${app.id}/privacy/`))
          ? undefined
          : true,
      20_000,
      'the export file sweep',
    );
    expect((await request(app, userExport.id)).body.downloadUrl).toBeNull();

    // An export of those days says so: wholly past retention is a 400.
    const gone = await api(app, 'POST', '/api/v1/exports', {
      startDate: recentDay,
      endDate: recentDay,
      dataTypes: ['events'],
      format: 'jsonl',
    });
    expect(gone.status).toBe(400);
    expect(JSON.stringify(gone.body)).toContain('retention');

    // Calls 40 days old now: kept under 90 days, gone once the retention is lowered to 30.
    for (let i = 0; i < 2; i++)
      await track(app, 'event', {
        event: 'Opened app',
        userId: 'u1',
        companyId: 'c1',
        timestamp: new Date(now + 51 * DAY_MS).toISOString(),
      });
    const fortyDaysAgo = dayOf(now + 51 * DAY_MS);
    await eventually(async () => ((await calls(fortyDaysAgo)) === 2 ? true : undefined), 10_000, 'the 40-day-old calls');
    const partial = await api(app, 'POST', '/api/v1/exports', {
      startDate: dayOf(now + 91 * DAY_MS - 95 * DAY_MS),
      endDate: dayOf(now + 91 * DAY_MS - 80 * DAY_MS),
      dataTypes: ['events'],
      format: 'jsonl',
    });
    expect(partial.status).toBe(202);
    expect(partial.body).toMatchObject({ retention_truncated: true, retained_from: dayOf(now + 91 * DAY_MS - 90 * DAY_MS) });
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // a few sweeps: the 40-day-old calls stay
    expect(await calls(fortyDaysAgo)).toBe(2);

    const put = await api(app, 'PUT', '/api/v1/retention', { rawEventsDays: 30 });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ rawEventsDays: 30, aggregatesDays: 730, exportFilesDays: 7, isDefault: false });
    await eventually(async () => ((await calls(fortyDaysAgo)) === 0 ? true : undefined), 20_000, 'the sweep after the PUT');
    expect(await usage()).toBe(3);
  }, 120_000);
});

import {
  createApp,
  CreatedApp,
  eventually,
  messagesFor,
  requestJson,
  startTestPlatform,
  TestPlatform,
  uniqueName,
} from '@exportd/testing';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const DAY_MS = 86_400_000;
/** A day far from the real one, so the platform's time is clearly the test's. */
const DAY0 = Math.floor(Date.now() / DAY_MS) * DAY_MS + 80 * DAY_MS;

/** Coveo-compatible export schedules (seed 004's API) on the whole platform, its time moved by the test. */
describe('Coveo-compatible export schedules', () => {
  const clockFile = join(tmpdir(), `exportd-clock-${randomBytes(4).toString('hex')}`);
  /** Moves every process of the platform to `at`; they re-read the file at most every 50 ms, so wait that out. */
  const setClock = async (at: number) => {
    writeFileSync(clockFile, String(at - Date.now()));
    await new Promise((resolve) => setTimeout(resolve, 150));
  };

  let platform: TestPlatform;
  let app: CreatedApp;
  const call = (method: string, path: string, body?: unknown, token = app.apiKey) =>
    requestJson<Json>(platform.gatewayUrl, method, path, { token, body });

  beforeAll(async () => {
    await setClock(DAY0 + 10 * 3_600_000);
    platform = await startTestPlatform({
      TEST_CLOCK_FILE: clockFile,
      SCHEDULER_INTERVAL_MS: '200',
      SCHEDULE_LEASE_MS: '5000',
      EXPORT_POLL_INTERVAL_MS: '100',
      EXPORT_NOTIFY_RETRY_BASE_MS: '200',
    });
    app = await createApp(platform.gatewayUrl, platform.adminToken, 'enterprise', 'Coveo schedules');
  }, 120_000);

  afterAll(async () => {
    await platform?.stop();
  });

  it('creates, reads, replaces and deletes a schedule; a View key reads but cannot change; bad input is a 400', async () => {
    const created = await call('POST', '/rest/ua/v15/exports/schedules', {
      frequency: 'WEEKLY',
      timezone: 'America/New_York',
      dayOfWeek: 'WEDNESDAY',
      tables: ['custom_events'],
      exportFormat: 'NO_NEWLINE',
      notificationsEmails: ['ops@example.com'],
      description: 'Weekly feed',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      frequency: 'WEEKLY',
      timezone: 'America/New_York',
      dayOfWeek: 'WEDNESDAY',
      tables: ['custom_events'],
      exportFormat: 'NO_NEWLINE',
      description: 'Weekly feed',
    });
    // The next run: a Wednesday 00:00 in New York (05:00 UTC in winter, 04:00 in summer).
    const next = new Date(created.body.nextExecutionDate as number);
    expect(next.getTime()).toBeGreaterThan(DAY0);
    expect([4, 5]).toContain(next.getUTCHours());
    expect(new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', weekday: 'long' }).format(next)).toBe('Wednesday');
    const id = created.body.id as string;

    const key = await requestJson<Json>(platform.gatewayUrl, 'POST', `/admin/v1/apps/${app.id}/keys`, {
      token: platform.adminToken,
      body: { privileges: ['exports:read'] },
    });
    const viewOnly = key.body.key as string;
    expect((await call('GET', `/rest/ua/v15/exports/schedules/${id}`, undefined, viewOnly)).status).toBe(200);
    expect((await call('POST', '/rest/ua/v15/exports/schedules', { frequency: 'DAILY' }, viewOnly)).status).toBe(403);

    const replaced = await call('PUT', `/rest/ua/v15/exports/schedules/${id}`, { frequency: 'MONTHLY', tables: ['users'] });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ frequency: 'MONTHLY', timezone: 'UTC', dayOfWeek: null, tables: ['users'] });
    expect(new Date(replaced.body.nextExecutionDate as number).getUTCDate()).toBe(1);

    const refusals: [Record<string, unknown>, number][] = [
      [{ frequency: 'HOURLY' }, 400],
      [{ frequency: 'DAILY', timezone: 'Mars/Olympus' }, 400],
      [{ frequency: 'DAILY', tables: ['searches'] }, 400],
      [{ frequency: 'DAILY', commonFilters: ['event_name =='] }, 400],
    ];
    for (const [body, status] of refusals)
      expect((await call('POST', '/rest/ua/v15/exports/schedules', body)).status).toBe(status);

    expect((await call('GET', `/rest/ua/v15/exports/schedules?org=${app.id}`)).body).toHaveLength(1);
    expect((await call('GET', `/rest/ua/v15/exports/schedules/${id}?org=someone-else`)).status).toBe(404);
    expect((await call('DELETE', `/rest/ua/v15/exports/schedules/${id}`)).status).toBe(204);
    expect((await call('GET', `/rest/ua/v15/exports/schedules/${id}`)).status).toBe(404);
  });

  it('runs a DAILY schedule once a day: two days give two exports of each day, and two emails', async () => {
    const email = `${uniqueName('coveo')}@example.com`;
    const created = await call('POST', '/rest/ua/v15/exports/schedules', {
      frequency: 'DAILY',
      tables: ['custom_events'],
      dimensions: ['event_name', 'user_id'],
      commonFilters: ["user_id == 'coveo-user'"],
      notificationsEmails: [email],
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;

    const exportsOf = async (): Promise<Json[]> =>
      (await call('GET', `/rest/ua/v15/exports/schedules/${id}/exports`)).body.exports;
    for (let day = 0; day < 2; day++) {
      const start = DAY0 + day * DAY_MS;
      await setClock(start + 12 * 3_600_000);
      const tracked = await requestJson<Json>(platform.gatewayUrl, 'POST', `/${app.trackingKey}/event`, {
        body: { event: `Day ${day}`, userId: 'coveo-user' },
      });
      expect(tracked.status).toBe(200);
      await setClock(start + DAY_MS + 1_000);
      const made = await eventually(
        async () => {
          const all = await exportsOf();
          return all.length === day + 1 && all.every((e) => e.status === 'AVAILABLE') ? all : undefined;
        },
        60_000,
        `the export of day ${day}`,
      );
      expect(made[0]).toMatchObject({ scheduleId: id, from: start, to: start + DAY_MS, tables: ['custom_events'] });
      await eventually(async () => (messagesFor(email).length === day + 1 ? true : undefined), 30_000, 'the email');
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await exportsOf()).toHaveLength(2);
    expect(messagesFor(email)).toHaveLength(2);
  }, 180_000);
});

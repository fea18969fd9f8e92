import {
  CompanyAttributesDailyRecord,
  CompanyProfileRecord,
  CompanyUsageDaysRecord,
  RAW_COLLECTIONS,
  TrackingCallRecord,
  UsageDailyRecord,
  UserProfileRecord,
} from '@exportd/records';
import { ManualClock } from '@exportd/runtime';
import { companyProfile, eventually, testMongoUrl, trackingCall, userProfile } from '@exportd/testing';
import mongoose, { Connection } from 'mongoose';
import { AppRepository } from '../apps/app.repository';
import { AppsService } from '../apps/apps.service';
import { SuppressionList } from '../tracking/suppression-list';
import { SuppressionRepository } from '../tracking/suppression.repository';
import { TrackingProjector } from '../tracking/tracking.projector';
import { TrackingRepository } from '../tracking/tracking.repository';
import { TrackingService } from '../tracking/tracking.service';
import { WritePriority } from '../tracking/write-priority';
import { RetentionPolicyRepository } from './retention-policy.repository';
import { RetentionSweepRepository } from './retention-sweep.repository';
import { RetentionService } from './retention.service';
import { daysBefore, RetentionSweeper } from './retention.sweeper';

describe(RetentionSweeper.name, () => {
  let connection: Connection;
  let apps: AppsService;
  let retention: RetentionService;
  let tracking: TrackingService;
  let trackingRepository: TrackingRepository;
  const clock = new ManualClock(new Date('2026-12-02T10:00:00Z'));
  const priority = new WritePriority();
  const sweeper = (intervalMs = 3_600_000) =>
    new RetentionSweeper(
      { intervalMs },
      new RetentionSweepRepository(connection),
      tracking,
      trackingRepository,
      retention,
      apps,
      priority,
      clock,
    );

  beforeAll(async () => {
    connection = await mongoose.createConnection(testMongoUrl('sweeper')).asPromise();
    trackingRepository = new TrackingRepository(connection);
    await trackingRepository.onModuleInit();
    const suppressions = new SuppressionList(new SuppressionRepository(connection), clock);
    tracking = new TrackingService(
      trackingRepository,
      new TrackingProjector(trackingRepository, clock, priority),
      priority,
      clock,
      suppressions,
    );
    const appRepository = new AppRepository(connection);
    await appRepository.onModuleInit();
    apps = new AppsService(appRepository, clock);
    retention = new RetentionService(
      new RetentionPolicyRepository(connection),
      new RetentionSweepRepository(connection),
      apps,
      clock,
    );
  });

  afterAll(async () => {
    await connection?.dropDatabase();
    await connection?.close();
  });

  const collection = <T extends mongoose.mongo.Document>(name: string) => connection.collection<T>(name);
  const callDays = async (appId: string) =>
    [
      ...new Set((await collection<TrackingCallRecord>(RAW_COLLECTIONS.calls).find({ appId }).toArray()).map((c) => c.day)),
    ].sort();
  const callCount = (appId: string, day: string) => collection(RAW_COLLECTIONS.calls).countDocuments({ appId, day });
  /** The days of the app's counters; the company's usage days must hold the same. */
  const usageDays = async (appId: string) => {
    const days = (await collection<UsageDailyRecord>(RAW_COLLECTIONS.usageDaily).find({ appId }).toArray())
      .map((u) => u.day)
      .sort();
    const rollup = await collection<CompanyUsageDaysRecord>(RAW_COLLECTIONS.companyUsageDays).findOne({ _id: `${appId}:acme` });
    expect((rollup?.days ?? []).map((entry) => entry.slice(0, 10)).sort()).toEqual(days);
    return days;
  };
  const companyDays = async (appId: string) =>
    (await collection<CompanyAttributesDailyRecord>(RAW_COLLECTIONS.companyAttributesDaily).find({ appId }).toArray())
      .map((r) => `${r.companyId} ${r.day}`)
      .sort();

  async function seed(appId: string): Promise<void> {
    const at = (day: string) => `${day}T12:00:00Z`;
    const event = (day: string, i: number) =>
      trackingCall(appId, { messageId: `${day}-${i}`, userId: 'u1', event: 'Opened', timestamp: at(day) });
    await collection<TrackingCallRecord>(RAW_COLLECTIONS.calls).insertMany([
      event('2024-01-02', 0),
      // More than one batch on one day.
      ...Array.from({ length: 2_500 }, (_, i) => event('2026-08-01', i)),
      event('2026-09-02', 0),
      event('2026-09-03', 0),
      trackingCall(appId, { type: 'user', messageId: 'user', userId: 'u1', timestamp: at('2026-09-02') }),
      event('2026-12-02', 0),
    ]);
    const usage = (day: string): UsageDailyRecord => ({
      _id: `${appId}|acme|Opened|${day}`,
      appId,
      companyId: 'acme',
      event: 'Opened',
      day,
      count: 3,
    });
    const days = ['2024-11-30', '2024-12-01', '2024-12-02', '2026-12-01'];
    await collection<UsageDailyRecord>(RAW_COLLECTIONS.usageDaily).insertMany(days.map(usage));
    await trackingRepository.addUsageDays(appId, [{ companyId: 'acme', days: days.map((day) => `${day}|Opened`) }]);
    const attributes = (companyId: string, day: string): CompanyAttributesDailyRecord => ({
      _id: `${appId}|${companyId}|${day}`,
      appId,
      companyId,
      day,
      attributes: `{"day":"${day}"}`,
    });
    await collection<CompanyAttributesDailyRecord>(RAW_COLLECTIONS.companyAttributesDaily).insertMany([
      attributes('acme', '2024-11-01'),
      attributes('acme', '2024-11-20'),
      attributes('acme', '2024-12-05'),
      attributes('globex', '2024-10-01'),
      attributes('initech', '2025-01-01'),
    ]);
    await collection<UserProfileRecord>(RAW_COLLECTIONS.users).insertOne(userProfile(appId, 'u1', new Date(at('2024-01-02'))));
    await collection<CompanyProfileRecord>(RAW_COLLECTIONS.companies).insertOne(
      companyProfile(appId, 'acme', new Date(at('2024-01-02'))),
    );
  }

  it('keeps from today minus the policy days on', () => {
    expect(daysBefore('2026-12-02', 90)).toBe('2026-09-03');
    expect(daysBefore('2026-12-02', 730)).toBe('2024-12-02');
    expect(daysBefore('2026-03-01', 1)).toBe('2026-02-28');
  });

  it('deletes old raw calls and aggregates by each app policy, keeps profiles, and a lowered policy takes effect next sweep', async () => {
    const appId = (await apps.createApp('Swept', 'pro')).app._id;
    const longer = (await apps.createApp('Kept longer', 'pro')).app._id;
    await seed(appId);
    await seed(longer);
    await retention.putRetention(longer, { rawEventsDays: 3650, aggregatesDays: 3650, exportFilesDays: 7 });
    const sut = sweeper();

    // The defaults: raw calls from 2026-09-03 on, aggregates from 2024-12-02 on.
    const first = await sut.sweep();
    expect(first).toEqual({ calls: 2_503, usageDaily: 2, companyAttributesDaily: 1 });
    expect(await callDays(appId)).toEqual(['2026-09-03', '2026-12-02']);
    expect(await usageDays(appId)).toEqual(['2024-12-02', '2026-12-01']);
    // Each company's latest record before the cutoff stays: it holds the attributes of the days kept.
    expect(await companyDays(appId)).toEqual(['acme 2024-11-20', 'acme 2024-12-05', 'globex 2024-10-01', 'initech 2025-01-01']);
    expect(await collection(RAW_COLLECTIONS.users).countDocuments({ appId })).toBe(1);
    expect(await collection(RAW_COLLECTIONS.companies).countDocuments({ appId })).toBe(1);
    // What is gone is told with the policy (exports refuse a range wholly before it).
    expect(await retention.getRetention(appId)).toMatchObject({
      rawEventsDeletedBefore: '2026-09-03',
      aggregatesDeletedBefore: '2024-12-02',
    });
    // The other app's policy keeps everything of it.
    expect(await callDays(longer)).toEqual(['2024-01-02', '2026-08-01', '2026-09-02', '2026-09-03', '2026-12-02']);
    expect(await callCount(longer, '2026-08-01')).toBe(2_500);
    expect(await usageDays(longer)).toHaveLength(4);
    expect(await companyDays(longer)).toHaveLength(5);

    await retention.putRetention(appId, { rawEventsDays: 30, aggregatesDays: 30, exportFilesDays: 7 });
    await sut.sweep();
    expect(await callDays(appId)).toEqual(['2026-12-02']);
    expect(await usageDays(appId)).toEqual(['2026-12-01']);
    expect(await companyDays(appId)).toEqual(['acme 2024-12-05', 'globex 2024-10-01', 'initech 2025-01-01']);

    // A month later today's calls are out of the 30 days too.
    clock.set(new Date('2027-01-02T10:00:00Z'));
    await sut.sweep();
    expect(await callDays(appId)).toEqual([]);
    expect(await retention.getRetention(appId)).toMatchObject({ rawEventsDeletedBefore: '2026-12-03' });
    expect(await usageDays(appId)).toEqual([]);
    expect(await collection(RAW_COLLECTIONS.users).countDocuments({ appId })).toBe(1);
    clock.set(new Date('2026-12-02T10:00:00Z'));
  });

  it('sweeps on its own every interval once started, and stops at shutdown', async () => {
    const appId = (await apps.createApp('Scheduled', 'pro')).app._id;
    await seed(appId);
    const sut = sweeper(100);
    sut.onApplicationBootstrap();
    try {
      await eventually(async () => ((await callDays(appId)).length === 2 ? true : undefined), 20_000, 'the scheduled sweep');
      expect(await callDays(appId)).toEqual(['2026-09-03', '2026-12-02']);
    } finally {
      await sut.onApplicationShutdown();
    }
  });
});

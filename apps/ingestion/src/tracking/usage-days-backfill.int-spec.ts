import { CompanyProfileRecord, CompanyUsageDaysRecord, RAW_COLLECTIONS, UsageDailyRecord } from '@exportd/records';
import { ManualClock } from '@exportd/runtime';
import { companyProfile, testMongoUrl } from '@exportd/testing';
import mongoose, { Connection } from 'mongoose';
import { AppRepository } from '../apps/app.repository';
import { AppsService } from '../apps/apps.service';
import { SuppressionList } from './suppression-list';
import { SuppressionRepository } from './suppression.repository';
import { TrackingInput } from './tracking.model';
import { TrackingProjector } from './tracking.projector';
import { TrackingRepository } from './tracking.repository';
import { TrackingService } from './tracking.service';
import { UsageDaysBackfill } from './usage-days-backfill';
import { WritePriority } from './write-priority';

describe(UsageDaysBackfill.name, () => {
  let connection: Connection;
  let repository: TrackingRepository;
  let apps: AppsService;
  let service: TrackingService;
  let suppressions: SuppressionList;
  const clock = new ManualClock(new Date('2026-03-02T10:00:00Z'));
  const priority = new WritePriority();

  beforeAll(async () => {
    connection = await mongoose.createConnection(testMongoUrl('usage-days')).asPromise();
    repository = new TrackingRepository(connection);
    await repository.onModuleInit();
    const appRepository = new AppRepository(connection);
    await appRepository.onModuleInit();
    apps = new AppsService(appRepository, clock);
    suppressions = new SuppressionList(new SuppressionRepository(connection), clock);
    service = new TrackingService(repository, new TrackingProjector(repository, clock, priority), priority, clock, suppressions);
  });

  afterAll(async () => {
    await connection.close();
  });

  const COMPANIES = 150;
  const companyIds = Array.from({ length: COMPANIES }, (_, i) => `co_${String(i).padStart(3, '0')}`);

  /**
   * Counters of three days per company: two from before usage days were kept, one a round applied since (its
   * day already in the company's usage days document).
   */
  async function seedOldCounters(appId: string): Promise<void> {
    await repository.addUsageDays(
      appId,
      companyIds.map((companyId) => ({ companyId, days: ['2026-02-15|Opened'] })),
    );
    const counters: UsageDailyRecord[] = companyIds.flatMap((companyId) =>
      ['2026-01-05', '2026-02-10', '2026-02-15'].map((day) => ({
        _id: `${appId}|${companyId}|Opened|${day}`,
        appId,
        companyId,
        event: 'Opened',
        day,
        count: 2,
      })),
    );
    await connection.collection<UsageDailyRecord>(RAW_COLLECTIONS.usageDaily).insertMany(counters);
    await connection
      .collection<CompanyProfileRecord>(RAW_COLLECTIONS.companies)
      .insertMany(companyIds.map((companyId) => companyProfile(appId, companyId, new Date('2026-01-05T12:00:00Z'))));
  }

  const eventsOf = (prefix: string, day: string): TrackingInput[] =>
    companyIds.map((companyId, i) => ({
      type: 'event',
      messageId: `${prefix}-${i}`,
      userId: `u_${i}`,
      companyId,
      event: 'Sent message',
      attributes: '{}',
      active: true,
      timestamp: new Date(`${day}T09:00:00Z`),
    }));

  it("fills in every company's days from its counters, losing none of a round that writes the same documents", async () => {
    const appId = (await apps.createApp('Backfilled', 'pro')).app._id;
    await seedOldCounters(appId);
    // A projector whose usage days writes are seen starting, and a backfill whose writes start right then: if
    // both ran at once on the same documents, FerretDB would keep only one of the two updates of each.
    let projectorWriting: () => void = () => undefined;
    const projectorWrites = new Promise<void>((resolve) => (projectorWriting = resolve));
    const projectorRepository = Object.create(repository) as TrackingRepository;
    projectorRepository.addUsageDays = (app, changes) => {
      projectorWriting();
      return repository.addUsageDays(app, changes);
    };
    const projector = new TrackingProjector(projectorRepository, clock, priority);
    const service = new TrackingService(repository, projector, priority, clock, suppressions);
    const live: Promise<unknown>[] = [];
    const backfillRepository = Object.create(repository) as TrackingRepository;
    backfillRepository.addUsageDays = async (app, changes) => {
      // Calls for the same companies arrive while the step is about to write.
      live.push(service.track(app, eventsOf(`live-${live.length}`, `2026-02-${String(20 + live.length).padStart(2, '0')}`)));
      await Promise.race([projectorWrites, new Promise((resolve) => setTimeout(resolve, 1_000))]);
      await repository.addUsageDays(app, changes);
    };

    await new UsageDaysBackfill(apps, backfillRepository, service, clock).run();
    await Promise.all(live);
    await projector.idle();

    expect(await repository.isUsageDaysComplete(appId)).toBe(true);
    const counters = await connection.collection<UsageDailyRecord>(RAW_COLLECTIONS.usageDaily).find({ appId }).toArray();
    expect(counters).toHaveLength(COMPANIES * (3 + live.length));
    const stored = await connection
      .collection<CompanyUsageDaysRecord>(RAW_COLLECTIONS.companyUsageDays)
      .find({ appId })
      .toArray();
    const byCompany = new Map(stored.map((doc) => [doc.companyId, [...doc.days].sort()]));
    for (const companyId of companyIds) {
      const expected = counters
        .filter((counter) => counter.companyId === companyId)
        .map((counter) => `${counter.day}|${counter.event}`)
        .sort();
      expect({ companyId, days: byCompany.get(companyId) }).toEqual({ companyId, days: expected });
    }
  });

  it('marks an app without companies at once (a new app reads its usage days from the start)', async () => {
    const empty = (await apps.createApp('Empty', 'pro')).app._id;
    await new UsageDaysBackfill(apps, repository, service, clock).run();
    expect(await repository.isUsageDaysComplete(empty)).toBe(true);
  });
});

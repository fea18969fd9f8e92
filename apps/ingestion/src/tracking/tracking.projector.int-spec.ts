import { CompanyUsageDaysRecord, RAW_COLLECTIONS, UsageDailyRecord } from '@exportd/records';
import { ManualClock } from '@exportd/runtime';
import { testMongoUrl } from '@exportd/testing';
import mongoose, { Connection } from 'mongoose';
import { SuppressionList } from './suppression-list';
import { SuppressionRepository } from './suppression.repository';
import { TrackingInput } from './tracking.model';
import { TrackingProjector } from './tracking.projector';
import { TrackingRepository } from './tracking.repository';
import { TrackingService } from './tracking.service';
import { WritePriority } from './write-priority';

/** A process killed right after storing: its projector never applies anything. */
class KilledProjector extends TrackingProjector {
  override add(): void {
    // the process died before applying
  }
}

describe(TrackingProjector.name, () => {
  let connection: Connection;
  let repository: TrackingRepository;
  let suppressions: SuppressionList;
  const clock = new ManualClock(new Date('2026-03-02T10:00:00Z'));
  const priority = new WritePriority();

  beforeAll(async () => {
    connection = await mongoose.createConnection(testMongoUrl('projector')).asPromise();
    repository = new TrackingRepository(connection);
    await repository.onModuleInit();
    suppressions = new SuppressionList(new SuppressionRepository(connection), clock);
  });

  afterAll(async () => {
    await connection.close();
  });

  const events = (n: number, prefix: string): TrackingInput[] =>
    Array.from({ length: n }, (_, i) => ({
      type: 'event',
      messageId: `${prefix}-${i}`,
      userId: 'u1',
      companyId: 'acme',
      event: 'Sent message',
      attributes: '{}',
      active: true,
      timestamp: new Date('2026-03-02T09:00:00Z'),
    }));

  const usageDays = async (appId: string) =>
    (await connection.collection<CompanyUsageDaysRecord>(RAW_COLLECTIONS.companyUsageDays).find({ appId }).toArray()).map(
      ({ companyId, days }) => ({ companyId, days }),
    );

  const usage = () =>
    connection.collection<UsageDailyRecord>(RAW_COLLECTIONS.usageDaily).findOne({ appId: 'app_p', companyId: 'acme' });

  it('applies, after a restart, the calls a killed process stored but had not applied, once', async () => {
    const killed = new TrackingService(
      repository,
      new KilledProjector(repository, clock, priority),
      priority,
      clock,
      suppressions,
    );
    expect(await killed.track('app_p', events(300, 'a'))).toEqual({ stored: 300, duplicates: 0, suppressed: 0 });
    expect(await usage()).toBeNull();

    const restarted = new TrackingProjector(repository, clock, priority);
    await restarted.onApplicationBootstrap();
    await restarted.idle();
    expect(await usage()).toMatchObject({ event: 'Sent message', day: '2026-03-02', count: 300 });
    expect(await usageDays('app_p')).toEqual([{ companyId: 'acme', days: ['2026-03-02|Sent message'] }]);
    expect(await connection.collection('user_profiles').countDocuments({ appId: 'app_p' })).toBe(1);

    // The journal is closed: a further restart applies nothing again, and retried messageIds count once.
    const service = new TrackingService(repository, restarted, priority, clock, suppressions);
    expect(await service.track('app_p', events(310, 'a'))).toEqual({ stored: 10, duplicates: 300, suppressed: 0 });
    await restarted.idle();
    const again = new TrackingProjector(repository, clock, priority);
    await again.onApplicationBootstrap();
    await again.idle();
    expect((await usage())?.count).toBe(310);
  });

  it('counts every call once when the process dies in the middle of a round, after some counters were written', async () => {
    // The dying process writes its round's first chunk of counters (of 25), then never another write.
    const dying = Object.create(repository) as TrackingRepository;
    let chunks = 0;
    dying.incrementUsage = async (appId, roundId, increments) => {
      if (chunks++ > 0) return new Promise<void>(() => undefined);
      await repository.incrementUsage(appId, roundId, increments);
    };
    dying.markRoundApplied = () => new Promise<void>(() => undefined);
    const projector = new TrackingProjector(dying, clock, priority);
    const service = new TrackingService(repository, projector, priority, clock, suppressions);
    const calls = events(60, 'crash').map((call, i) => ({ ...call, companyId: `co_${i}` }));
    expect(await service.track('app_crash', calls)).toEqual({ stored: 60, duplicates: 0, suppressed: 0 });
    const counters = connection.collection<UsageDailyRecord>(RAW_COLLECTIONS.usageDaily);
    for (const until = Date.now() + 10_000; chunks < 2 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 20));
    expect(await counters.countDocuments({ appId: 'app_crash' })).toBe(25);

    const restarted = new TrackingProjector(repository, clock, priority);
    await restarted.onApplicationBootstrap();
    await restarted.idle();
    const stored = await counters.find({ appId: 'app_crash' }).toArray();
    expect(stored).toHaveLength(60);
    expect(stored.every((counter) => counter.count === 1)).toBe(true);
    // Each company's usage days hold its counter's day once, whether written before the crash or after.
    const days = await usageDays('app_crash');
    expect(days).toHaveLength(60);
    expect(days.every((doc) => doc.days.length === 1 && doc.days[0] === '2026-03-02|Sent message')).toBe(true);
    // Nothing is left to apply at the next start.
    expect(await connection.collection('tracking_projection_journal').countDocuments({ appId: 'app_crash' })).toBe(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(await connection.collection('tracking_projection_rounds').countDocuments({ appId: 'app_crash' })).toBe(0);
  });
});

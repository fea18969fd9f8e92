import { NamedFilterRepository } from '../src/named-filters/named-filter.repository';
import { NamedFiltersService } from '../src/named-filters/named-filters.service';
import { CompanyUsageDaysCompleteRecord, RAW_COLLECTIONS } from '@exportd/records';
import { ManualClock } from '@exportd/runtime';
import { testMongoUrl, usageRecords } from '@exportd/testing';
import mongoose, { Connection } from 'mongoose';
import { InvalidHistory } from '../src/company-usage/company-usage.errors';
import { CompanyFeatureRow } from '../src/company-usage/company-usage.metrics';
import { CompanyUsageRepository } from '../src/company-usage/company-usage.repository';
import { CompanyUsageService } from '../src/company-usage/company-usage.service';
import { FeatureRepository } from '../src/features/feature.repository';
import { FeaturesService } from '../src/features/features.service';
import { SegmentRepository } from '../src/segments/segment.repository';
import { SegmentsService } from '../src/segments/segments.service';
import { BIG_SPENDERS, buildScenario, cellsOf, expectedToday, MESSAGING } from './company-usage.scenario';

const TODAY = new Date('2026-03-04T15:00:00Z'); // a Wednesday

describe(CompanyUsageService.name, () => {
  let connection: Connection;
  let clock: ManualClock;
  let features: FeaturesService;
  let segments: SegmentsService;
  let sut: CompanyUsageService;
  const appId = 'app_scenario';
  const ids = { messaging: '', slack: '', bigSpenders: '' };

  async function rows(history: string, app = appId): Promise<CompanyFeatureRow[]> {
    const all: CompanyFeatureRow[] = [];
    for await (const batch of sut.streamRows(app, sut.dates(history), {}, 7)) {
      expect(batch.length).toBeLessThanOrEqual(7);
      all.push(...batch);
    }
    return all;
  }
  const find = (all: CompanyFeatureRow[], companyId: string, feature: string, date: string) => {
    const row = all.find((r) => r.companyId === companyId && r.featureName === feature && r.date === date);
    if (!row) throw new Error(`no row ${companyId} ${feature} ${date}`);
    return row;
  };

  let url: string;

  beforeAll(async () => {
    url = testMongoUrl('usage');
    connection = await mongoose.createConnection(url).asPromise();
    clock = new ManualClock(TODAY);
    features = new FeaturesService(new FeatureRepository(connection), clock);
    segments = new SegmentsService(
      new SegmentRepository(connection),
      clock,
      new NamedFiltersService(new NamedFilterRepository(connection), clock),
    );
    sut = new CompanyUsageService(new CompanyUsageRepository(connection), features, segments, clock);
    ids.messaging = (await features.create(appId, MESSAGING))._id;
    ids.slack = (
      await features.create(appId, { name: 'Slack', companyAttribute: { key: 'hasSlackEnabled', equalsJson: 'true' } })
    )._id;
    ids.bigSpenders = (await segments.create(appId, BIG_SPENDERS))._id;
    const records = usageRecords(appId);
    buildScenario(records, TODAY, ids.messaging);
    // Another app's data never shows.
    const other = usageRecords('app_other');
    other.event('c-retained', 'Sent message', new Date('2026-03-01T10:00:00Z'));
    await records.writeTo(url);
    await other.writeTo(url);
  });

  afterAll(async () => {
    await connection?.close();
  });

  it('today: one row per company and feature with the STARS states never, tried, retained, churned', async () => {
    const today = await rows('today');
    expect(today.map(cellsOf)).toEqual(expectedToday(TODAY, ids));
    expect(today.map((r) => `${r.companyId}/${r.featureName}=${r.starsState}`)).toEqual([
      'c-churned/Messaging=4',
      'c-churned/Slack=1',
      'c-never/Messaging=1',
      'c-never/Slack=3',
      'c-retained/Messaging=3',
      'c-retained/Slack=1',
      'c-tried/Messaging=2',
      'c-tried/Slack=1',
    ]);
  });

  it('30d-daily: rows as of each day, not seeing later events', async () => {
    const daily = await rows('30d-daily');
    const dates = [...new Set(daily.map((r) => r.date))];
    expect(dates).toHaveLength(30);
    expect(dates[0]).toBe('2026-02-03');
    expect(dates.at(-1)).toBe('2026-03-04');
    // c-tried was first seen on 02-20: no rows before.
    expect(daily.filter((r) => r.companyId === 'c-tried').map((r) => r.date)[0]).toBe('2026-02-20');
    expect(daily.filter((r) => r.companyId === 'c-retained')).toHaveLength(23 * 2);
    // Churn: adopted 01-13, last used 01-13; retained while used within 28 days (through 02-09).
    expect(find(daily, 'c-churned', 'Messaging', '2026-02-09').starsStateLabel).toBe('retained');
    expect(find(daily, 'c-churned', 'Messaging', '2026-02-10')).toMatchObject({ starsStateLabel: 'churned', starsState: 4 });
    // Retained: tried until the 5th day (02-26), retained from then; later uses not seen earlier.
    expect(find(daily, 'c-retained', 'Messaging', '2026-02-25')).toMatchObject({
      starsState: 2,
      lastUsed: '2026-02-22',
      lastSeen: '2026-02-25',
    });
    expect(find(daily, 'c-retained', 'Messaging', '2026-02-26')).toMatchObject({ starsState: 3, lastUsed: '2026-02-26' });
    // Satisfaction: latest score as of the date, and the count so far.
    expect(find(daily, 'c-retained', 'Messaging', '2026-02-14')).toMatchObject({
      satisfaction: null,
      satisfactionLabel: null,
      feedbackCount: 0,
    });
    expect(find(daily, 'c-retained', 'Messaging', '2026-02-20')).toMatchObject({
      satisfaction: 2,
      satisfactionLabel: 'dissatisfied',
      feedbackCount: 1,
    });
    expect(find(daily, 'c-retained', 'Messaging', '2026-02-25')).toMatchObject({
      satisfaction: 5,
      satisfactionLabel: 'very satisfied',
      feedbackCount: 2,
    });
    // Attribute feature: on from 02-01 until 02-10 (the attribute turned false on 02-11).
    expect(find(daily, 'c-never', 'Slack', '2026-02-04')).toMatchObject({
      starsStateLabel: 'tried',
      firstUsed: '2026-02-01',
      lastUsed: '2026-02-04',
    });
    expect(find(daily, 'c-never', 'Slack', '2026-02-05')).toMatchObject({
      starsStateLabel: 'retained',
      frequencyLabel: 'quarterly',
    }); // 5 days, one week
    expect(find(daily, 'c-never', 'Slack', '2026-02-12')).toMatchObject({
      lastUsed: '2026-02-10',
      frequencyLabel: 'daily',
      frequency: 3,
    });
    // Segment membership as of each date: spend went from 10 to 80 on 02-11.
    expect(find(daily, 'c-never', 'Messaging', '2026-02-10')).toMatchObject({ segmentNames: [], segmentIds: [] });
    expect(find(daily, 'c-never', 'Messaging', '2026-02-11')).toMatchObject({
      segmentNames: ['Big spenders'],
      segmentIds: [ids.bigSpenders],
    });
    // The last day equals the today snapshot.
    expect(daily.filter((r) => r.date === '2026-03-04')).toEqual(await rows('today'));
  });

  it('3m-weekly: full Monday-Sunday weeks dated by their Sunday, across the first week of the year', async () => {
    const weekly = await rows('3m-weekly');
    expect(sut.dates('3m-weekly')).toEqual([
      '2025-12-07',
      '2025-12-14',
      '2025-12-21',
      '2025-12-28',
      '2026-01-04',
      '2026-01-11',
      '2026-01-18',
      '2026-01-25',
      '2026-02-01',
      '2026-02-08',
      '2026-02-15',
      '2026-02-22',
      '2026-03-01',
    ]);
    const dates = [...new Set(weekly.map((r) => r.date))];
    expect(dates).toEqual([
      '2026-01-11',
      '2026-01-18',
      '2026-01-25',
      '2026-02-01',
      '2026-02-08',
      '2026-02-15',
      '2026-02-22',
      '2026-03-01',
    ]);
    // c-churned's first event was on Monday 01-05: not in the week ending Sunday 01-04 (no row then).
    expect(weekly.some((r) => r.companyId === 'c-churned' && r.date === '2026-01-04')).toBe(false);
    // Its use on Sunday 01-11 belongs to the week ending that day: 4 days, still tried.
    expect(find(weekly, 'c-churned', 'Messaging', '2026-01-11')).toMatchObject({
      starsState: 2,
      firstUsed: '2026-01-05',
      lastUsed: '2026-01-11',
    });
    expect(find(weekly, 'c-churned', 'Messaging', '2026-01-18')).toMatchObject({ starsState: 3, lastUsed: '2026-01-13' });
    expect(find(weekly, 'c-churned', 'Messaging', '2026-02-15')).toMatchObject({ starsState: 4 });
    // The current week (03-02..03-08) is partial: left out, so the use on 03-03 is in no weekly row.
    expect(find(weekly, 'c-retained', 'Messaging', '2026-03-01').lastUsed).toBe('2026-02-26');
    const sixMonths = await rows('6m-weekly');
    expect(sut.dates('6m-weekly')).toHaveLength(26);
    expect(new Set(sixMonths.map((r) => r.date)).size).toBe(8); // no company was seen before 01-05
    expect(sixMonths.filter((r) => r.date >= '2026-01-04')).toEqual(weekly);
  });

  it('week boundaries follow the clock: on a Monday the week that ended yesterday is included', async () => {
    clock.set(new Date('2026-03-02T00:00:00Z'));
    expect(sut.dates('3m-weekly').at(-1)).toBe('2026-03-01');
    clock.set(new Date('2026-03-01T23:59:59Z'));
    expect(sut.dates('3m-weekly').at(-1)).toBe('2026-02-22');
    clock.set(TODAY);
  });

  it('rejects an unknown history; an app without features has no rows', async () => {
    expect(() => sut.dates('yearly')).toThrow(InvalidHistory);
    expect(await rows('today', 'app_other')).toEqual([]);
  });

  describe('usage days', () => {
    const markers = () => connection.collection<CompanyUsageDaysCompleteRecord>(RAW_COLLECTIONS.companyUsageDaysComplete);

    it("reads the same rows from the daily counters while the app's usage days are not marked complete", async () => {
      const fromUsageDays = await rows('6m-weekly');
      expect(fromUsageDays.some((row) => row.lastUsed !== null)).toBe(true);
      await markers().deleteOne({ _id: appId });
      try {
        expect(await rows('6m-weekly')).toEqual(fromUsageDays);
      } finally {
        await markers().insertOne({ _id: appId, at: new Date() });
      }
    });

    it("once the app is marked complete, reads each company's days from its usage days document", async () => {
      const app = 'app_usage_days';
      await features.create(app, MESSAGING);
      await usageRecords(app).eventOnDays('acme', 'Sent message', ['2026-03-01']).writeTo(url);
      // Without its counters, only the usage days document says the company used the feature.
      await connection.collection(RAW_COLLECTIONS.usageDaily).deleteMany({ appId: app });
      expect((await rows('today', app)).map((row) => row.lastUsed)).toEqual(['2026-03-01']);
      await markers().deleteOne({ _id: app });
      expect((await rows('today', app)).map((row) => row.lastUsed)).toEqual([null]);
    });
  });
});

import { analytics, rowFilter } from '@exportd/contracts';
import { ManualClock } from '@exportd/runtime';
import { testMongoUrl, usageRecords } from '@exportd/testing';
import mongoose, { Connection } from 'mongoose';
import { InvalidHistory } from '../src/company-usage/company-usage.errors';
import { COMPANY_BY_COMPANY_MAX, CompanyUsageRepository } from '../src/company-usage/company-usage.repository';
import { CompanyUsageService } from '../src/company-usage/company-usage.service';
import { ExclusionsRepository } from '../src/exclusions/exclusions.repository';
import { ExclusionsService } from '../src/exclusions/exclusions.service';
import { FeatureRepository } from '../src/features/feature.repository';
import { FeaturesService } from '../src/features/features.service';
import { NamedFilterRepository } from '../src/named-filters/named-filter.repository';
import { NamedFiltersService } from '../src/named-filters/named-filters.service';
import { InvalidRowFilter } from '../src/rows/rows.errors';
import { RowsRepository } from '../src/rows/rows.repository';
import { RowsService } from '../src/rows/rows.service';
import { SegmentRepository } from '../src/segments/segment.repository';
import { SegmentsService } from '../src/segments/segments.service';
import { BIG_SPENDERS, buildScenario, MESSAGING } from './company-usage.scenario';

const TODAY = new Date('2026-03-04T15:00:00Z'); // a Wednesday
const COMPANIES = ['c-churned', 'c-never', 'c-retained', 'c-tried'];

type Row = Record<string, unknown>;

/** StreamRows' company_features rows through RowsService, against the real database. */
describe(`${RowsService.name}: company_features`, () => {
  let connection: Connection;
  let exclusions: ExclusionsService;
  let sut: RowsService;
  const appId = 'app_company_rows';
  let bigSpenders = '';

  const filter = rowFilter;

  async function rows(fields: Partial<analytics.RowFilter>): Promise<Row[]> {
    const source = await sut.open(appId, analytics.DataType.DATA_TYPE_COMPANY_FEATURES, filter(fields), 7);
    if (source.dataType !== 'company_features') throw new Error('not company_features rows');
    const all: Row[] = [];
    for await (const batch of source.batches) all.push(...batch.map((row) => JSON.parse(source.encoding.encode(row)) as Row));
    return all;
  }
  const companiesOf = (all: Row[]) => [...new Set(all.map((row) => row['Company ID']))];

  beforeAll(async () => {
    const url = testMongoUrl('company-feature-rows');
    connection = await mongoose.createConnection(url).asPromise();
    const clock = new ManualClock(TODAY);
    const namedFilters = new NamedFiltersService(new NamedFilterRepository(connection), clock);
    const features = new FeaturesService(new FeatureRepository(connection), clock);
    const segments = new SegmentsService(new SegmentRepository(connection), clock, namedFilters);
    exclusions = new ExclusionsService(new ExclusionsRepository(connection), clock);
    const companyUsage = new CompanyUsageService(new CompanyUsageRepository(connection), features, segments, clock);
    sut = new RowsService(new RowsRepository(connection), exclusions, companyUsage, segments, namedFilters, features);

    const messaging = (await features.create(appId, MESSAGING))._id;
    await features.create(appId, { name: 'Slack', companyAttribute: { key: 'hasSlackEnabled', equalsJson: 'true' } });
    bigSpenders = (await segments.create(appId, BIG_SPENDERS))._id;
    const records = usageRecords(appId);
    buildScenario(records, TODAY, messaging);
    await records.writeTo(url);
  });

  afterAll(async () => {
    await connection?.dropDatabase();
    await connection?.close();
  });

  it('a day range: one row per company, feature and day, each the row the history computes for that date', async () => {
    const ranged = await rows({ fromDay: '2026-02-18', toDay: '2026-03-04' });
    const days = [...new Set(ranged.map((row) => row.Date))];
    expect(days).toHaveLength(15);
    expect([days[0], days.at(-1)]).toEqual(['2026-02-18', '2026-03-04']);
    const keys = ranged.map((row) => `${row['Company ID']}|${row['Feature Name']}|${row.Date}`);
    expect(new Set(keys).size).toBe(ranged.length);
    // Every company on every day (c-tried only from its first seen, 02-20), both features.
    expect(ranged).toHaveLength((15 * 3 + 13) * 2);

    const daily = await rows({ history: '30d-daily' });
    expect(ranged).toEqual(daily.filter((row) => (row.Date as string) >= '2026-02-18'));
    // A few days that differ from each other, so the rows are not all the same.
    expect(new Set(ranged.map((row) => row['STARS State Label'])).size).toBeGreaterThan(2);

    const weekly = await rows({ history: '3m-weekly' });
    const sundays = ['2026-02-01', '2026-02-08', '2026-02-15', '2026-02-22', '2026-03-01'];
    const month = await rows({ fromDay: '2026-02-01', toDay: '2026-03-03' });
    expect(month.filter((row) => sundays.includes(row.Date as string))).toEqual(
      weekly.filter((row) => sundays.includes(row.Date as string)),
    );

    expect(await rows({ fromDay: '2026-03-04', toDay: '2026-03-04' })).toEqual(await rows({ history: 'today' }));
  });

  it('company_ids and segment_id keep only those companies, read one by one or in one pass', async () => {
    const range = { fromDay: '2026-02-25', toDay: '2026-03-04' };
    const all = await rows(range);
    expect(companiesOf(all)).toEqual(COMPANIES);

    // c-retained has feedback, the other two have none.
    const three = await rows({ ...range, companyIds: ['c-tried', 'c-retained', 'c-never', 'c-unknown'] });
    expect(companiesOf(three)).toEqual(['c-never', 'c-retained', 'c-tried']);
    expect(three).toEqual(all.filter((row) => row['Company ID'] !== 'c-churned'));
    expect(three.some((row) => row['Feedback Count'] === 2)).toBe(true);
    const many = Array.from({ length: COMPANY_BY_COMPANY_MAX }, (_, i) => `c-other-${i}`);
    expect(await rows({ ...range, companyIds: [...many, 'c-tried', 'c-retained', 'c-never'] })).toEqual(three);

    // Big spenders: c-never alone spends >= 50 (as of its current attributes).
    const members = await rows({ ...range, segmentId: bigSpenders });
    expect(companiesOf(members)).toEqual(['c-never']);
    expect(await rows({ ...range, segmentId: bigSpenders, companyIds: ['c-never', 'c-tried'] })).toEqual(members);
    expect(await rows({ ...range, segmentId: bigSpenders, companyIds: ['c-tried'] })).toEqual([]);
    expect(await rows({ history: 'today', segmentId: bigSpenders })).toEqual(
      (await rows({ history: 'today' })).filter((row) => row['Company ID'] === 'c-never'),
    );
  });

  it('apply_exclusions leaves out the excluded companies (user exclusions do not apply to company rows)', async () => {
    await exclusions.put(appId, { userIds: ['u-anyone'], companyIds: ['c-churned', 'c-tried'] });
    try {
      const range = { fromDay: '2026-03-01', toDay: '2026-03-04' };
      expect(companiesOf(await rows({ ...range, applyExclusions: true }))).toEqual(['c-never', 'c-retained']);
      expect(companiesOf(await rows({ ...range, applyExclusions: false }))).toEqual(COMPANIES);
      expect(companiesOf(await rows({ history: 'today', applyExclusions: true }))).toEqual(['c-never', 'c-retained']);
      expect(companiesOf(await rows({ ...range, applyExclusions: true, companyIds: ['c-tried', 'c-retained'] }))).toEqual([
        'c-retained',
      ]);
    } finally {
      await exclusions.put(appId, { userIds: [], companyIds: [] });
    }
  });

  it.each([
    [{ history: 'today', fromDay: '2026-03-01', toDay: '2026-03-04' }, 'give either history or from_day..to_day'],
    [{ history: '30d-daily', toDay: '2026-03-04' }, 'give either history or from_day..to_day'],
    [{}, 'company_features needs either history or from_day and to_day'],
    [{ fromDay: '2026-03-01' }, 'from_day and to_day must be YYYY-MM-DD'],
    [{ fromDay: '2026-02-30', toDay: '2026-03-04' }, 'from_day and to_day must be YYYY-MM-DD'],
    [{ fromDay: '2026-03-04', toDay: '2026-03-01' }, 'from_day must not be after to_day'],
    [
      { fromDay: '2026-02-01', toDay: '2026-03-04' },
      'from_day..to_day is 32 days; company_features takes at most 31 days (or a history)',
    ],
  ])('refuses %j: %s', async (fields, message) => {
    const refused = sut.open(appId, analytics.DataType.DATA_TYPE_COMPANY_FEATURES, filter(fields));
    await expect(refused).rejects.toThrow(InvalidRowFilter);
    await expect(refused).rejects.toThrow(message);
  });

  it('takes 31 days; refuses an unknown history', async () => {
    const month = await rows({ fromDay: '2026-02-02', toDay: '2026-03-04' });
    expect(new Set(month.map((row) => row.Date)).size).toBe(31);
    await expect(sut.open(appId, analytics.DataType.DATA_TYPE_COMPANY_FEATURES, filter({ history: 'yearly' }))).rejects.toThrow(
      InvalidHistory,
    );
  });
});

import { analytics, rowFilter } from '@exportd/contracts';
import { COMPANY_FEATURE_COLUMNS } from '@exportd/records';
import { ManualClock } from '@exportd/runtime';
import { testMongoUrl, usageRecords } from '@exportd/testing';
import mongoose, { Connection } from 'mongoose';
import { CompanyUsageRepository } from '../src/company-usage/company-usage.repository';
import { CompanyUsageService } from '../src/company-usage/company-usage.service';
import { tableColumns } from '../src/dimensions/dimensions';
import { ExclusionsRepository } from '../src/exclusions/exclusions.repository';
import { ExclusionsService } from '../src/exclusions/exclusions.service';
import { FeatureRepository } from '../src/features/feature.repository';
import { FeaturesService } from '../src/features/features.service';
import { NamedFilterRepository } from '../src/named-filters/named-filter.repository';
import { NamedFiltersService } from '../src/named-filters/named-filters.service';
import { RowsRepository } from '../src/rows/rows.repository';
import { ALL_COLUMNS, ColumnSelection, RowsService } from '../src/rows/rows.service';
import { SegmentRepository } from '../src/segments/segment.repository';
import { SegmentsService } from '../src/segments/segments.service';
import { buildScenario, MESSAGING } from './company-usage.scenario';

const TODAY = new Date('2026-03-04T15:00:00Z');
const RANGE = { fromDay: '2026-02-25', toDay: '2026-03-04' };
const COMPANY_FEATURES = analytics.DataType.DATA_TYPE_COMPANY_FEATURES;

/** company_features rows with chosen columns, and their count, through RowsService against the real database. */
describe(`${RowsService.name}: company_features columns and count`, () => {
  let connection: Connection;
  let sut: RowsService;
  const appId = 'app_company_feature_columns';

  async function streamed(
    fields: Partial<analytics.RowFilter>,
    selection: Partial<ColumnSelection> = {},
  ): Promise<{ columns: string[]; rows: string[] }> {
    const query = await sut.open(appId, COMPANY_FEATURES, rowFilter(fields), 5, { ...ALL_COLUMNS, ...selection });
    const sent = { columns: [] as string[], rows: [] as string[] };
    await sut.stream(
      query,
      {
        write: (batch) => {
          sent.columns.push(...batch.columns);
          sent.rows.push(...batch.rowsJson);
          return true;
        },
        drained: () => Promise.resolve(),
        cancelled: () => false,
      },
      5,
    );
    return sent;
  }

  beforeAll(async () => {
    const url = testMongoUrl('company-feature-columns');
    connection = await mongoose.createConnection(url).asPromise();
    const clock = new ManualClock(TODAY);
    const namedFilters = new NamedFiltersService(new NamedFilterRepository(connection), clock);
    const features = new FeaturesService(new FeatureRepository(connection), clock);
    const segments = new SegmentsService(new SegmentRepository(connection), clock, namedFilters);
    const exclusions = new ExclusionsService(new ExclusionsRepository(connection), clock);
    const companyUsage = new CompanyUsageService(new CompanyUsageRepository(connection), features, segments, clock);
    sut = new RowsService(new RowsRepository(connection), exclusions, companyUsage, segments, namedFilters, features);

    const messaging = (await features.create(appId, MESSAGING))._id;
    await features.create(appId, { name: 'Slack', companyAttribute: { key: 'hasSlackEnabled', equalsJson: 'true' } });
    const records = usageRecords(appId);
    buildScenario(records, TODAY, messaging);
    await records.writeTo(url);
  });

  afterAll(async () => {
    await connection?.dropDatabase();
    await connection?.close();
  });

  it('picks columns by return name; display names are the headers, the same rows as without a selection', async () => {
    const all = await streamed(RANGE);
    expect(all.columns).toEqual(COMPANY_FEATURE_COLUMNS);
    expect(await streamed(RANGE, { useDisplayNames: true })).toEqual(all);
    const everyName = tableColumns('company_features').map((column) => column.returnName);
    const byReturnName = await streamed(RANGE, { dimensions: everyName });
    expect(byReturnName.columns).toEqual(everyName);
    expect(byReturnName.rows.map((row) => Object.values(JSON.parse(row) as object))).toEqual(
      all.rows.map((row) => Object.values(JSON.parse(row) as object)),
    );

    const dimensions = ['feature_name', 'date', 'company_id', 'first_seen_day', 'stars_state'];
    const picked = await streamed(RANGE, { dimensions });
    expect(picked.columns).toEqual(dimensions);
    const full = all.rows.map((row) => JSON.parse(row) as Record<string, unknown>);
    expect(picked.rows).toEqual(
      full.map(
        (row) =>
          `{"feature_name":${JSON.stringify(row['Feature Name'])},"date":${JSON.stringify(row.Date)},` +
          `"company_id":${JSON.stringify(row['Company ID'])},"first_seen_day":${JSON.stringify(row['First Seen'])},` +
          `"stars_state":${JSON.stringify(row['STARS State'])}}`,
      ),
    );
    const displayed = await streamed(RANGE, { dimensions, useDisplayNames: true });
    expect(displayed.columns).toEqual(['Feature Name', 'Date', 'Company ID', 'First Seen', 'STARS State']);
  });

  it('refuses dimensions company_features does not have', async () => {
    await expect(
      sut.open(appId, COMPANY_FEATURES, rowFilter(RANGE), 0, {
        dimensions: ['first_seen', 'attributes.plan'],
        useDisplayNames: false,
      }),
    ).rejects.toMatchObject({
      code: 'unknown_dimensions',
      message: 'unknown dimensions for company_features: first_seen, attributes.plan',
    });
  });

  it.each<[string, Partial<analytics.RowFilter>]>([
    ['a day range', RANGE],
    ['a history', { history: '30d-daily' }],
    ['companies', { ...RANGE, companyIds: ['c-tried', 'c-retained'] }],
    ['a row filter', { ...RANGE, expressions: ["'Feature Name' == 'Slack'"] }],
  ])('counts exactly the rows it streams: %s', async (_name, fields) => {
    const { rows } = await streamed(fields);
    expect(rows.length).toBeGreaterThan(0);
    expect(await sut.count(appId, COMPANY_FEATURES, rowFilter(fields))).toBe(rows.length);
  });
});

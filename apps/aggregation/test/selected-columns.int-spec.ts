import { analytics, rowFilter } from '@exportd/contracts';
import { CompanyProfileRecord, RAW_COLLECTIONS, TrackingCallRecord, UserProfileRecord } from '@exportd/records';
import { ManualClock } from '@exportd/runtime';
import { companyProfile, testMongoUrl, trackingCall, userProfile } from '@exportd/testing';
import mongoose, { Connection } from 'mongoose';
import { CompanyUsageRepository } from '../src/company-usage/company-usage.repository';
import { CompanyUsageService } from '../src/company-usage/company-usage.service';
import { DimensionTable, tableColumns } from '../src/dimensions/dimensions';
import { ExclusionsRepository } from '../src/exclusions/exclusions.repository';
import { ExclusionsService } from '../src/exclusions/exclusions.service';
import { FeatureRepository } from '../src/features/feature.repository';
import { FeaturesService } from '../src/features/features.service';
import { NamedFilterRepository } from '../src/named-filters/named-filter.repository';
import { NamedFiltersService } from '../src/named-filters/named-filters.service';
import { EVENT_COLUMNS, FEEDBACK_COLUMNS, USER_COLUMNS } from '../src/rows/row-encoders';
import { RowsRepository } from '../src/rows/rows.repository';
import { ALL_COLUMNS, ColumnSelection, RowsService } from '../src/rows/rows.service';
import { SegmentRepository } from '../src/segments/segment.repository';
import { SegmentsService } from '../src/segments/segments.service';

const DAYS = { fromDay: '2026-03-02', toDay: '2026-03-03' };
const { DATA_TYPE_EVENTS: EVENTS, DATA_TYPE_FEEDBACK: FEEDBACK, DATA_TYPE_USERS: USERS } = analytics.DataType;

/** StreamRows' dimensions and use_display_names through RowsService, against the real database. */
describe(`${RowsService.name}: selected columns`, () => {
  let connection: Connection;
  let sut: RowsService;
  const appId = 'app_selected_columns';

  /** Every batch as sent: the columns (first batch) and the rows' JSON text. */
  async function streamed(
    dataType: analytics.DataType,
    selection: Partial<ColumnSelection>,
    fields: Partial<analytics.RowFilter> = DAYS,
  ): Promise<{ columns: string[]; rows: string[] }> {
    const query = await sut.open(appId, dataType, rowFilter(fields), 0, { ...ALL_COLUMNS, ...selection });
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
      2,
    );
    return sent;
  }
  const parsed = (rows: string[]) => rows.map((row) => JSON.parse(row) as Record<string, unknown>);

  beforeAll(async () => {
    const url = testMongoUrl('selected-columns');
    connection = await mongoose.createConnection(url).asPromise();
    const clock = new ManualClock(new Date('2026-03-04T00:00:00Z'));
    const namedFilters = new NamedFiltersService(new NamedFilterRepository(connection), clock);
    const features = new FeaturesService(new FeatureRepository(connection), clock);
    const segments = new SegmentsService(new SegmentRepository(connection), clock, namedFilters);
    const exclusions = new ExclusionsService(new ExclusionsRepository(connection), clock);
    const companyUsage = new CompanyUsageService(new CompanyUsageRepository(connection), features, segments, clock);
    sut = new RowsService(new RowsRepository(connection), exclusions, companyUsage, segments, namedFilters, features);

    await connection.collection<TrackingCallRecord>(RAW_COLLECTIONS.calls).insertMany([
      trackingCall(appId, {
        messageId: 'e1',
        userId: 'u1',
        companyId: 'acme',
        event: 'Opened "report"',
        timestamp: '2026-03-02T10:00:00.123Z',
        attributes: { plan: 'pro', seats: 12, tags: ['a', 'b'], nested: { deep: true } },
      }),
      trackingCall(appId, { messageId: 'e2', userId: 'u2', event: 'Sent', timestamp: '2026-03-03T11:00:00Z' }),
      trackingCall(appId, {
        messageId: 'i1',
        type: 'company',
        userId: 'u2',
        companyId: 'beta',
        timestamp: '2026-03-03T12:00:00Z',
      }),
      trackingCall(appId, {
        messageId: 'f1',
        type: 'feedback',
        userId: 'u1',
        featureId: 'feat',
        score: 4,
        comment: 'line\nbreak',
        timestamp: '2026-03-02T09:00:00Z',
        attributes: { plan: 'free' },
      }),
    ]);
    await connection
      .collection<UserProfileRecord>(RAW_COLLECTIONS.users)
      .insertMany([
        userProfile(appId, 'u1', new Date('2026-03-01T00:00:00Z'), { plan: 'pro', 'a.b': 1 }, ['acme']),
        userProfile(appId, 'u2', new Date('2026-03-02T00:00:00Z')),
      ]);
    await connection
      .collection<CompanyProfileRecord>(RAW_COLLECTIONS.companies)
      .insertOne(companyProfile(appId, 'acme', new Date('2026-03-01T00:00:00Z'), { plan: 'pro' }, ['u1']));
  });

  afterAll(async () => {
    await connection?.dropDatabase();
    await connection?.close();
  });

  it('without dimensions or display names, sends every column as before', async () => {
    const events = await streamed(EVENTS, {});
    expect(events.columns).toEqual(EVENT_COLUMNS);
    expect(events.rows).toHaveLength(3);
    expect(events.rows[0]).toBe(
      '{"event_type":"track","event_name":"Opened \\"report\\"","user_id":"u1","company_id":"acme",' +
        '"timestamp":"2026-03-02T10:00:00.123Z","day":"2026-03-02","message_id":"e1","feature_id":null,' +
        '"feature_name":null,"score":null,"comment":null,"url":null,"path":null,"title":null,"referrer":null,' +
        '"attributes":{"plan":"pro","seats":12,"tags":["a","b"],"nested":{"deep":true}}}',
    );
    expect((await streamed(FEEDBACK, {})).columns).toEqual(FEEDBACK_COLUMNS);
    expect((await streamed(USERS, {})).columns).toEqual(USER_COLUMNS);
  });

  it.each<[DimensionTable, analytics.DataType]>([
    ['events', EVENTS],
    ['feedback', FEEDBACK],
    ['users', USERS],
    ['companies', analytics.DataType.DATA_TYPE_COMPANIES],
  ])('every return name of %s in catalogue order sends the same bytes as no dimensions', async (table, dataType) => {
    const dimensions = tableColumns(table).map((column) => column.returnName);
    const all = await streamed(dataType, {});
    expect(all.rows.length).toBeGreaterThan(0);
    expect(await streamed(dataType, { dimensions })).toEqual(all);
  });

  it('picks and orders the columns by return name, the rows keyed the same way', async () => {
    const dimensions = ['timestamp', 'user_id', 'attributes.plan', 'event_name', 'attributes.nested', 'attributes.missing'];
    const sent = await streamed(EVENTS, { dimensions }, { ...DAYS, expressions: ["event_type == 'track'"] });
    expect(sent.columns).toEqual(dimensions);
    expect(sent.rows[0]).toBe(
      '{"timestamp":"2026-03-02T10:00:00.123Z","user_id":"u1","attributes.plan":"pro","event_name":"Opened \\"report\\"",' +
        '"attributes.nested":{"deep":true},"attributes.missing":null}',
    );
    expect(parsed(sent.rows).map((row) => Object.keys(row))).toEqual([dimensions, dimensions]);
  });

  it('names the columns by display name (an attribute by its key)', async () => {
    const all = await streamed(FEEDBACK, { useDisplayNames: true });
    expect(all.columns).toEqual(tableColumns('feedback').map((column) => column.displayName));
    expect(parsed(all.rows)).toEqual([
      {
        'User ID': 'u1',
        'Company ID': null,
        'Feature ID': 'feat',
        Score: 4,
        Comment: 'line\nbreak',
        Question: null,
        'Prompted Question': null,
        'Prompt ID': null,
        Source: null,
        'Feedback ID': null,
        Timestamp: '2026-03-02T09:00:00.000Z',
        Day: '2026-03-02',
        'Message ID': 'f1',
        Attributes: { plan: 'free' },
      },
    ]);
    const picked = await streamed(USERS, { dimensions: ['attributes.a.b', 'company_ids', 'user_id'], useDisplayNames: true });
    expect(picked.columns).toEqual(['a.b', 'Company IDs', 'User ID']);
    expect(picked.rows).toEqual([
      '{"a.b":1,"Company IDs":["acme"],"User ID":"u1"}',
      '{"a.b":null,"Company IDs":[],"User ID":"u2"}',
    ]);
  });

  it('a row filter tests columns the selection leaves out', async () => {
    const sent = await streamed(EVENTS, { dimensions: ['event_name'] }, { ...DAYS, expressions: ['attributes.seats > 10'] });
    expect(sent.rows).toEqual(['{"event_name":"Opened \\"report\\""}']);
  });

  it.each<[analytics.DataType, string[], string, string]>([
    [EVENTS, ['foo', 'user_id', 'bar'], 'unknown_dimensions', 'unknown dimensions for events: foo, bar'],
    [USERS, ['event_name', 'attributes.'], 'unknown_dimensions', 'unknown dimensions for users: event_name, attributes.'],
    [FEEDBACK, ['event_type'], 'unknown_dimensions', 'unknown dimensions for feedback: event_type'],
    [EVENTS, ['user_id', 'day', 'user_id'], 'duplicate_columns', 'columns named twice: user_id'],
  ])('refuses the dimensions of data type %s %j', async (dataType, dimensions, code, message) => {
    await expect(sut.open(appId, dataType, rowFilter(DAYS), 0, { dimensions, useDisplayNames: false })).rejects.toMatchObject({
      kind: 'invalid',
      code,
      message,
    });
  });

  it('refuses two columns that display names would name alike', async () => {
    const selection = { dimensions: ['user_id', 'attributes.User ID'], useDisplayNames: true };
    await expect(sut.open(appId, USERS, rowFilter(DAYS), 0, selection)).rejects.toMatchObject({
      code: 'duplicate_columns',
      message: 'columns named twice: User ID',
    });
  });
});

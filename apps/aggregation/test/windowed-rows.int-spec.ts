import { analytics, rowFilter } from '@exportd/contracts';
import { CompanyProfileRecord, RAW_COLLECTIONS, TrackingCallRecord, UserProfileRecord, utcDay } from '@exportd/records';
import { ManualClock } from '@exportd/runtime';
import { companyProfile, testMongoUrl, trackingCall, TrackingCallInput, userProfile } from '@exportd/testing';
import mongoose, { Connection } from 'mongoose';
import { CompanyUsageRepository } from '../src/company-usage/company-usage.repository';
import { CompanyUsageService } from '../src/company-usage/company-usage.service';
import { ExclusionsRepository } from '../src/exclusions/exclusions.repository';
import { ExclusionsService } from '../src/exclusions/exclusions.service';
import { FeatureRepository } from '../src/features/feature.repository';
import { FeaturesService } from '../src/features/features.service';
import { NamedFilterRepository } from '../src/named-filters/named-filter.repository';
import { NamedFiltersService } from '../src/named-filters/named-filters.service';
import { RowsRepository } from '../src/rows/rows.repository';
import { RowsService } from '../src/rows/rows.service';
import { SegmentRepository } from '../src/segments/segment.repository';
import { SegmentsService } from '../src/segments/segments.service';

/** A window across a UTC midnight, to the millisecond. */
const FROM = new Date('2026-03-02T18:00:00.000Z');
const TO = new Date('2026-03-03T06:00:00.000Z');
const WINDOW = { timeFrom: FROM, timeTo: TO, fromDay: '2026-03-02', toDay: '2026-03-03' };
const ms = (at: Date, delta: number) => new Date(at.getTime() + delta);

const { DATA_TYPE_EVENTS: EVENTS, DATA_TYPE_FEEDBACK: FEEDBACK, DATA_TYPE_USERS: USERS } = analytics.DataType;
const { DATA_TYPE_COMPANIES: COMPANIES, DATA_TYPE_COMPANY_FEATURES: COMPANY_FEATURES } = analytics.DataType;

/** StreamRows and CountRows in an event-time window through RowsService, against the real database. */
describe(`${RowsService.name}: rows in an event-time window`, () => {
  let connection: Connection;
  let exclusions: ExclusionsService;
  let sut: RowsService;
  const appId = 'app_windowed_rows';

  /** The rows as streamed, parsed. */
  async function streamed(
    dataType: analytics.DataType,
    fields: Partial<analytics.RowFilter>,
  ): Promise<Record<string, unknown>[]> {
    const query = await sut.open(appId, dataType, rowFilter(fields));
    const rows: Record<string, unknown>[] = [];
    await sut.stream(
      query,
      {
        write: (batch) => {
          for (const row of batch.rowsJson) rows.push(JSON.parse(row) as Record<string, unknown>);
          return true;
        },
        drained: () => Promise.resolve(),
        cancelled: () => false,
      },
      2,
    );
    return rows;
  }
  const ids = async (dataType: analytics.DataType, fields: Partial<analytics.RowFilter>, key = 'message_id') =>
    (await streamed(dataType, fields)).map((row) => row[key]).sort();

  // Received when it happened, so reception windows hold these calls too.
  function call(input: TrackingCallInput, app = appId): TrackingCallRecord {
    const record = trackingCall(app, input);
    return { ...record, receivedDay: utcDay(record.receivedAt) };
  }
  function seen<T extends UserProfileRecord | CompanyProfileRecord>(profile: T, lastSeen: Date | null): T {
    return { ...profile, lastSeen };
  }

  beforeAll(async () => {
    const url = testMongoUrl('windowed-rows');
    connection = await mongoose.createConnection(url).asPromise();
    const clock = new ManualClock(TO);
    const namedFilters = new NamedFiltersService(new NamedFilterRepository(connection), clock);
    const features = new FeaturesService(new FeatureRepository(connection), clock);
    const segments = new SegmentsService(new SegmentRepository(connection), clock, namedFilters);
    exclusions = new ExclusionsService(new ExclusionsRepository(connection), clock);
    const companyUsage = new CompanyUsageService(new CompanyUsageRepository(connection), features, segments, clock);
    const rows = new RowsRepository(connection);
    await rows.onModuleInit();
    sut = new RowsService(rows, exclusions, companyUsage, segments, namedFilters, features);

    const pro = { plan: 'pro' };
    await connection
      .collection<TrackingCallRecord>(RAW_COLLECTIONS.calls)
      .insertMany([
        call({ messageId: 'e-day-before', userId: 'u1', event: 'Opened', timestamp: '2026-03-01T20:00:00Z' }),
        call({ messageId: 'e-just-before', userId: 'u1', event: 'Opened', timestamp: ms(FROM, -1) }),
        call({ messageId: 'e-at-from', userId: 'u1', companyId: 'acme', event: 'Opened', timestamp: FROM, attributes: pro }),
        call({ messageId: 'e-last-ms-of-day', userId: 'u2', event: 'Sent', timestamp: '2026-03-02T23:59:59.999Z' }),
        call({ messageId: 'e-midnight', userId: 'u2', companyId: 'acme', event: 'Opened', timestamp: '2026-03-03T00:00:00Z' }),
        call({ messageId: 'e-just-before-to', userId: 'u1', event: 'Sent', timestamp: ms(TO, -1), attributes: pro }),
        call({ messageId: 'e-at-to', userId: 'u1', event: 'Opened', timestamp: TO, attributes: pro }),
        call({ messageId: 'e-day-after', userId: 'u1', event: 'Opened', timestamp: '2026-03-04T01:00:00Z' }),
        call({ messageId: 'i-user', type: 'user', userId: 'u2', timestamp: '2026-03-03T01:00:00Z' }),
        call({ messageId: 'f-in', type: 'feedback', userId: 'u1', featureId: 'f1', score: 5, timestamp: ms(FROM, 1) }),
        call({ messageId: 'f-at-to', type: 'feedback', userId: 'u2', featureId: 'f1', score: 1, timestamp: TO }),
        call({ messageId: 'other-app', userId: 'u1', event: 'Opened', timestamp: FROM }, 'app_other'),
      ]);
    const early = new Date('2026-02-01T00:00:00Z');
    await connection
      .collection<UserProfileRecord>(RAW_COLLECTIONS.users)
      .insertMany([
        seen(userProfile(appId, 'u-gone', early), ms(FROM, -1)),
        seen(userProfile(appId, 'u-last-at-from', early), FROM),
        seen(userProfile(appId, 'u-throughout', early, {}, ['acme']), new Date('2026-03-10T00:00:00Z')),
        seen(userProfile(appId, 'u-first-before-to', ms(TO, -1)), ms(TO, -1)),
        seen(userProfile(appId, 'u-first-at-to', TO), TO),
        seen(userProfile(appId, 'u-never-active', early), null),
      ]);
    await connection
      .collection<CompanyProfileRecord>(RAW_COLLECTIONS.companies)
      .insertMany([
        seen(companyProfile(appId, 'c-gone', early), ms(FROM, -1)),
        seen(companyProfile(appId, 'c-in', early, { plan: 'pro' }), FROM),
        seen(companyProfile(appId, 'c-new', ms(TO, -1), { plan: 'free' }), ms(TO, -1)),
        seen(companyProfile(appId, 'c-future', TO), TO),
      ]);
  });

  afterAll(async () => {
    await connection?.dropDatabase();
    await connection?.close();
  });

  it('holds the events of [time_from, time_to) to the millisecond, across the UTC midnight', async () => {
    expect(await ids(EVENTS, WINDOW)).toEqual(['e-at-from', 'e-just-before-to', 'e-last-ms-of-day', 'e-midnight', 'i-user']);
    expect(await ids(FEEDBACK, WINDOW)).toEqual(['f-in']);
    // Adjacent windows share no row; wider days than the window add none.
    const before = await ids(EVENTS, {
      ...WINDOW,
      timeFrom: new Date('2026-03-01T00:00:00Z'),
      timeTo: FROM,
      fromDay: '2026-03-01',
    });
    expect(before).toEqual(['e-day-before', 'e-just-before']);
    expect(await ids(EVENTS, { ...WINDOW, fromDay: '2026-02-20', toDay: '2026-03-31' })).toEqual(await ids(EVENTS, WINDOW));
  });

  it('a window ending at midnight needs only the days before it', async () => {
    const evening = { timeFrom: FROM, timeTo: new Date('2026-03-03T00:00:00Z'), fromDay: '2026-03-02', toDay: '2026-03-02' };
    expect(await ids(EVENTS, evening)).toEqual(['e-at-from', 'e-last-ms-of-day']);
  });

  it('every other filter still applies in a window', async () => {
    expect(await ids(EVENTS, { ...WINDOW, eventTypes: ['track'] })).toEqual([
      'e-at-from',
      'e-just-before-to',
      'e-last-ms-of-day',
      'e-midnight',
    ]);
    expect(await ids(EVENTS, { ...WINDOW, userIds: ['u2'] })).toEqual(['e-last-ms-of-day', 'e-midnight', 'i-user']);
    expect(await ids(EVENTS, { ...WINDOW, companyIds: ['acme'] })).toEqual(['e-at-from', 'e-midnight']);
    expect(await ids(EVENTS, { ...WINDOW, expressions: ["attributes.plan == 'pro'"] })).toEqual([
      'e-at-from',
      'e-just-before-to',
    ]);
    expect(await ids(EVENTS, { ...WINDOW, expressions: ["day == '2026-03-03'"] })).toEqual([
      'e-just-before-to',
      'e-midnight',
      'i-user',
    ]);
    await exclusions.put(appId, { userIds: ['u1'], companyIds: [] });
    try {
      expect(await ids(EVENTS, { ...WINDOW, applyExclusions: true })).toEqual(['e-last-ms-of-day', 'e-midnight', 'i-user']);
    } finally {
      await exclusions.put(appId, { userIds: [], companyIds: [] });
    }
  });

  it('holds the users and companies seen in the window: first seen before time_to, last seen at or after time_from', async () => {
    expect(await ids(USERS, WINDOW, 'user_id')).toEqual(['u-first-before-to', 'u-last-at-from', 'u-throughout']);
    expect(await ids(USERS, { ...WINDOW, companyIds: ['acme'] }, 'user_id')).toEqual(['u-throughout']);
    expect(await ids(COMPANIES, WINDOW, 'company_id')).toEqual(['c-in', 'c-new']);
    expect(await ids(COMPANIES, { ...WINDOW, expressions: ["attributes.plan == 'free'"] }, 'company_id')).toEqual(['c-new']);
  });

  it.each([
    [{ timeFrom: FROM }, 'time_from and time_to go together'],
    [{ timeTo: TO, fromDay: '2026-03-02', toDay: '2026-03-03' }, 'time_from and time_to go together'],
    [{ ...WINDOW, timeTo: FROM }, 'time_from must be before time_to'],
    [
      { timeFrom: FROM, timeTo: TO },
      'a time window (time_from..time_to) needs from_day and to_day covering its days, 2026-03-02..2026-03-03',
    ],
    [
      { ...WINDOW, toDay: '2026-03-02' },
      'from_day..to_day (2026-03-02..2026-03-02) must cover the UTC days of time_from..time_to (2026-03-02..2026-03-03)',
    ],
    [{ ...WINDOW, fromDay: '2026-03-04' }, 'from_day must not be after to_day'],
    [
      { ...WINDOW, fromDay: '2026-03-03' },
      'from_day..to_day (2026-03-03..2026-03-03) must cover the UTC days of time_from..time_to (2026-03-02..2026-03-03)',
    ],
    [
      { ...WINDOW, receivedFrom: FROM, receivedTo: TO },
      'give either a reception window (received_from..received_to) or a time window (time_from..time_to)',
    ],
  ])('refuses the time window %o: %s', async (fields, message) => {
    await expect(sut.open(appId, EVENTS, rowFilter(fields))).rejects.toMatchObject({ code: 'invalid_row_filter', message });
    await expect(sut.count(appId, EVENTS, rowFilter(fields))).rejects.toMatchObject({ code: 'invalid_row_filter', message });
  });

  it('refuses a time window for company_features', async () => {
    await expect(sut.open(appId, COMPANY_FEATURES, rowFilter(WINDOW))).rejects.toMatchObject({
      code: 'invalid_row_filter',
      message: 'company_features takes days or a history, not a time window',
    });
  });

  it.each<[string, analytics.DataType, Partial<analytics.RowFilter>]>([
    ['events of every type (type tested on each row)', EVENTS, WINDOW],
    ['events of one type (counted in the database)', EVENTS, { ...WINDOW, eventTypes: ['track'] }],
    ['events by user and company', EVENTS, { ...WINDOW, userIds: ['u1', 'u2'], companyIds: ['acme'] }],
    ['a residual row filter', EVENTS, { ...WINDOW, eventTypes: ['track'], expressions: ["attributes.plan == 'pro'"] }],
    ['a pushed-down row filter', EVENTS, { ...WINDOW, eventTypes: ['track'], expressions: ["event_name == 'Opened'"] }],
    ['feedback', FEEDBACK, WINDOW],
    ['a day range', EVENTS, { fromDay: '2026-03-01', toDay: '2026-03-04' }],
    ['users in the window', USERS, WINDOW],
    ['users of a day range', USERS, { fromDay: '2026-03-01', toDay: '2026-03-01' }],
    ['companies with a residual row filter', COMPANIES, { ...WINDOW, expressions: ["attributes.plan == 'pro'"] }],
    ['a reception window', EVENTS, { receivedFrom: FROM, receivedTo: TO }],
  ])('counts exactly the rows it streams: %s', async (_name, dataType, fields) => {
    const rows = await streamed(dataType, fields);
    expect(rows.length).toBeGreaterThan(0);
    expect(await sut.count(appId, dataType, rowFilter(fields))).toBe(rows.length);
  });

  it('counts no rows where none stream', async () => {
    expect(await sut.count(appId, EVENTS, rowFilter({ ...WINDOW, userIds: ['nobody'] }))).toBe(0);
  });
});

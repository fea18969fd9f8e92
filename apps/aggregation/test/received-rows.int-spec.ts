import { analytics, rowFilter } from '@exportd/contracts';
import { RAW_COLLECTIONS, TrackingCallRecord, utcDay } from '@exportd/records';
import { ManualClock } from '@exportd/runtime';
import { testMongoUrl, trackingCall, TrackingCallInput } from '@exportd/testing';
import mongoose, { Connection } from 'mongoose';
import { CompanyUsageRepository } from '../src/company-usage/company-usage.repository';
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

/** Two instants of reception on either side of a UTC midnight; the calls' own days are long before. */
const FIRST = new Date('2026-03-02T23:59:30Z');
const SECOND = new Date('2026-03-03T00:00:30Z');
const WINDOW_START = new Date('2026-03-02T12:00:00Z');
const WINDOW_END = new Date('2026-03-04T00:00:00Z');

/** StreamRows by reception time (incremental exports) through RowsService, against the real database. */
describe(`${RowsService.name}: rows by reception time`, () => {
  let connection: Connection;
  let exclusions: ExclusionsService;
  let sut: RowsService;
  const appId = 'app_received_rows';

  const filter = rowFilter;

  /** The rows' message ids, in the order they stream. */
  async function streamed(dataType: analytics.DataType, fields: Partial<analytics.RowFilter>): Promise<string[]> {
    const query = await sut.open(appId, dataType, filter(fields));
    const ids: string[] = [];
    await sut.stream(
      query,
      {
        write: (batch) => {
          for (const row of batch.rowsJson) ids.push((JSON.parse(row) as { message_id: string }).message_id);
          return true;
        },
        drained: () => Promise.resolve(),
        cancelled: () => false,
      },
      2,
    );
    return ids;
  }
  const events = (fields: Partial<analytics.RowFilter>) => streamed(analytics.DataType.DATA_TYPE_EVENTS, fields);

  function received(at: Date | null, input: TrackingCallInput, app = appId): TrackingCallRecord {
    const call = trackingCall(app, input);
    // A call stored before reception days were recorded: the gateway's receive time, no receivedDay.
    if (!at) return { ...call, receivedAt: FIRST };
    return { ...call, receivedAt: at, receivedDay: utcDay(at) };
  }

  beforeAll(async () => {
    const url = testMongoUrl('received-rows');
    connection = await mongoose.createConnection(url).asPromise();
    const clock = new ManualClock(SECOND);
    const namedFilters = new NamedFiltersService(new NamedFilterRepository(connection), clock);
    const features = new FeaturesService(new FeatureRepository(connection), clock);
    const segments = new SegmentsService(new SegmentRepository(connection), clock, namedFilters);
    exclusions = new ExclusionsService(new ExclusionsRepository(connection), clock);
    const companyUsage = new CompanyUsageService(new CompanyUsageRepository(connection), features, segments, clock);
    const rows = new RowsRepository(connection);
    await rows.onModuleInit();
    sut = new RowsService(rows, exclusions, companyUsage, segments, namedFilters, features);

    const oldDay = '2024-01-05T10:00:00Z';
    await connection.collection<TrackingCallRecord>(RAW_COLLECTIONS.calls).insertMany([
      received(FIRST, { messageId: 'a-open', userId: 'u1', companyId: 'acme', event: 'Opened report', timestamp: oldDay }),
      received(FIRST, {
        messageId: 'a-send',
        userId: 'u2',
        companyId: 'acme',
        event: 'Sent message',
        timestamp: '2023-12-31T23:00:00Z',
      }),
      received(FIRST, { messageId: 'a-user', type: 'user', userId: 'u1', timestamp: oldDay }),
      received(FIRST, { messageId: 'a-score', type: 'feedback', userId: 'u1', featureId: 'f1', score: 4, timestamp: oldDay }),
      // Received a minute later, the next UTC day, with the same event day as a-open.
      received(SECOND, { messageId: 'b-open', userId: 'u1', companyId: 'acme', event: 'Opened report', timestamp: oldDay }),
      received(SECOND, { messageId: 'b-send', userId: 'u2', companyId: 'beta', event: 'Sent message', timestamp: oldDay }),
      received(SECOND, { messageId: 'b-score', type: 'feedback', userId: 'u2', featureId: 'f1', score: 2, timestamp: oldDay }),
      received(null, { messageId: 'legacy', userId: 'u1', companyId: 'acme', event: 'Opened report', timestamp: oldDay }),
      received(FIRST, { messageId: 'other-app', userId: 'u1', event: 'Opened report', timestamp: oldDay }, 'app_other'),
    ]);
  });

  afterAll(async () => {
    await connection?.dropDatabase();
    await connection?.close();
  });

  it('a window holds exactly the calls received in it, the adjacent window the others, none twice', async () => {
    const before = await events({ receivedFrom: WINDOW_START, receivedTo: SECOND });
    const after = await events({ receivedFrom: SECOND, receivedTo: WINDOW_END });
    expect([...before].sort()).toEqual(['a-open', 'a-send', 'a-user']);
    expect([...after].sort()).toEqual(['b-open', 'b-send']);
    // Both days in one window: by received day, then record id; the same order on every run.
    const both = await events({ receivedFrom: WINDOW_START, receivedTo: WINDOW_END });
    expect(both).toEqual([...before, ...after]);
    expect(await events({ receivedFrom: WINDOW_START, receivedTo: WINDOW_END })).toEqual(both);
    // A window cutting the first day after its calls, and one before anything was received.
    expect(await events({ receivedFrom: new Date(FIRST.getTime() + 1), receivedTo: SECOND })).toEqual([]);
    expect(await events({ receivedFrom: new Date('2026-02-01T00:00:00Z'), receivedTo: WINDOW_START })).toEqual([]);

    expect(
      (await streamed(analytics.DataType.DATA_TYPE_FEEDBACK, { receivedFrom: WINDOW_START, receivedTo: SECOND })).sort(),
    ).toEqual(['a-score']);
    expect(await streamed(analytics.DataType.DATA_TYPE_FEEDBACK, { receivedFrom: SECOND, receivedTo: WINDOW_END })).toEqual([
      'b-score',
    ]);
  });

  it('every other filter still applies in a window', async () => {
    const window = { receivedFrom: WINDOW_START, receivedTo: WINDOW_END };
    expect((await events({ ...window, eventTypes: ['track'] })).sort()).toEqual(['a-open', 'a-send', 'b-open', 'b-send']);
    expect((await events({ ...window, userIds: ['u2'] })).sort()).toEqual(['a-send', 'b-send']);
    expect((await events({ ...window, companyIds: ['beta'] })).sort()).toEqual(['b-send']);
    expect((await events({ ...window, expressions: ["event_name == 'Opened report'"] })).sort()).toEqual(['a-open', 'b-open']);
    // A condition on the event day is ANDed with the reception window, not replaced by it.
    expect((await events({ ...window, expressions: ["day == '2023-12-31'"] })).sort()).toEqual(['a-send']);

    await exclusions.put(appId, { userIds: ['u1'], companyIds: [] });
    expect((await events({ ...window, applyExclusions: true })).sort()).toEqual(['a-send', 'b-send']);
    await exclusions.put(appId, { userIds: [], companyIds: [] });
  });

  it.each([
    [{ receivedFrom: WINDOW_START }, 'received_from and received_to go together'],
    [{ receivedTo: WINDOW_END }, 'received_from and received_to go together'],
    [{ receivedFrom: SECOND, receivedTo: SECOND }, 'received_from must be before received_to'],
    [
      { receivedFrom: WINDOW_START, receivedTo: WINDOW_END, fromDay: '2024-01-05', toDay: '2024-01-05' },
      'a reception window (received_from..received_to) takes no from_day or to_day',
    ],
    [
      { receivedFrom: new Date('2026-01-01T00:00:00Z'), receivedTo: new Date('2026-02-01T00:00:01Z') },
      'received_from..received_to spans 32 days; at most 31 days',
    ],
  ])('refuses the reception window %o: %s', async (fields, message) => {
    await expect(sut.open(appId, analytics.DataType.DATA_TYPE_EVENTS, filter(fields))).rejects.toMatchObject({
      code: 'invalid_row_filter',
      message,
    });
  });

  it('takes exactly 31 days', async () => {
    const window = { receivedFrom: new Date('2026-02-01T00:00:00Z'), receivedTo: new Date('2026-03-04T00:00:00Z') };
    expect((await events(window)).sort()).toEqual(['a-open', 'a-send', 'a-user', 'b-open', 'b-send']);
  });

  it.each([
    analytics.DataType.DATA_TYPE_USERS,
    analytics.DataType.DATA_TYPE_COMPANIES,
    analytics.DataType.DATA_TYPE_COMPANY_FEATURES,
  ])('refuses a reception window for data type %s', async (dataType) => {
    const refusal = sut.open(appId, dataType, filter({ receivedFrom: WINDOW_START, receivedTo: WINDOW_END }));
    await expect(refusal).rejects.toBeInstanceOf(InvalidRowFilter);
    await expect(refusal).rejects.toThrow('incremental exports hold events and feedback only');
  });
});

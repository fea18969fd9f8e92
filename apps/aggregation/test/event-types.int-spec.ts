import { analytics, rowFilter } from '@exportd/contracts';
import { RAW_COLLECTIONS, TrackingCallRecord } from '@exportd/records';
import { ManualClock } from '@exportd/runtime';
import { testMongoUrl, trackingCall } from '@exportd/testing';
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

const DAYS = { fromDay: '2026-03-02', toDay: '2026-03-02' };
const BULK_DEFAULT = ['identify_user', 'identify_company', 'page_view', 'track', 'track_feature', 'interaction', 'feedback'];
type Row = Record<string, unknown>;

/** The events data type's event types: page views, and the track_feature rows derived from track calls. */
describe(`${RowsService.name}: event types`, () => {
  let connection: Connection;
  let sut: RowsService;
  const appId = 'app_event_types';
  let reports = '';
  let messages = '';

  async function rows(eventTypes: string[], expressions: string[] = []): Promise<Row[]> {
    const filter = rowFilter({ ...DAYS, eventTypes, expressions });
    const query = await sut.open(appId, analytics.DataType.DATA_TYPE_EVENTS, filter, 2);
    const sent: Row[] = [];
    await sut.stream(
      query,
      {
        write: (batch) => {
          sent.push(...batch.rowsJson.map((json) => JSON.parse(json) as Row));
          return true;
        },
        drained: () => Promise.resolve(),
        cancelled: () => false,
      },
      2,
    );
    expect(await sut.count(appId, analytics.DataType.DATA_TYPE_EVENTS, filter)).toBe(sent.length);
    return sent;
  }
  const kinds = (sent: Row[]) => sent.map((row) => `${String(row.event_type)}:${String(row.event_name ?? row.title)}`);

  beforeAll(async () => {
    connection = await mongoose.createConnection(testMongoUrl('event-types')).asPromise();
    const clock = new ManualClock(new Date('2026-03-04T00:00:00Z'));
    const namedFilters = new NamedFiltersService(new NamedFilterRepository(connection), clock);
    const features = new FeaturesService(new FeatureRepository(connection), clock);
    const segments = new SegmentsService(new SegmentRepository(connection), clock, namedFilters);
    const exclusions = new ExclusionsService(new ExclusionsRepository(connection), clock);
    const companyUsage = new CompanyUsageService(new CompanyUsageRepository(connection), features, segments, clock);
    sut = new RowsService(new RowsRepository(connection), exclusions, companyUsage, segments, namedFilters, features);
    reports = (await features.create(appId, { name: 'Reports', events: ['Opened report', 'Exported report'] }))._id;
    messages = (await features.create(appId, { name: 'Messages', events: ['Opened report', 'Sent message'] }))._id;
    await features.create(appId, { name: 'Slack', companyAttribute: { key: 'slack', equalsJson: 'true' } });

    const at = (hour: number) => `2026-03-02T${String(hour).padStart(2, '0')}:00:00Z`;
    // Rows come in _id order: the messageIds sort as the calls happened.
    await connection.collection<TrackingCallRecord>(RAW_COLLECTIONS.calls).insertMany([
      trackingCall(appId, { type: 'user', messageId: 'a-user', userId: 'u1', timestamp: at(1) }),
      trackingCall(appId, { type: 'company', messageId: 'b-company', userId: 'u1', companyId: 'acme', timestamp: at(2) }),
      {
        ...trackingCall(appId, { type: 'page', messageId: 'c-page', userId: 'u1', companyId: 'acme', timestamp: at(3) }),
        url: 'https://app.example.com/reports?id=1',
        path: '/reports',
        title: 'Reports',
        referrer: 'https://example.com/',
      },
      trackingCall(appId, { messageId: 'd-event', userId: 'u1', companyId: 'acme', event: 'Opened report', timestamp: at(4) }),
      trackingCall(appId, { messageId: 'e-event', userId: 'u1', companyId: 'acme', event: 'Logged in', timestamp: at(5) }),
      trackingCall(appId, { messageId: 'f-event', userId: 'u1', companyId: 'acme', event: 'Sent message', timestamp: at(6) }),
      trackingCall(appId, {
        type: 'feedback',
        messageId: 'g-feedback',
        userId: 'u1',
        featureId: reports,
        score: 5,
        timestamp: at(7),
      }),
    ]);
  });

  afterAll(async () => {
    await connection?.dropDatabase();
    await connection?.close();
  });

  it("holds every event type of the Bulk API's default but interaction, a track_feature row per matching feature", async () => {
    const sent = await rows(BULK_DEFAULT);
    expect(kinds(sent)).toEqual([
      'identify_user:null',
      'identify_company:null',
      'page_view:Reports',
      'track:Opened report',
      'track_feature:Opened report',
      'track_feature:Opened report',
      'track:Logged in',
      'track:Sent message',
      'track_feature:Sent message',
      'feedback:null',
    ]);
    expect(sent[2]).toMatchObject({
      user_id: 'u1',
      company_id: 'acme',
      url: 'https://app.example.com/reports?id=1',
      path: '/reports',
      title: 'Reports',
      referrer: 'https://example.com/',
    });
    expect(sent.filter((row) => row.event_type === 'track_feature').map((row) => [row.feature_id, row.feature_name])).toEqual([
      // The app's features in their listed order (by name).
      [messages, 'Messages'],
      [reports, 'Reports'],
      [messages, 'Messages'],
    ]);
    expect(sent[4]).toMatchObject({
      user_id: 'u1',
      company_id: 'acme',
      message_id: 'd-event',
      timestamp: '2026-03-02T04:00:00.000Z',
    });
    expect(sent[3]).toMatchObject({ feature_id: null, feature_name: null });
  });

  it('sends the derived rows alone when track is not asked, and page views alone', async () => {
    expect(kinds(await rows(['track_feature']))).toEqual([
      'track_feature:Opened report',
      'track_feature:Opened report',
      'track_feature:Sent message',
    ]);
    expect(kinds(await rows(['page_view']))).toEqual(['page_view:Reports']);
    expect(await rows(['interaction'])).toEqual([]);
  });

  it('tests a row filter on the derived rows themselves', async () => {
    expect(kinds(await rows(BULK_DEFAULT, ["feature_name == 'Messages'"]))).toEqual([
      'track_feature:Opened report',
      'track_feature:Sent message',
    ]);
    expect(kinds(await rows(BULK_DEFAULT, ["path == '/reports'"]))).toEqual(['page_view:Reports']);
  });

  it('holds page views among every call when no event type is asked (no derived rows)', async () => {
    expect(kinds(await rows([]))).toEqual([
      'identify_user:null',
      'identify_company:null',
      'page_view:Reports',
      'track:Opened report',
      'track:Logged in',
      'track:Sent message',
    ]);
  });
});

import { RAW_COLLECTIONS } from '@exportd/records';
import { SystemClock } from '@exportd/runtime';
import { companyProfile, testMongoUrl, trackingCall, userProfile } from '@exportd/testing';
import mongoose, { Connection } from 'mongoose';
import { STATIC_DIMENSIONS } from '../src/dimensions/dimensions';
import { DimensionNotFound } from '../src/dimensions/dimensions.errors';
import { DimensionsService } from '../src/dimensions/dimensions.service';
import { NamedFilterRepository } from '../src/named-filters/named-filter.repository';
import { NamedFiltersService } from '../src/named-filters/named-filters.service';
import { LookupsService } from '../src/rows/lookups.service';
import { SegmentRepository } from '../src/segments/segment.repository';
import { SegmentsService } from '../src/segments/segments.service';

/** The dimension catalogue with the attribute keys sampled from the real database, per app. */
describe(DimensionsService.name, () => {
  let connection: Connection;
  let sut: DimensionsService;
  const appId = 'app_dimensions';
  const otherAppId = 'app_dimensions_other';
  const seen = new Date('2024-06-10T10:00:00Z');

  beforeAll(async () => {
    connection = await mongoose.createConnection(testMongoUrl('dimensions')).asPromise();
    const clock = new SystemClock();
    const namedFilters = new NamedFiltersService(new NamedFilterRepository(connection), clock);
    const segments = new SegmentsService(new SegmentRepository(connection), clock, namedFilters);
    sut = new DimensionsService(new LookupsService(connection, segments));

    await connection
      .collection(RAW_COLLECTIONS.calls)
      .insertMany([
        trackingCall(appId, { event: 'Opened report', userId: 'u1', timestamp: seen, attributes: { plan: 'pro', pages: 3 } }),
        trackingCall(appId, { event: 'Closed report', userId: 'u1', timestamp: seen, attributes: { pages: 4 } }),
        trackingCall(otherAppId, { event: 'Opened report', userId: 'u9', timestamp: seen, attributes: { secretEvent: 1 } }),
      ] as never[]);
    await connection
      .collection(RAW_COLLECTIONS.users)
      .insertMany([
        userProfile(appId, 'u1', seen, { plan: 'pro', 'e.mail': 'a@example.com' }),
        userProfile(otherAppId, 'u9', seen, { secretUser: true }),
      ] as never[]);
    await connection
      .collection(RAW_COLLECTIONS.companies)
      .insertMany([
        companyProfile(appId, 'acme', seen, { hasSlackEnabled: true }),
        companyProfile(otherAppId, 'other', seen, { secretCompany: 'x' }),
      ] as never[]);
  });

  afterAll(async () => {
    await connection?.dropDatabase();
    await connection?.close();
  });

  it("lists the static dimensions, then the app's attribute keys with their tables, and none of another app's", async () => {
    const dimensions = await sut.list(appId);
    expect(dimensions.slice(0, STATIC_DIMENSIONS.length)).toEqual(STATIC_DIMENSIONS);
    expect(
      dimensions.slice(STATIC_DIMENSIONS.length).map(({ returnName, type, tables }) => ({ returnName, type, tables })),
    ).toEqual([
      { returnName: 'attributes.e.mail', type: 'TEXT', tables: ['users'] },
      { returnName: 'attributes.hasSlackEnabled', type: 'BOOLEAN', tables: ['companies'] },
      { returnName: 'attributes.pages', type: 'NUMBER', tables: ['events'] },
      { returnName: 'attributes.plan', type: 'TEXT', tables: ['events', 'users'] },
    ]);
    const other = (await sut.list(otherAppId)).filter((d) => d.custom).map((d) => d.returnName);
    expect(other).toEqual(['attributes.secretCompany', 'attributes.secretEvent', 'attributes.secretUser']);
  });

  it("gets a static dimension, an attribute key of the app's data, and refuses another app's key", async () => {
    expect(await sut.get(appId, 'custom_events.event_name')).toMatchObject({
      returnName: 'event_name',
      displayName: 'Event Name',
    });
    expect(await sut.get(appId, 'users.attributes.plan')).toMatchObject({ returnName: 'attributes.plan', custom: true });
    await expect(sut.get(appId, 'attributes.secretUser')).rejects.toBeInstanceOf(DimensionNotFound);
    await expect(sut.get(appId, 'query')).rejects.toBeInstanceOf(DimensionNotFound);
  });
});

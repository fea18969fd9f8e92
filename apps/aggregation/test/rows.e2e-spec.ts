import { analytics, rowFilter } from '@exportd/contracts';
import { createGrpcClient, GrpcClient } from '@exportd/grpc';
import { RAW_COLLECTIONS, TrackingCallRecord } from '@exportd/records';
import { startTestPlatform, TestPlatform, trackingCall } from '@exportd/testing';
import { status } from '@grpc/grpc-js';
import mongoose from 'mongoose';

const FROM = new Date('2026-03-02T18:00:00.000Z');
const TO = new Date('2026-03-03T06:00:00.000Z');
const WINDOW = { timeFrom: FROM, timeTo: TO, fromDay: '2026-03-02', toDay: '2026-03-03' };
const EVENTS = analytics.DataType.DATA_TYPE_EVENTS;

/** StreamRows and CountRows through the real aggregation process: what a gRPC client sends and receives. */
describe('analytics.v1.RowsService StreamRows and CountRows, end to end', () => {
  let platform: TestPlatform;
  let client: GrpcClient<typeof analytics.RowsServiceService>;
  const appId = 'app_rows_e2e';

  async function stream(request: Partial<analytics.StreamRowsRequest>): Promise<analytics.RowBatch[]> {
    const all: analytics.RowBatch[] = [];
    const call = client.streamRows({
      appId,
      dataType: EVENTS,
      batchSize: 0,
      dimensions: [],
      useDisplayNames: false,
      csv: false,
      ...request,
    });
    for await (const batch of call) all.push(batch as analytics.RowBatch);
    return all;
  }
  const count = async (filter: Partial<analytics.RowFilter>) =>
    (await client.countRows({ appId, dataType: EVENTS, filter: rowFilter(filter) })).count;

  beforeAll(async () => {
    platform = await startTestPlatform();
    const connection = await mongoose.createConnection(platform.mongoUrl).asPromise();
    await connection.collection<TrackingCallRecord>(RAW_COLLECTIONS.calls).insertMany([
      trackingCall(appId, { messageId: 'before', userId: 'u1', event: 'Opened', timestamp: new Date(FROM.getTime() - 1) }),
      trackingCall(appId, {
        messageId: 'at-from',
        userId: 'u1',
        event: 'Opened',
        timestamp: FROM,
        attributes: { plan: 'pro' },
      }),
      trackingCall(appId, { messageId: 'midnight', userId: 'u2', event: 'Sent', timestamp: '2026-03-03T00:00:00Z' }),
      trackingCall(appId, { messageId: 'at-to', userId: 'u2', event: 'Sent', timestamp: TO }),
    ]);
    await connection.close();
    client = createGrpcClient(analytics.RowsServiceService, {
      address: platform.env.AGGREGATION_GRPC_ADDR as string,
      internalToken: platform.internalToken,
    });
  });

  afterAll(async () => {
    client?.close();
    await platform?.stop();
  });

  it('a window with chosen columns: the columns first, each row keyed by them', async () => {
    const batches = await stream({
      filter: rowFilter(WINDOW),
      dimensions: ['message_id', 'attributes.plan'],
      useDisplayNames: true,
    });
    expect(batches[0]?.columns).toEqual(['Message ID', 'plan']);
    expect(batches.flatMap((batch) => batch.rowsJson)).toEqual([
      '{"Message ID":"at-from","plan":"pro"}',
      '{"Message ID":"midnight","plan":null}',
    ]);
  });

  it('without a window or dimensions, the day range and every column', async () => {
    const batches = await stream({ filter: rowFilter({ fromDay: '2026-03-02', toDay: '2026-03-03' }) });
    expect(batches[0]?.columns[0]).toBe('event_type');
    expect(batches.flatMap((batch) => batch.rowsJson)).toHaveLength(4);
  });

  it('CountRows counts what StreamRows sends', async () => {
    expect(await count(WINDOW)).toBe(2);
    expect(await count({ ...WINDOW, expressions: ["attributes.plan == 'pro'"] })).toBe(1);
    expect(await count({ fromDay: '2026-03-02', toDay: '2026-03-03' })).toBe(4);
  });

  it('refuses unknown dimensions and a bad window with INVALID_ARGUMENT', async () => {
    await expect(stream({ filter: rowFilter(WINDOW), dimensions: ['foo', 'user_id', 'bar'] })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: 'unknown dimensions for events: foo, bar',
    });
    await expect(count({ timeFrom: FROM, timeTo: TO })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: 'a time window (time_from..time_to) needs from_day and to_day covering its days, 2026-03-02..2026-03-03',
    });
  });
});

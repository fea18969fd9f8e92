import { privacy, tenancy, tracking, trackingCall } from '@exportd/contracts';
import { createGrpcClient, GrpcClient, METADATA_ERROR_CODE } from '@exportd/grpc';
import { ServiceProcess, startServiceProcess, testMongoUrl } from '@exportd/testing';
import { Metadata, status } from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';

/** privacy.v1 as ingestion serves it: what a real gRPC client sends and receives. */
describe('privacy.v1 RetentionService and UserErasureService of ingestion, end to end', () => {
  let ingestion: ServiceProcess;
  let apps: GrpcClient<typeof tenancy.AppsServiceService>;
  let retention: GrpcClient<typeof privacy.RetentionServiceService>;
  let erasure: GrpcClient<typeof privacy.UserErasureServiceService>;
  let trackingClient: GrpcClient<typeof tracking.TrackingServiceService>;
  let appId: string;

  beforeAll(async () => {
    const internalToken = randomBytes(16).toString('hex');
    const env = {
      ...process.env,
      NODE_ENV: 'test',
      INTERNAL_TOKEN: internalToken,
      MONGO_URL: testMongoUrl('privacy-e2e'),
    };
    ingestion = await startServiceProcess({ env }, 'ingestion');
    const options = { address: ingestion.address, internalToken, waitForReady: true };
    apps = createGrpcClient(tenancy.AppsServiceService, options);
    retention = createGrpcClient(privacy.RetentionServiceService, options);
    erasure = createGrpcClient(privacy.UserErasureServiceService, options);
    trackingClient = createGrpcClient(tracking.TrackingServiceService, options);
    appId = (await apps.createApp({ name: 'Privacy e2e', plan: 'pro' })).app?.id ?? '';
  });

  afterAll(async () => {
    for (const client of [apps, retention, erasure, trackingClient]) client?.close();
    await ingestion?.stop();
  });

  const failure = async (call: Promise<unknown>) => {
    const error = (await call.then(
      () => undefined,
      (e: unknown) => e,
    )) as { code: number; details: string; metadata: Metadata } | undefined;
    return error && { code: error.code, details: error.details, errorCode: error.metadata.get(METADATA_ERROR_CODE)[0] };
  };

  it('answers the defaults, stores a whole policy, and refuses one out of bounds naming the field', async () => {
    expect(await retention.getRetention({ appId })).toEqual({
      policy: { rawEventsDays: 90, aggregatesDays: 730, exportFilesDays: 7 },
      isDefault: true,
      rawEventsDeletedBefore: '',
      aggregatesDeletedBefore: '',
    });
    const policy = { rawEventsDays: 30, aggregatesDays: 365, exportFilesDays: 14 };
    const stored = await retention.putRetention({ appId, policy });
    expect(stored).toMatchObject({ policy, isDefault: false });
    expect(stored.updatedAt).toBeInstanceOf(Date);
    expect(await retention.getRetention({ appId })).toEqual(stored);

    expect(await failure(retention.putRetention({ appId, policy: { ...policy, rawEventsDays: 0 } }))).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'rawEventsDays must be an integer from 1 to 3650',
      errorCode: 'invalid_retention_policy',
    });
    expect(await failure(retention.putRetention({ appId, policy: { ...policy, exportFilesDays: 366 } }))).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'exportFilesDays must be an integer from 1 to 365',
      errorCode: 'invalid_retention_policy',
    });
    expect(await failure(retention.getRetention({ appId: 'app_missing' }))).toEqual({
      code: status.NOT_FOUND,
      details: 'app app_missing not found',
      errorCode: 'app_not_found',
    });
  });

  it('erases a user with suppression: the counts by collection, then the user calls answered as suppressed', async () => {
    const call = (userId: string, messageId?: string): tracking.TrackingCall =>
      trackingCall({
        type: tracking.CallType.CALL_TYPE_EVENT,
        messageId,
        userId,
        companyId: 'acme',
        event: 'Opened report',
        timestamp: new Date('2026-03-02T09:00:00Z'),
        receivedAt: new Date('2026-03-02T09:00:00Z'),
      });
    const link = { ...call('u1', 'link'), type: tracking.CallType.CALL_TYPE_COMPANY, event: '' };
    expect(await trackingClient.track({ appId, calls: [link, call('u1', 'a'), call('u1', 'b'), call('u2', 'c')] })).toEqual({
      stored: 4,
      duplicates: 0,
      suppressed: 0,
    });

    const request = { appId, userId: 'u1', requestId: 'prq_1', suppress: true };
    const removed = [
      { name: 'tracking_calls', count: 3 },
      { name: 'user_profiles', count: 1 },
      { name: 'company_profiles', count: 1 },
      { name: 'suppressions', count: 1 },
    ];
    expect(await erasure.eraseUser(request)).toEqual({ removed });
    expect(await erasure.eraseUser(request)).toEqual({ removed });

    expect(await trackingClient.track({ appId, calls: [call('u1', 'd'), call('u1'), call('u2', 'e')] })).toEqual({
      stored: 1,
      duplicates: 0,
      suppressed: 2,
    });
    expect(await failure(erasure.eraseUser({ ...request, appId: 'app_missing' }))).toMatchObject({
      code: status.NOT_FOUND,
    });
  });
});

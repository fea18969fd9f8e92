import { analytics, privacy } from '@exportd/contracts';
import { createGrpcClient, GrpcClient } from '@exportd/grpc';
import { insertRawRecords, ServiceProcess, startServiceProcess, testMongoUrl, trackingCall, userProfile } from '@exportd/testing';
import { status } from '@grpc/grpc-js';
import { randomBytes } from 'node:crypto';

const APP = 'app_privacy_e2e';
const ADA = 'user-ada';
const CALLS = 1_100;

/** privacy.v1 as the real aggregation process serves it: what a gRPC client sends and receives. */
describe('privacy.v1 UserDataService and UserErasureService of aggregation, end to end', () => {
  let aggregation: ServiceProcess;
  let userData: GrpcClient<typeof privacy.UserDataServiceService>;
  let erasure: GrpcClient<typeof privacy.UserErasureServiceService>;
  let exclusions: GrpcClient<typeof analytics.ExclusionsServiceService>;
  let messaging = '';

  async function chunks(request: privacy.StreamUserDataRequest): Promise<privacy.UserDataChunk[]> {
    const all: privacy.UserDataChunk[] = [];
    for await (const chunk of userData.streamUserData(request)) all.push(chunk as privacy.UserDataChunk);
    return all;
  }

  beforeAll(async () => {
    const mongoUrl = testMongoUrl('privacy_e2e');
    const internalToken = randomBytes(16).toString('hex');
    aggregation = await startServiceProcess(
      { env: { NODE_ENV: 'test', INTERNAL_TOKEN: internalToken, MONGO_URL: mongoUrl } },
      'aggregation',
    );
    const options = { address: aggregation.address, internalToken };
    userData = createGrpcClient(privacy.UserDataServiceService, options);
    erasure = createGrpcClient(privacy.UserErasureServiceService, options);
    exclusions = createGrpcClient(analytics.ExclusionsServiceService, options);
    const features = createGrpcClient(analytics.FeaturesServiceService, options);
    try {
      const created = await features.createFeature({
        appId: APP,
        feature: {
          id: '',
          name: 'Messaging',
          events: ['Sent message'],
          usesCompanyAttribute: false,
          companyAttributeKey: '',
          companyAttributeEqualsJson: '',
        },
      });
      messaging = created.feature?.id ?? '';
    } finally {
      features.close();
    }
    const start = Date.parse('2026-02-01T00:00:00Z');
    await insertRawRecords(mongoUrl, {
      users: [userProfile(APP, ADA, new Date(start), { name: 'Ada' }), userProfile(APP, 'user-bob', new Date(start))],
      calls: [
        ...Array.from({ length: CALLS }, (_, n) =>
          trackingCall(APP, { userId: ADA, event: 'Sent message', messageId: `a${n}`, timestamp: new Date(start + n * 60_000) }),
        ),
        trackingCall(APP, { userId: 'user-bob', event: 'Sent message', messageId: 'bob', timestamp: new Date(start) }),
      ],
    });
  });

  afterAll(async () => {
    userData?.close();
    erasure?.close();
    exclusions?.close();
    await aggregation?.stop();
  });

  it('streams the profile, the calls in batches of 500, then the summary, and nothing of another user', async () => {
    const all = await chunks({ appId: APP, userId: ADA });
    expect(JSON.parse(all[0]?.profileJson ?? '')).toMatchObject({ user_id: ADA, attributes: { name: 'Ada' } });
    expect(all.map((chunk) => chunk.callsJson.length)).toEqual([0, 500, 500, 100, 0]);
    expect(all.slice(0, -1).every((chunk) => chunk.summaryJson === '')).toBe(true);
    expect(JSON.parse(all.at(-1)?.summaryJson ?? '')).toEqual({
      calls: CALLS,
      events: { 'Sent message': CALLS },
      features: [
        {
          feature_id: messaging,
          feature_name: 'Messaging',
          events: CALLS,
          first_used: '2026-02-01T00:00:00.000Z',
          last_used: new Date(Date.parse('2026-02-01T00:00:00Z') + (CALLS - 1) * 60_000).toISOString(),
        },
      ],
      feedback: [],
    });
    const text = JSON.stringify(all);
    expect(text).not.toContain('user-bob');
    expect(
      new Set(all.flatMap((chunk) => chunk.callsJson.map((json) => (JSON.parse(json) as { message_id: string }).message_id)))
        .size,
    ).toBe(CALLS);
  });

  it('an unknown user: an empty profile and a summary of zeros', async () => {
    const all = await chunks({ appId: APP, userId: 'user-nobody' });
    expect(all).toEqual([
      { profileJson: '', companiesJson: [], callsJson: [], summaryJson: '' },
      { profileJson: '', companiesJson: [], callsJson: [], summaryJson: '{"calls":0,"events":{},"features":[],"feedback":[]}' },
    ]);
  });

  it('refuses a request without an app id with INVALID_ARGUMENT', async () => {
    await expect(chunks({ appId: '', userId: ADA })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: 'app_id is required',
    });
    await expect(erasure.eraseUser({ appId: '', userId: ADA, requestId: 'r', suppress: false })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
    });
  });

  it('erases the user from the exclusion list once per request id', async () => {
    await exclusions.putExclusions({ appId: APP, exclusions: { userIds: [ADA, 'user-bob'], companyIds: ['c1'] } });
    const erase = (requestId: string) => erasure.eraseUser({ appId: APP, userId: ADA, requestId, suppress: true });
    expect(await erase('req-1')).toEqual({ removed: [{ name: 'exclusions', count: 1 }] });
    expect(await erase('req-1')).toEqual({ removed: [{ name: 'exclusions', count: 1 }] });
    expect(await erase('req-2')).toEqual({ removed: [{ name: 'exclusions', count: 0 }] });
    expect((await exclusions.getExclusions({ appId: APP })).exclusions).toEqual({ userIds: ['user-bob'], companyIds: ['c1'] });
  });
});

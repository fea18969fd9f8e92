import { SystemClock } from '@exportd/runtime';
import { companyProfile, insertRawRecords, testMongoUrl, trackingCall, userProfile } from '@exportd/testing';
import mongoose, { Connection } from 'mongoose';
import { FeatureRepository } from '../features/feature.repository';
import { FeaturesService } from '../features/features.service';
import { InvalidPrivacyRequest } from './privacy.errors';
import { UserDataRepository } from './user-data.repository';
import { UserDataPart, UserDataService } from './user-data.service';

const APP = 'app_priv';
const ADA = 'user-ada';
// Ids of other users: none of them may appear anywhere in Ada's document.
const OTHERS = ['user-bob', 'user-carol'];
const at = (iso: string) => new Date(iso);

describe(UserDataService.name, () => {
  let connection: Connection;
  let sut: UserDataService;
  const features = { messaging: '', sending: '', chat: '', slack: '' };

  async function parts(userId: string, batchSize?: number, appId = APP): Promise<UserDataPart[]> {
    const all: UserDataPart[] = [];
    for await (const part of sut.stream(appId, userId, batchSize)) all.push(part);
    return all;
  }
  const callsOf = (all: UserDataPart[]) =>
    all.flatMap((part) =>
      part.kind === 'calls' ? part.callsJson.map((json) => JSON.parse(json) as Record<string, unknown>) : [],
    );
  const summaryOf = (all: UserDataPart[]) => {
    const last = all.at(-1);
    if (last?.kind !== 'summary') throw new Error('the last part is not the summary');
    return JSON.parse(last.summaryJson) as unknown;
  };

  beforeAll(async () => {
    const url = testMongoUrl('user_data');
    connection = await mongoose.createConnection(url).asPromise();
    const featureService = new FeaturesService(new FeatureRepository(connection), new SystemClock());
    features.messaging = (await featureService.create(APP, { name: 'Messaging', events: ['Sent message', 'Read message'] }))._id;
    features.sending = (await featureService.create(APP, { name: 'Sending', events: ['Sent message'] }))._id;
    features.chat = (await featureService.create(APP, { name: 'Chat', events: ['Opened chat'] }))._id;
    features.slack = (
      await featureService.create(APP, { name: 'Slack', companyAttribute: { key: 'hasSlackEnabled', equalsJson: 'true' } })
    )._id;
    sut = new UserDataService(new UserDataRepository(connection), featureService);

    const call = trackingCall;
    await insertRawRecords(url, {
      users: [
        userProfile(APP, ADA, at('2026-01-05T09:00:00Z'), { name: 'Ada', 'dotted.key': true }, ['c1', 'c2', 'c-gone']),
        userProfile(APP, 'user-bob', at('2026-01-06T09:00:00Z'), { name: 'Bob' }, ['c1']),
        userProfile('app_priv_other', ADA, at('2026-01-07T09:00:00Z'), { name: 'Other app Ada' }, []),
      ],
      companies: [
        companyProfile(APP, 'c1', at('2026-01-01T00:00:00Z'), { name: 'Acme', hasSlackEnabled: true }, [ADA, 'user-bob']),
        companyProfile(APP, 'c2', at('2026-01-02T00:00:00Z'), { name: 'Globex' }, [ADA, 'user-bob', 'user-carol']),
        companyProfile(APP, 'c3', at('2026-01-03T00:00:00Z'), { name: 'Initech' }, ['user-carol']),
      ],
      calls: [
        call(APP, {
          type: 'user',
          userId: ADA,
          messageId: 'a-identify',
          attributes: { email: 'ada@example.com' },
          timestamp: '2026-01-05T09:00:00Z',
        }),
        call(APP, {
          type: 'company',
          userId: ADA,
          companyId: 'c1',
          messageId: 'a-group',
          attributes: { plan: 'pro' },
          timestamp: '2026-01-05T09:01:00Z',
        }),
        call(APP, {
          userId: ADA,
          event: 'Sent message',
          messageId: 'a-sent-1',
          companyIds: ['c1', 'c2'],
          timestamp: '2026-01-10T10:00:00Z',
        }),
        call(APP, {
          userId: ADA,
          event: 'Sent message',
          messageId: 'a-sent-2',
          companyIds: ['c1'],
          timestamp: '2026-01-12T10:00:00Z',
        }),
        call(APP, {
          userId: ADA,
          event: 'Read message',
          messageId: 'a-read',
          companyIds: ['c1'],
          timestamp: '2026-01-08T10:00:00Z',
        }),
        call(APP, {
          userId: ADA,
          event: 'Exported',
          companyIds: ['c2'],
          attributes: { rows: 3 },
          timestamp: '2026-01-20T10:00:00Z',
        }),
        call(APP, {
          type: 'feedback',
          userId: ADA,
          featureId: 'placeholder',
          messageId: 'a-feedback',
          score: 4,
          comment: 'nice',
          companyIds: ['c1'],
          timestamp: '2026-01-15T10:00:00Z',
        }),
        call(APP, {
          type: 'feedback',
          userId: ADA,
          featureId: 'feat_gone',
          messageId: 'a-feedback-gone',
          score: 2,
          timestamp: '2026-01-14T10:00:00Z',
        }),
        // Other users, a company call of nobody, and Ada in another app: none of them is Ada's here.
        call(APP, {
          userId: 'user-bob',
          event: 'Opened chat',
          messageId: 'b-chat',
          companyIds: ['c1'],
          timestamp: '2026-01-10T11:00:00Z',
        }),
        call(APP, {
          userId: 'user-bob',
          event: 'Sent message',
          messageId: 'b-sent',
          companyIds: ['c1'],
          timestamp: '2026-01-09T11:00:00Z',
        }),
        call(APP, {
          type: 'feedback',
          userId: 'user-bob',
          featureId: 'placeholder',
          messageId: 'b-feedback',
          score: 1,
          timestamp: '2026-01-11T11:00:00Z',
        }),
        call(APP, {
          type: 'company',
          userId: 'user-carol',
          companyId: 'c2',
          messageId: 'c-group',
          timestamp: '2026-01-03T00:00:00Z',
        }),
        call(APP, {
          type: 'company',
          companyId: 'c1',
          messageId: 'anon-group',
          attributes: { seats: 10 },
          timestamp: '2026-01-04T00:00:00Z',
        }),
        call('app_priv_other', { userId: ADA, event: 'Sent message', messageId: 'other-app', timestamp: '2026-01-10T10:00:00Z' }),
      ].map((c) => (c.featureId === 'placeholder' ? { ...c, featureId: features.messaging } : c)),
    });
  });

  afterAll(async () => {
    await connection?.dropDatabase();
    await connection?.close();
  });

  it('sends the profile and the companies first, every call of the user, then the summary', async () => {
    const all = await parts(ADA);
    expect(all.map((part) => part.kind)).toEqual(['profile', 'calls', 'summary']);
    const first = all[0];
    if (first?.kind !== 'profile') throw new Error('no profile first');
    expect(JSON.parse(first.profileJson)).toEqual({
      user_id: ADA,
      first_seen: '2026-01-05T09:00:00.000Z',
      last_seen: '2026-01-05T09:00:00.000Z',
      attributes: { name: 'Ada', 'dotted.key': true },
      company_ids: ['c1', 'c2', 'c-gone'],
    });
    // The companies with a profile, without their members.
    expect(first.companiesJson.map((json) => JSON.parse(json) as unknown)).toEqual([
      {
        company_id: 'c1',
        first_seen: '2026-01-01T00:00:00.000Z',
        last_seen: '2026-01-01T00:00:00.000Z',
        attributes: { name: 'Acme', hasSlackEnabled: true },
      },
      {
        company_id: 'c2',
        first_seen: '2026-01-02T00:00:00.000Z',
        last_seen: '2026-01-02T00:00:00.000Z',
        attributes: { name: 'Globex' },
      },
    ]);

    const calls = callsOf(all);
    expect(calls.map((c) => c.message_id).sort()).toEqual(
      [null, 'a-feedback', 'a-feedback-gone', 'a-group', 'a-identify', 'a-read', 'a-sent-1', 'a-sent-2'].sort(),
    );
    expect(new Set(calls.map((c) => c.event_type))).toEqual(new Set(['identify_user', 'identify_company', 'track', 'feedback']));
    expect(calls.find((c) => c.message_id === 'a-sent-1')).toEqual({
      type: 'event',
      event_type: 'track',
      event: 'Sent message',
      company_id: null,
      company_ids: ['c1', 'c2'],
      timestamp: '2026-01-10T10:00:00.000Z',
      day: '2026-01-10',
      received_at: '2026-01-10T10:00:00.000Z',
      message_id: 'a-sent-1',
      feature_id: null,
      score: null,
      comment: null,
      attributes: {},
    });
    expect(calls.find((c) => c.message_id === 'a-group')).toMatchObject({
      type: 'company',
      event_type: 'identify_company',
      company_id: 'c1',
      attributes: { plan: 'pro' },
    });
    expect(calls.find((c) => c.message_id === 'a-feedback')).toMatchObject({
      event_type: 'feedback',
      feature_id: features.messaging,
      score: 4,
      comment: 'nice',
    });
  });

  it('holds nothing of another user or another app', async () => {
    const text = JSON.stringify(await parts(ADA));
    for (const other of OTHERS) expect(text).not.toContain(other);
    for (const foreign of ['b-chat', 'b-sent', 'b-feedback', 'c-group', 'anon-group', 'other-app', 'Initech', 'Other app Ada'])
      expect(text).not.toContain(foreign);
  });

  it('summarises the calls: counts per event, the features whose event rule they match, the feedback', async () => {
    expect(summaryOf(await parts(ADA))).toEqual({
      calls: 8,
      events: { Exported: 1, 'Read message': 1, 'Sent message': 2 },
      // By feature name; Chat (only Bob used it) and Slack (a company attribute rule) are not Ada's.
      features: [
        {
          feature_id: features.messaging,
          feature_name: 'Messaging',
          events: 3,
          first_used: '2026-01-08T10:00:00.000Z',
          last_used: '2026-01-12T10:00:00.000Z',
        },
        {
          feature_id: features.sending,
          feature_name: 'Sending',
          events: 2,
          first_used: '2026-01-10T10:00:00.000Z',
          last_used: '2026-01-12T10:00:00.000Z',
        },
      ],
      feedback: [
        { feature_id: 'feat_gone', feature_name: null, score: 2, comment: null, timestamp: '2026-01-14T10:00:00.000Z' },
        {
          feature_id: features.messaging,
          feature_name: 'Messaging',
          score: 4,
          comment: 'nice',
          timestamp: '2026-01-15T10:00:00.000Z',
        },
      ],
    });
  });

  it('sends the calls in batches of at most the batch size', async () => {
    const all = await parts(ADA, 3);
    const batches = all.filter((part) => part.kind === 'calls').map((part) => part.callsJson.length);
    expect(batches).toEqual([3, 3, 2]);
    expect(all.map((part) => part.kind)).toEqual(['profile', 'calls', 'calls', 'calls', 'summary']);
  });

  it('an unknown user: an empty profile, no companies, no calls, a summary of zeros', async () => {
    expect(await parts('user-nobody')).toEqual([
      { kind: 'profile', profileJson: '', companiesJson: [] },
      { kind: 'summary', summaryJson: '{"calls":0,"events":{},"features":[],"feedback":[]}' },
    ]);
  });

  it('refuses a request without an app id or a user id', async () => {
    await expect(parts(ADA, undefined, '')).rejects.toBeInstanceOf(InvalidPrivacyRequest);
    await expect(parts('')).rejects.toThrow('user_id is required');
  });
});

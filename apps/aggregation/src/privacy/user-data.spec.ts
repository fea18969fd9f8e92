import { TrackingCallRecord } from '@exportd/records';
import { FeatureRecord } from '../features/feature.repository';
import { FeaturesService } from '../features/features.service';
import { encodeCall, UserDataSummary } from './user-data-json';
import { CallCursor, UserDataRepository } from './user-data.repository';
import { UserDataService } from './user-data.service';

const call = (n: number, overrides: Partial<TrackingCallRecord> = {}): TrackingCallRecord => ({
  _id: `c${n}`,
  appId: 'app',
  type: 'event',
  userId: 'u',
  event: 'Sent',
  attributes: '{}',
  active: true,
  timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, n)),
  day: '2026-01-01',
  receivedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)),
  companyIds: [],
  ...overrides,
});

describe(UserDataService.name, () => {
  it('reads calls only as fast as batches are taken: memory holds one batch, not every call', async () => {
    let read = 0;
    let closed = false;
    const cursor: CallCursor = {
      async *[Symbol.asyncIterator]() {
        for (let n = 0; n < 10_000; n++) {
          read++;
          yield call(n);
        }
      },
      close: () => {
        closed = true;
        return Promise.resolve();
      },
    };
    const repository = {
      profile: () => Promise.resolve(null),
      companies: () => Promise.resolve([]),
      calls: () => cursor,
    } as unknown as UserDataRepository;
    const features = { list: () => Promise.resolve([] as FeatureRecord[]) } as unknown as FeaturesService;
    const sut = new UserDataService(repository, features);

    const parts = sut.stream('app', 'u', 500);
    expect((await parts.next()).value).toMatchObject({ kind: 'profile' });
    const first = await parts.next();
    expect(first.value).toMatchObject({ kind: 'calls' });
    expect(read).toBe(500);
    // A reader that stops (a cancelled call) closes the cursor.
    await parts.return(undefined);
    expect(read).toBe(500);
    expect(closed).toBe(true);
  });
});

describe('user data JSON', () => {
  it('writes every field of a call, absent values as null, attributes as stored', () => {
    expect(JSON.parse(encodeCall(call(1, { attributes: '{"a.b":1,"__proto__":{"x":2}}', score: Number.NaN })))).toEqual({
      type: 'event',
      event_type: 'track',
      event: 'Sent',
      company_id: null,
      company_ids: [],
      timestamp: '2026-01-01T00:00:01.000Z',
      day: '2026-01-01',
      received_at: '2026-01-01T00:00:01.000Z',
      message_id: null,
      feature_id: null,
      score: null,
      comment: null,
      attributes: JSON.parse('{"a.b":1,"__proto__":{"x":2}}') as unknown,
    });
  });

  it('counts events by name, `__proto__` included, and features by their event rule only', () => {
    const sut = new UserDataSummary([
      { id: 'f1', name: 'Proto', events: ['__proto__'] },
      { id: 'f2', name: 'Slack', events: null, companyAttribute: { key: '__proto__', equals: true } },
    ]);
    sut.add(call(1, { event: '__proto__' }));
    sut.add(call(2, { type: 'user', event: undefined }));
    expect(sut.json()).toBe(
      '{"calls":2,"events":{"__proto__":1},"features":[{"feature_id":"f1","feature_name":"Proto","events":1,' +
        '"first_used":"2026-01-01T00:00:01.000Z","last_used":"2026-01-01T00:00:01.000Z"}],"feedback":[]}',
    );
  });
});

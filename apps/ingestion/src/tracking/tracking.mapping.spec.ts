import { TrackingCallRecord } from '@exportd/records';
import { escapedAttributes, profileChanges, usageIncrements } from './tracking.mapping';

function call(overrides: Partial<TrackingCallRecord>): TrackingCallRecord {
  const timestamp = overrides.timestamp ?? new Date('2024-01-02T10:00:00Z');
  return {
    _id: 'id',
    appId: 'app',
    type: 'event',
    attributes: '{}',
    active: true,
    timestamp,
    day: timestamp.toISOString().slice(0, 10),
    receivedAt: timestamp,
    companyIds: [],
    ...overrides,
  };
}

describe('tracking service mapping', () => {
  it('escapes attribute keys and keeps values as JSON text', () => {
    const escaped = escapedAttributes('{"a.b":1,"$x":{"y":true},"__proto__":"p"}');
    expect(Object.entries(escaped)).toEqual([
      ['a%2Eb', '1'],
      ['%24x', '{"y":true}'],
      ['__proto__', '"p"'],
    ]);
  });

  it('merges a batch per profile: earliest first seen, latest active last seen, later attributes win', () => {
    const early = new Date('2024-01-01T00:00:00Z');
    const late = new Date('2024-01-05T00:00:00Z');
    const { users, companies } = profileChanges([
      call({ type: 'user', userId: 'u', timestamp: late, attributes: '{"a":1}' }),
      call({ type: 'user', userId: 'u', timestamp: early, attributes: '{"a":2,"b":3}' }),
      call({
        type: 'event',
        userId: 'u',
        event: 'e',
        timestamp: new Date('2024-02-01T00:00:00Z'),
        active: false,
        companyIds: ['c'],
      }),
      call({ type: 'company', companyId: 'c', userId: 'u', timestamp: early }),
    ]);
    expect(users).toEqual([{ id: 'u', firstSeen: early, lastSeen: late, attributes: { a: '2', b: '3' }, links: ['c'] }]);
    expect(companies).toEqual([{ id: 'c', firstSeen: early, lastSeen: early, attributes: {}, links: ['u'] }]);
  });

  it('counts events per company and day', () => {
    expect(
      usageIncrements([
        call({ event: 'e', companyIds: ['a', 'b'] }),
        call({ event: 'e', companyIds: ['a'] }),
        call({ event: 'e', companyIds: [] }),
        call({ type: 'feedback', companyIds: ['a'] }),
      ]),
    ).toEqual([
      { companyId: 'a', event: 'e', day: '2024-01-02', count: 2 },
      { companyId: 'b', event: 'e', day: '2024-01-02', count: 1 },
    ]);
  });
});

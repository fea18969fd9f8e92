import { tracking } from '@exportd/contracts';
import { validateBulk, validateCall } from './tracking-call.validation';

const NOW = new Date('2024-06-01T12:00:00Z');

describe(validateCall.name, () => {
  it('maps numeric ids to strings and fills in the time received', () => {
    const result = validateCall('event', { event: 'Sent', userId: 42, companyId: 7, attributes: { a: 1 } }, NOW);
    expect(result).toEqual({
      ok: true,
      call: expect.objectContaining({
        type: tracking.CallType.CALL_TYPE_EVENT,
        userId: '42',
        companyId: '7',
        event: 'Sent',
        attributesJson: '{"a":1}',
        timestamp: NOW,
        receivedAt: NOW,
      }),
    });
  });

  it.each([
    ['2024-05-01T10:00:00Z', '2024-05-01T10:00:00.000Z'],
    ['2024-05-01T10:00:00.123+02:00', '2024-05-01T08:00:00.123Z'],
    ['2024-05-01T10:00:00', '2024-05-01T10:00:00.000Z'],
    ['2024-05-01', '2024-05-01T00:00:00.000Z'],
  ])('reads the ISO 8601 timestamp %s', (timestamp, expected) => {
    const result = validateCall('user', { userId: 'u', timestamp }, NOW);
    expect(result.ok && result.call.timestamp?.toISOString()).toBe(expected);
  });

  it('keeps context.active and attribute keys such as __proto__', () => {
    const body = JSON.parse('{"userId":"u","context":{"active":false},"attributes":{"__proto__":{"x":1},"a.b":2}}') as unknown;
    const result = validateCall('user', body, NOW);
    expect(result.ok && result.call.active).toBe(false);
    expect(result.ok && result.call.attributesJson).toBe('{"__proto__":{"x":1},"a.b":2}');
  });

  it('names every wrong field at once', () => {
    const result = validateCall('feedback', { userId: [], score: 0, extra: 1 }, NOW);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problems.map((p) => p.field).sort()).toEqual(['extra', 'featureId', 'score', 'userId']);
  });
});

describe(validateBulk.name, () => {
  it('prefixes problems with the index of the item', () => {
    const result = validateBulk([{ type: 'user', userId: 'u' }, { type: 'event', userId: 'u' }, { type: 'nope' }], NOW);
    expect(!result.ok && result.problems.map((p) => p.field)).toEqual(['1.event', '2.type']);
  });

  it('accepts the type field on each item', () => {
    const result = validateBulk([{ type: 'company', companyId: 1, userId: 2 }], NOW);
    expect(result.ok && result.calls[0]).toMatchObject({
      type: tracking.CallType.CALL_TYPE_COMPANY,
      companyId: '1',
      userId: '2',
    });
  });
});

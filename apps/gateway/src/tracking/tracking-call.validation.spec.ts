import { tracking } from '@exportd/contracts';
import { assignFeedbackId, validateBulk, validateCall } from './tracking-call.validation';

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

describe(`${validateCall.name}: Bucket's feedback fields and page views`, () => {
  it("takes the feedback fields of Bucket's SDK", () => {
    const result = validateCall(
      'feedback',
      {
        feedbackId: 'fb-1',
        featureId: 'f',
        userId: 'u',
        score: 3,
        question: 'How do you like it?',
        promptedQuestion: 'How do you like reports?',
        promptId: 'p-1',
        source: 'widget',
      },
      NOW,
    );
    expect(result).toEqual({
      ok: true,
      call: expect.objectContaining({
        feedbackId: 'fb-1',
        question: 'How do you like it?',
        promptedQuestion: 'How do you like reports?',
        promptId: 'p-1',
        source: 'widget',
      }),
    });
  });

  it('names wrong feedback fields: not strings, too long', () => {
    const result = validateCall(
      'feedback',
      { featureId: 'f', userId: 'u', score: 3, question: 'q'.repeat(2_049), source: 7, promptId: {}, feedbackId: '' },
      NOW,
    );
    expect(!result.ok && result.problems.map((p) => p.field).sort()).toEqual(['feedbackId', 'promptId', 'question', 'source']);
  });

  it('maps a page view; userId required, the texts bounded', () => {
    const ok = validateCall(
      'page',
      {
        userId: 1,
        url: 'https://app.example/reports?x=1',
        path: '/reports',
        title: 'Reports',
        referrer: 'https://example',
        companyId: 'c',
      },
      NOW,
    );
    expect(ok).toEqual({
      ok: true,
      call: expect.objectContaining({
        type: tracking.CallType.CALL_TYPE_PAGE,
        userId: '1',
        companyId: 'c',
        url: 'https://app.example/reports?x=1',
        path: '/reports',
        title: 'Reports',
        referrer: 'https://example',
        attributesJson: '{}',
      }),
    });
    const bad = validateCall('page', { url: 'x'.repeat(8_193), title: 5, event: 'no' }, NOW);
    expect(!bad.ok && bad.problems.map((p) => p.field).sort()).toEqual(['event', 'title', 'url', 'userId']);
  });
});

describe(assignFeedbackId.name, () => {
  const feedback = (body: Record<string, unknown>) => {
    const result = validateCall('feedback', { featureId: 'f', userId: 'u', score: 1, ...body }, NOW);
    if (!result.ok) throw new Error('invalid');
    return result.call;
  };

  it("keeps the client's feedbackId", () => {
    expect(assignFeedbackId(feedback({ feedbackId: 'mine' }))).toBe('mine');
  });

  it('assigns a random one, or one derived from the messageId (a retry gets the same)', () => {
    const a = assignFeedbackId(feedback({}));
    const b = assignFeedbackId(feedback({}));
    expect(a).toMatch(/^[0-9a-f-]{36}$/);
    expect(a).not.toBe(b);
    const fromMessage = assignFeedbackId(feedback({ messageId: 'm-1' }));
    expect(fromMessage).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(assignFeedbackId(feedback({ messageId: 'm-1' }))).toBe(fromMessage);
    expect(assignFeedbackId(feedback({ messageId: 'm-2' }))).not.toBe(fromMessage);
  });

  it('leaves other calls alone', () => {
    const result = validateCall('event', { event: 'E', userId: 'u' }, NOW);
    expect(result.ok && assignFeedbackId(result.call)).toBe('');
    expect(result.ok && result.call.feedbackId).toBe('');
  });
});

describe(validateBulk.name, () => {
  it('prefixes problems with the index of the item', () => {
    const result = validateBulk([{ type: 'user', userId: 'u' }, { type: 'event', userId: 'u' }, { type: 'nope' }], NOW);
    expect(!result.ok && result.problems.map((p) => p.field)).toEqual(['1.event', '2.type']);
  });

  it('accepts page views', () => {
    const result = validateBulk([{ type: 'page', userId: 'u', path: '/home' }], NOW);
    expect(result.ok && result.calls[0]).toMatchObject({ type: tracking.CallType.CALL_TYPE_PAGE, path: '/home' });
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

import { tracking } from '@exportd/contracts';
import { eventTime, mapSegmentBatch, mapSegmentCall, SEGMENT_LIMITS } from './segment-call.mapper';

const RECEIVED = new Date('2024-06-01T12:00:00.000Z');
const { CallType } = tracking;

/** The calls of a mapping that must succeed. */
function callsOf(result: ReturnType<typeof mapSegmentCall>): tracking.TrackingCall[] {
  if (!result.ok) throw new Error(`expected a mapping, got ${result.code}: ${result.message}`);
  return result.calls;
}

function fieldsOf(result: ReturnType<typeof mapSegmentCall>): string[] {
  return result.ok ? [] : (result.problems ?? []).map((p) => p.field);
}

describe(mapSegmentCall.name, () => {
  it('identify -> a user call: traits become attributes, messageId and the time received are kept', () => {
    const [sut] = callsOf(
      mapSegmentCall(
        'identify',
        { userId: 'ann', traits: { email: 'ann@example.com', plan: 'pro' }, messageId: 'm-1' },
        RECEIVED,
      ),
    );
    expect(sut).toEqual(
      expect.objectContaining({
        type: CallType.CALL_TYPE_USER,
        userId: 'ann',
        companyId: '',
        messageId: 'm-1',
        attributesJson: '{"email":"ann@example.com","plan":"pro"}',
        timestamp: RECEIVED,
        receivedAt: RECEIVED,
      }),
    );
    expect(sut.active).toBeUndefined();
  });

  it('group -> a company call: groupId is the company, traits its attributes, the user its user', () => {
    const [sut] = callsOf(mapSegmentCall('group', { userId: 42, groupId: 7, traits: { name: 'Acme' } }, RECEIVED));
    expect(sut).toMatchObject({
      type: CallType.CALL_TYPE_COMPANY,
      companyId: '7',
      userId: '42',
      attributesJson: '{"name":"Acme"}',
    });
  });

  it('track -> an event call: event, properties as attributes, context.groupId as the company', () => {
    const [sut] = callsOf(
      mapSegmentCall(
        'track',
        {
          anonymousId: 'anon-1',
          event: 'Report Exported',
          properties: { format: 'csv' },
          context: { groupId: 'acme', ip: '1.2.3.4' },
        },
        RECEIVED,
      ),
    );
    expect(sut).toMatchObject({
      type: CallType.CALL_TYPE_EVENT,
      userId: 'anon-1',
      companyId: 'acme',
      event: 'Report Exported',
      attributesJson: '{"format":"csv"}',
    });
  });

  it('refuses a NUL character in a field the store keeps as text, naming the field, and keeps one in properties', () => {
    expect(fieldsOf(mapSegmentCall('track', { userId: 'u\u0000', event: 'Clicked' }, RECEIVED))).toEqual(['userId']);
    expect(fieldsOf(mapSegmentCall('page', { userId: 'u', name: 'Ho\u0000me' }, RECEIVED))).toEqual(['title']);
    expect(mapSegmentCall('track', { userId: 'u', event: 'E', properties: { note: 'a\u0000b' } }, RECEIVED).ok).toBe(true);
  });

  it('userId wins over anonymousId', () => {
    const [sut] = callsOf(mapSegmentCall('identify', { userId: 'ann', anonymousId: 'anon-1' }, RECEIVED));
    expect(sut.userId).toBe('ann');
  });

  it('page -> a page view: url, path, title and referrer from properties, all properties as attributes', () => {
    const properties = {
      url: 'https://example.com/pricing?x=1',
      path: '/pricing',
      title: 'Pricing | Example',
      referrer: 'https://google.com/',
      plan: 'pro',
    };
    const [sut] = callsOf(
      mapSegmentCall('page', { userId: 'ann', name: 'Pricing', properties, context: { groupId: 'acme' } }, RECEIVED),
    );
    expect(sut).toMatchObject({
      type: CallType.CALL_TYPE_PAGE,
      userId: 'ann',
      companyId: 'acme',
      url: 'https://example.com/pricing?x=1',
      path: '/pricing',
      title: 'Pricing | Example',
      referrer: 'https://google.com/',
      attributesJson: JSON.stringify(properties),
    });
  });

  it('page: the name is the title when there is none; context.page fills what properties lack', () => {
    const [named] = callsOf(
      mapSegmentCall('page', { userId: 'ann', name: 'Pricing', properties: { path: '/pricing' } }, RECEIVED),
    );
    expect(named).toMatchObject({ title: 'Pricing', path: '/pricing', url: '', referrer: '' });
    const [fromContext] = callsOf(
      mapSegmentCall(
        'page',
        { userId: 'ann', name: 'Pricing', context: { page: { url: 'https://e.com/p', title: 'Doc title', referrer: 'r' } } },
        RECEIVED,
      ),
    );
    expect(fromContext).toMatchObject({ url: 'https://e.com/p', title: 'Doc title', referrer: 'r', attributesJson: '{}' });
  });

  it('screen -> a page view titled by its name', () => {
    const [sut] = callsOf(
      mapSegmentCall('screen', { userId: 'ann', name: 'Home', properties: { title: 'ignored', tab: 2 } }, RECEIVED),
    );
    expect(sut).toMatchObject({
      type: CallType.CALL_TYPE_PAGE,
      title: 'Home',
      url: '',
      attributesJson: '{"title":"ignored","tab":2}',
    });
    const [untitled] = callsOf(mapSegmentCall('screen', { userId: 'ann', properties: { title: 'From properties' } }, RECEIVED));
    expect(untitled.title).toBe('From properties');
  });

  it('context.active false makes an inactive call; true is kept as given', () => {
    expect(callsOf(mapSegmentCall('track', { userId: 'u', event: 'e', context: { active: false } }, RECEIVED))[0].active).toBe(
      false,
    );
    expect(callsOf(mapSegmentCall('identify', { userId: 'u', context: { active: true } }, RECEIVED))[0].active).toBe(true);
  });

  it('ignores the fields this platform has no use for, and the route decides the type', () => {
    const [sut] = callsOf(
      mapSegmentCall(
        'track',
        {
          type: 'identify',
          userId: 'u',
          event: 'e',
          integrations: { All: false, Mixpanel: true },
          _metadata: { nodeVersion: 'v20' },
          context: { library: { name: '@segment/analytics-node', version: '3.1.0' } },
          writeKey: 'k',
          version: 2,
        },
        RECEIVED,
      ),
    );
    expect(sut.type).toBe(CallType.CALL_TYPE_EVENT);
  });

  it('keeps keys such as __proto__ as plain attribute keys', () => {
    const body = JSON.parse('{"userId":"u","traits":{"__proto__":{"x":1},"a.b":2}}') as unknown;
    expect(callsOf(mapSegmentCall('identify', body, RECEIVED))[0].attributesJson).toBe('{"__proto__":{"x":1},"a.b":2}');
  });

  it('requires userId or anonymousId (an empty one counts as absent)', () => {
    expect(fieldsOf(mapSegmentCall('identify', { traits: {} }, RECEIVED))).toEqual(['userId']);
    expect(fieldsOf(mapSegmentCall('track', { userId: '', anonymousId: ' ', event: 'e' }, RECEIVED))).toEqual(['userId']);
    const result = mapSegmentCall('identify', {}, RECEIVED);
    expect(!result.ok && result.problems?.[0].problems).toEqual(['userId or anonymousId is required']);
  });

  it('names every wrong field at once, in the platform error format', () => {
    const result = mapSegmentCall(
      'track',
      { userId: [], event: 3, properties: 'x', timestamp: 'yesterday', messageId: 1.5, context: { active: 'no', groupId: {} } },
      RECEIVED,
    );
    expect(result.ok).toBe(false);
    expect(!result.ok && result.code).toBe('invalid_request');
    expect(fieldsOf(result).sort()).toEqual([
      'context.active',
      'context.groupId',
      'event',
      'messageId',
      'properties',
      'timestamp',
      'userId',
    ]);
    expect(!result.ok && result.message).toContain('event: must be a string, got a number');
  });

  it('requires event on track and groupId on group', () => {
    expect(fieldsOf(mapSegmentCall('track', { userId: 'u' }, RECEIVED))).toEqual(['event']);
    expect(fieldsOf(mapSegmentCall('track', { userId: 'u', event: '  ' }, RECEIVED))).toEqual(['event']);
    expect(fieldsOf(mapSegmentCall('group', { userId: 'u' }, RECEIVED))).toEqual(['groupId']);
  });

  it('keeps the Tracking API limits of attributes on traits and properties', () => {
    const many = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, i]));
    expect(fieldsOf(mapSegmentCall('identify', { userId: 'u', traits: many }, RECEIVED))).toEqual(['traits']);
    const deep = { a: { b: { c: { d: { e: { f: { g: 1 } } } } } } };
    expect(fieldsOf(mapSegmentCall('track', { userId: 'u', event: 'e', properties: deep }, RECEIVED))).toEqual(['properties']);
    const long = 'x'.repeat(4_097);
    expect(fieldsOf(mapSegmentCall('track', { userId: 'u', event: 'e', properties: { note: long } }, RECEIVED))).toEqual([
      'properties.note',
    ]);
  });

  it('page fields must be strings', () => {
    expect(fieldsOf(mapSegmentCall('page', { userId: 'u', name: 5, properties: { url: 1 } }, RECEIVED)).sort()).toEqual([
      'name',
      'properties.url',
    ]);
  });

  it('refuses a body that is not an object, and a call over 32 KB of JSON', () => {
    expect(fieldsOf(mapSegmentCall('track', [], RECEIVED))).toEqual(['body']);
    const properties = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`p${i}`, 'x'.repeat(4_000)]));
    const big = mapSegmentCall('track', { userId: 'u', event: 'e', properties }, RECEIVED);
    expect(big).toMatchObject({ ok: false, code: 'payload_too_large' });
    expect(!big.ok && big.message).toContain(`at most ${SEGMENT_LIMITS.callBytes} bytes`);
  });
});

describe(eventTime.name, () => {
  const t = (iso: string) => new Date(iso);

  it('without sentAt: timestamp as given, else originalTimestamp, else the time received', () => {
    expect(eventTime({ timestamp: t('2024-05-01T10:00:00Z') }, RECEIVED)).toEqual(t('2024-05-01T10:00:00Z'));
    expect(eventTime({ originalTimestamp: t('2024-05-01T09:00:00Z') }, RECEIVED)).toEqual(t('2024-05-01T09:00:00Z'));
    expect(eventTime({}, RECEIVED)).toEqual(RECEIVED);
  });

  it('with sentAt: receivedAt - (sentAt - timestamp), so a client clock 2 hours slow is moved 2 hours on', () => {
    // The device's clock reads 10:00 when it is really 12:00; the event happened 5 minutes before sending.
    const times = { timestamp: t('2024-06-01T09:55:00Z'), sentAt: t('2024-06-01T10:00:00Z') };
    expect(eventTime(times, RECEIVED)).toEqual(t('2024-06-01T11:55:00Z'));
  });

  it('with sentAt, originalTimestamp is the client time when both are given', () => {
    const times = {
      originalTimestamp: t('2024-06-01T11:59:00Z'),
      timestamp: t('2020-01-01T00:00:00Z'),
      sentAt: t('2024-06-01T12:00:30Z'),
    };
    expect(eventTime(times, RECEIVED)).toEqual(t('2024-06-01T11:58:30Z'));
  });

  it('with sentAt but no client time: the time received; a client time after sentAt is not clamped', () => {
    expect(eventTime({ sentAt: t('2024-01-01T00:00:00Z') }, RECEIVED)).toEqual(RECEIVED);
    expect(eventTime({ timestamp: t('2024-06-01T12:00:10Z'), sentAt: t('2024-06-01T12:00:00Z') }, RECEIVED)).toEqual(
      t('2024-06-01T12:00:10Z'),
    );
  });

  it('is applied to calls: a single call sentAt, and a zone-less time read as UTC', () => {
    const [sut] = callsOf(
      mapSegmentCall(
        'track',
        { userId: 'u', event: 'e', timestamp: '2024-06-01T09:55:00', sentAt: '2024-06-01T10:00:00.000Z' },
        RECEIVED,
      ),
    );
    expect(sut.timestamp).toEqual(t('2024-06-01T11:55:00Z'));
    expect(sut.receivedAt).toEqual(RECEIVED);
    expect(fieldsOf(mapSegmentCall('track', { userId: 'u', event: 'e', sentAt: 12 }, RECEIVED))).toEqual(['sentAt']);
  });
});

describe(mapSegmentBatch.name, () => {
  const batchOf = (result: ReturnType<typeof mapSegmentBatch>) => callsOf(result);

  it('maps each item by its type, in order', () => {
    const calls = batchOf(
      mapSegmentBatch(
        {
          batch: [
            { type: 'identify', userId: 'ann', traits: { a: 1 } },
            { type: 'group', userId: 'ann', groupId: 'acme' },
            { type: 'track', userId: 'ann', event: 'Sent' },
            { type: 'page', userId: 'ann', name: 'Home' },
            { type: 'screen', anonymousId: 'anon', name: 'Settings' },
          ],
          writeKey: 'key',
        },
        RECEIVED,
      ),
    );
    expect(calls.map((c) => c.type)).toEqual([
      CallType.CALL_TYPE_USER,
      CallType.CALL_TYPE_COMPANY,
      CallType.CALL_TYPE_EVENT,
      CallType.CALL_TYPE_PAGE,
      CallType.CALL_TYPE_PAGE,
    ]);
    expect(calls.map((c) => c.title)).toEqual(['', '', '', 'Home', 'Settings']);
  });

  it("the batch's context applies to each item, the item's own keys winning (shallowly)", () => {
    const calls = batchOf(
      mapSegmentBatch(
        {
          context: { active: false, groupId: 'acme', page: { url: 'https://batch.example/' } },
          integrations: { All: true },
          batch: [
            { type: 'track', userId: 'u', event: 'a' },
            { type: 'track', userId: 'u', event: 'b', context: { active: true } },
            { type: 'track', userId: 'u', event: 'c', context: { groupId: 'globex' }, integrations: { All: false } },
            { type: 'page', userId: 'u', context: { page: { path: '/own' } } },
          ],
        },
        RECEIVED,
      ),
    );
    expect(calls.map((c) => [c.event, c.active, c.companyId])).toEqual([
      ['a', false, 'acme'],
      ['b', true, 'acme'],
      ['c', false, 'globex'],
      ['', false, 'acme'],
    ]);
    // context.page is replaced as a whole by the item's, not merged key by key.
    expect(calls[3]).toMatchObject({ path: '/own', url: '' });
  });

  it("the batch's sentAt corrects each item (as @segment/analytics-node sends it); an item's own sentAt wins", () => {
    const calls = batchOf(
      mapSegmentBatch(
        {
          sentAt: '2024-06-01T10:00:00.000Z',
          batch: [
            { type: 'track', userId: 'u', event: 'a', timestamp: '2024-06-01T09:59:00.000Z' },
            { type: 'track', userId: 'u', event: 'b', timestamp: '2024-06-01T09:59:00.000Z', sentAt: '2024-06-01T09:59:30.000Z' },
            { type: 'track', userId: 'u', event: 'c' },
          ],
        },
        RECEIVED,
      ),
    );
    expect(calls.map((c) => c.timestamp?.toISOString())).toEqual([
      '2024-06-01T11:59:00.000Z',
      '2024-06-01T11:59:30.000Z',
      RECEIVED.toISOString(),
    ]);
  });

  it('refuses the whole batch naming each bad item by index and field', () => {
    const result = mapSegmentBatch(
      {
        batch: [
          { type: 'track', userId: 'u', event: 'fine' },
          { type: 'track', userId: 'u' },
          { type: 'identify' },
          { type: 'nope', userId: 'u' },
          'text',
          { type: 'alias', userId: 'u', previousId: 'p' },
          { type: 'page', userId: 'u', properties: { title: 1 } },
        ],
      },
      RECEIVED,
    );
    expect(result.ok).toBe(false);
    expect(!result.ok && result.code).toBe('invalid_request');
    expect(fieldsOf(result)).toEqual([
      'batch.1.event',
      'batch.2.userId',
      'batch.3.type',
      'batch.4',
      'batch.5.type',
      'batch.6.properties.title',
    ]);
    const alias = !result.ok ? result.problems?.find((p) => p.field === 'batch.5.type') : undefined;
    expect(alias?.problems[0]).toContain('alias is not supported');
  });

  it('refuses a body without a batch array, and bad batch-level fields', () => {
    expect(fieldsOf(mapSegmentBatch({}, RECEIVED))).toEqual(['batch']);
    expect(fieldsOf(mapSegmentBatch({ batch: {} }, RECEIVED))).toEqual(['batch']);
    expect(fieldsOf(mapSegmentBatch([], RECEIVED))).toEqual(['body']);
    expect(fieldsOf(mapSegmentBatch({ batch: [], context: 'x', sentAt: 'later' }, RECEIVED))).toEqual(['context', 'sentAt']);
  });

  it('maps an empty batch to no calls', () => {
    expect(mapSegmentBatch({ batch: [] }, RECEIVED)).toEqual({ ok: true, calls: [] });
  });

  it(`holds at most ${SEGMENT_LIMITS.batchCalls} calls`, () => {
    const item = { type: 'track', userId: 'u', event: 'e' };
    expect(
      batchOf(mapSegmentBatch({ batch: Array.from({ length: SEGMENT_LIMITS.batchCalls }, () => item) }, RECEIVED)),
    ).toHaveLength(SEGMENT_LIMITS.batchCalls);
    const over = mapSegmentBatch({ batch: Array.from({ length: SEGMENT_LIMITS.batchCalls + 1 }, () => item) }, RECEIVED);
    expect(over).toMatchObject({ ok: false, code: 'too_many_calls' });
    expect(!over.ok && over.message).toContain('at most 2500 calls');
  });

  it('refuses an item over 32 KB of JSON by its index, and accepts one just under', () => {
    /** A track item of exactly `bytes` bytes of JSON (attribute strings are at most 4,096 characters each). */
    const sized = (bytes: number) => {
      const properties: Record<string, string> = {};
      const item = { type: 'track', userId: 'u', event: 'e', properties };
      for (let i = 0; Buffer.byteLength(JSON.stringify(item)) < bytes; i++) properties[`p${i}`] = 'x'.repeat(4_000);
      const last = `p${Object.keys(properties).length - 1}`;
      properties[last] = properties[last].slice(Buffer.byteLength(JSON.stringify(item)) - bytes);
      return item;
    };
    const under = sized(SEGMENT_LIMITS.callBytes);
    expect(Buffer.byteLength(JSON.stringify(under))).toBe(SEGMENT_LIMITS.callBytes);
    expect(batchOf(mapSegmentBatch({ batch: [under] }, RECEIVED))).toHaveLength(1);
    const over = sized(SEGMENT_LIMITS.callBytes + 1);
    expect(Buffer.byteLength(JSON.stringify(over))).toBe(SEGMENT_LIMITS.callBytes + 1);
    const result = mapSegmentBatch({ batch: [{ type: 'track', userId: 'u', event: 'ok' }, over] }, RECEIVED);
    expect(fieldsOf(result)).toEqual(['batch.1']);
    expect(!result.ok && result.message).toContain(`at most ${SEGMENT_LIMITS.callBytes} bytes`);
  });

  it('summarises very many problems in the message, every one in the details', () => {
    const result = mapSegmentBatch({ batch: Array.from({ length: 30 }, () => ({ type: 'track', userId: 'u' })) }, RECEIVED);
    expect(!result.ok && result.problems).toHaveLength(30);
    expect(!result.ok && result.message).toContain('and 10 more (see details)');
  });
});

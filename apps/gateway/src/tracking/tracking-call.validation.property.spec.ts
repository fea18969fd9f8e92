import { tracking, trackingCall } from '@exportd/contracts';
import fc from 'fast-check';
import { CallKind, CALL_KINDS, CALL_TYPE, FieldProblem, summarize, validateBulk, validateCall } from './tracking-call.validation';
import { CALL_LIMITS } from './tracking.config';

/**
 * Properties of the Tracking API's validation: documented calls are accepted with every field kept, no JSON
 * makes it throw, a wrong field is always named, and each limit holds exactly at its boundary.
 */

const NOW = new Date('2024-06-01T12:00:00Z');
const RUNS = { numRuns: 200 };

/** The fields of each call (README "Public API", tracking.docs.ts). */
const REQUIRED: Record<CallKind, string[]> = {
  user: ['userId'],
  company: ['companyId'],
  event: ['event', 'userId'],
  feedback: ['featureId', 'userId'],
  page: ['userId'],
};
const ID_FIELDS = ['userId', 'companyId', 'messageId', 'featureId', 'promptId', 'feedbackId'];

// ---------------------------------------------------------------- well-formed calls

const anyText = (maxLength: number) =>
  fc.string({
    unit: fc.oneof(fc.constantFrom('"', '\\', '\n', ' ', '\u0000'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })),
    maxLength,
  });
/** Text of a call's own fields, where a NUL is refused (see the NUL property below). */
const text = (maxLength: number) => anyText(maxLength).filter((value) => !value.includes('\u0000'));
const nonBlank = (maxLength: number) => text(maxLength).filter((value) => value.trim().length > 0);
/** A string or an integer sent as a JSON number; stored as text. */
const id = fc.oneof(nonBlank(40), fc.maxSafeInteger(), fc.constantFrom(0, -1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER));
const attributeKey = nonBlank(16);
const attributeValue = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    anyText(20),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(attributeKey, tie('value'), { maxKeys: 4 }),
  ),
})).value;
const attributes = fc.dictionary(fc.oneof(attributeKey, fc.constantFrom('__proto__', 'constructor', 'a.b')), attributeValue, {
  maxKeys: 8,
});

/** An instant and one of the ISO 8601 ways to write it, with the instant it stands for. */
const timestamp = fc
  .record({
    time: fc.integer({ min: Date.UTC(1971, 0, 1), max: Date.UTC(9998, 11, 31) }),
    offsetMinutes: fc.integer({ min: -12 * 4, max: 14 * 4 }).map((quarters) => quarters * 15),
    zone: fc.constantFrom('Z', 'z', 'none', '+HH:MM', '+HHMM', '+HH'),
    separator: fc.constantFrom('T', 't', ' '),
    fraction: fc.constantFrom('none', '.', ','),
    extraDigits: fc.stringMatching(/^\d{0,6}$/),
    dateOnly: fc.boolean(),
  })
  .map(({ time, offsetMinutes, zone, separator, fraction, extraDigits, dateOnly }) => {
    const pad = (value: number, size = 2) => String(value).padStart(size, '0');
    if (dateOnly) {
      const day = new Date(time).toISOString().slice(0, 10);
      return { value: day, instant: new Date(`${day}T00:00:00Z`) };
    }
    const offset = zone.startsWith('+') ? (zone === '+HH' ? Math.trunc(offsetMinutes / 60) * 60 : offsetMinutes) : 0;
    // Without a fraction the instant is whole seconds; fraction digits past the milliseconds are cut off.
    const instant = fraction === 'none' ? time - (((time % 1000) + 1000) % 1000) : time;
    const local = new Date(instant + offset * 60_000);
    const sign = offset < 0 ? '-' : '+';
    const hours = pad(Math.floor(Math.abs(offset) / 60));
    const minutes = pad(Math.abs(offset) % 60);
    const zoneText = {
      Z: 'Z',
      z: 'z',
      none: '',
      '+HH:MM': `${sign}${hours}:${minutes}`,
      '+HHMM': `${sign}${hours}${minutes}`,
      '+HH': `${sign}${hours}`,
    }[zone];
    const clock = `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
    const ms = fraction === 'none' ? '' : `${fraction}${pad(local.getUTCMilliseconds(), 3)}${extraDigits}`;
    const value = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}${separator}${clock}${ms}${zoneText}`;
    return { value, instant: new Date(instant) };
  });

interface Generated {
  kind: CallKind;
  body: Record<string, unknown>;
  /** The instant `timestamp` stands for, when the body has one. */
  instant?: Date;
}

const common = {
  attributes,
  context: fc.record({ active: fc.boolean() }, { requiredKeys: [] }),
  messageId: id,
};

const bodies: Record<CallKind, fc.Arbitrary<Record<string, unknown>>> = {
  user: fc.record({ userId: id, ...common }, { requiredKeys: ['userId'] }),
  company: fc.record({ companyId: id, userId: id, ...common }, { requiredKeys: ['companyId'] }),
  event: fc.record(
    { event: nonBlank(CALL_LIMITS.eventLength), userId: id, companyId: id, ...common },
    { requiredKeys: ['event', 'userId'] },
  ),
  feedback: fc
    .record(
      {
        featureId: id,
        userId: id,
        companyId: id,
        score: fc.integer({ min: 1, max: 5 }),
        comment: text(200),
        messageId: id,
        question: text(100),
        promptedQuestion: text(100),
        promptId: id,
        source: text(CALL_LIMITS.sourceLength),
        feedbackId: id,
      },
      { requiredKeys: ['featureId', 'userId'] },
    )
    .filter((body) => body.score !== undefined || body.comment !== undefined),
  page: fc.record(
    { userId: id, url: text(200), path: text(100), title: text(100), referrer: text(200), companyId: id, ...common },
    { requiredKeys: ['userId'] },
  ),
};

const call: fc.Arbitrary<Generated> = fc
  .constantFrom(...CALL_KINDS)
  .chain((kind) =>
    fc.record({ kind: fc.constant(kind), body: bodies[kind], timestamp: fc.option(timestamp, { nil: undefined }) }),
  )
  .map(({ kind, body, timestamp: chosen }) =>
    chosen ? { kind, body: { ...body, timestamp: chosen.value }, instant: chosen.instant } : { kind, body },
  );

/** The contract call a valid body maps to: every field as sent (ids as text), defaults for the rest. */
function expected({ kind, body, instant }: Generated): tracking.TrackingCall {
  const asText = (value: unknown) => (value === undefined ? '' : String(value));
  const out = trackingCall({
    type: CALL_TYPE[kind],
    messageId: body.messageId === undefined ? undefined : String(body.messageId),
    userId: asText(body.userId),
    companyId: asText(body.companyId),
    timestamp: instant ?? NOW,
    receivedAt: NOW,
  });
  if (kind === 'feedback') {
    return {
      ...out,
      featureId: asText(body.featureId),
      score: body.score as number | undefined,
      comment: body.comment as string | undefined,
      question: asText(body.question),
      promptedQuestion: asText(body.promptedQuestion),
      promptId: asText(body.promptId),
      source: asText(body.source),
      feedbackId: asText(body.feedbackId),
    };
  }
  const withAttributes = {
    ...out,
    attributesJson: body.attributes === undefined ? '{}' : JSON.stringify(body.attributes),
    active: (body.context as { active?: boolean } | undefined)?.active,
  };
  if (kind === 'page') {
    return {
      ...withAttributes,
      url: asText(body.url),
      path: asText(body.path),
      title: asText(body.title),
      referrer: asText(body.referrer),
    };
  }
  return kind === 'event' ? { ...withAttributes, event: body.event as string } : withAttributes;
}

describe('validateCall: documented calls', () => {
  it('accepts every well-formed call and keeps every field', () => {
    fc.assert(
      fc.property(call, (generated) => {
        expect(validateCall(generated.kind, generated.body, NOW)).toEqual({ ok: true, call: expected(generated) });
      }),
      RUNS,
    );
  });

  it('accepts the same calls in one /bulk request, in order', () => {
    fc.assert(
      fc.property(fc.array(call, { minLength: 1, maxLength: 5 }), (calls) => {
        const body = calls.map(({ kind, body: fields }) => ({ type: kind, ...fields }));
        expect(validateBulk(body, NOW)).toEqual({ ok: true, calls: calls.map(expected) });
      }),
      { numRuns: 100 },
    );
  });

  it('reads every ISO 8601 form of an instant as that instant (a time without a zone is UTC)', () => {
    fc.assert(
      fc.property(timestamp, ({ value, instant }) => {
        const result = validateCall('user', { userId: 'u', timestamp: value }, NOW);
        expect(result.ok && result.call.timestamp).toEqual(instant);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a day that does not exist and keeps February 29th of leap years', () => {
    for (const value of [
      '2024-02-30',
      '2023-02-29',
      '2024-04-31',
      '2024-13-01',
      '2024-00-10',
      '2024-05-00',
      '2100-02-29T10:00:00Z',
    ]) {
      expect(validateCall('user', { userId: 'u', timestamp: value }, NOW)).toEqual({
        ok: false,
        problems: [expect.objectContaining({ field: 'timestamp' })],
      });
    }
    for (const value of ['2024-02-29', '2000-02-29T10:00:00Z'])
      expect(validateCall('user', { userId: 'u', timestamp: value }, NOW).ok).toBe(true);
  });
});

// ---------------------------------------------------------------- any JSON

/** Every field of some call. */
const CALL_FIELDS = [
  'userId',
  'companyId',
  'event',
  'featureId',
  'attributes',
  'context',
  'timestamp',
  'messageId',
  'score',
  'comment',
  'question',
  'promptedQuestion',
  'promptId',
  'source',
  'feedbackId',
  'url',
  'path',
  'title',
  'referrer',
];

/** Every problem names a field: `body`, a field of some call, a key sent, or a path below one. */
function namesFields(problems: FieldProblem[], body: unknown): void {
  expect(problems.length).toBeGreaterThan(0);
  const sent = typeof body === 'object' && body !== null && !Array.isArray(body) ? Object.keys(body) : [];
  const known = new Set([...sent, ...CALL_FIELDS, 'body']);
  const message = summarize(problems);
  for (const problem of problems) {
    expect(problem.problems.length).toBeGreaterThan(0);
    expect([...known].some((name) => problem.field === name || problem.field.startsWith(`${name}.`))).toBe(true);
    expect(message).toContain(`${problem.field}: `);
  }
}

/** Objects with the calls' own keys holding any JSON, so each field's checks see every kind of value. */
const fieldsWithAnyJson = fc.dictionary(fc.constantFrom(...CALL_FIELDS, 'type', 'extra'), fc.jsonValue({ maxDepth: 3 }), {
  maxKeys: 6,
});
const anyBody = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fieldsWithAnyJson,
  fc.anything({ maxDepth: 2 }).map((value) => tryJson(value)),
);

/** fc.anything made JSON: what JSON.parse can give (undefined, functions and the like dropped). */
function tryJson(value: unknown): unknown {
  try {
    const textOf = JSON.stringify(value);
    return textOf === undefined ? null : (JSON.parse(textOf) as unknown);
  } catch {
    return null;
  }
}

describe('validateCall and validateBulk: any JSON', () => {
  it('never throw: a body is accepted or rejected with every problem naming a field', () => {
    fc.assert(
      fc.property(fc.constantFrom(...CALL_KINDS), anyBody, (kind, body) => {
        const result = validateCall(kind, body, NOW);
        if (!result.ok) namesFields(result.problems, body);
      }),
      { numRuns: 1000 },
    );
  });

  it('name the item of a /bulk request that is wrong', () => {
    const item = fc.oneof(
      anyBody,
      fc.tuple(fc.constantFrom(...CALL_KINDS, 'nope'), fieldsWithAnyJson).map(([type, fields]) => ({ ...fields, type })),
    );
    fc.assert(
      fc.property(fc.oneof(fc.array(item, { maxLength: 4 }), anyBody), (body) => {
        const result = validateBulk(body, NOW);
        if (result.ok) return;
        if (!Array.isArray(body) || body.length === 0) {
          expect(result.problems).toEqual([{ field: 'body', problems: [expect.any(String)] }]);
          return;
        }
        for (const problem of result.problems) {
          const index = Number(problem.field.split('.')[0]);
          expect(Number.isInteger(index) && index >= 0 && index < body.length).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('refuse, naming attributes, attributes nested as deep as a 32 KB body allows', () => {
    const deep = JSON.parse(`${'['.repeat(16_000)}${']'.repeat(16_000)}`) as unknown;
    for (const attributesValue of [{ a: deep }, { a: Array.from({ length: 1_001 }, () => 1), b: deep }]) {
      const result = validateCall('user', { userId: 'u', attributes: attributesValue }, NOW);
      expect(result).toEqual({ ok: false, problems: [expect.objectContaining({ field: 'attributes' })] });
    }
  });
});

// ---------------------------------------------------------------- one wrong field

const wrongId = fc.oneof(
  fc.boolean(),
  fc.constant({}),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.double({ noNaN: true }).filter((value) => !Number.isSafeInteger(value)),
  fc.constantFrom(2 ** 53, -(2 ** 53), 1.5),
  fc.stringMatching(/^\s*$/),
  fc.constant('x'.repeat(CALL_LIMITS.idLength + 1)),
);
const wrongEvent = fc.oneof(
  fc.boolean(),
  fc.integer(),
  fc.constant({}),
  fc.constant([]),
  fc.stringMatching(/^\s*$/),
  fc.constant('x'.repeat(CALL_LIMITS.eventLength + 1)),
);

describe('validateCall: one wrong required field', () => {
  it('is refused, and the problem names that field', () => {
    const mutated = call.chain((generated) =>
      fc.record({
        generated: fc.constant(generated),
        field: fc.constantFrom(...REQUIRED[generated.kind]),
        wrong: fc.oneof(fc.constant(undefined), fc.constant(null), wrongId, wrongEvent),
      }),
    );
    fc.assert(
      fc.property(mutated, ({ generated: { kind, body }, field, wrong }) => {
        // Each wrong value is wrong for every required field, except an integer for `event` (ids take one).
        fc.pre(!(field !== 'event' && typeof wrong === 'number' && Number.isSafeInteger(wrong)));
        const changed: Record<string, unknown> = { ...body, [field]: wrong };
        if (wrong === undefined) delete changed[field];
        const result = validateCall(kind, changed, NOW);
        expect(result.ok).toBe(false);
        expect(!result.ok && result.problems.map((problem) => problem.field)).toEqual([field]);
      }),
      RUNS,
    );
  });
});

// ---------------------------------------------------------------- limits

/** A valid call of `kind` with `field` set to `value`. */
function withField(kind: CallKind, field: string, value: unknown): Record<string, unknown> {
  const base: Record<CallKind, Record<string, unknown>> = {
    user: { userId: 'u' },
    company: { companyId: 'c' },
    event: { event: 'E', userId: 'u' },
    feedback: { featureId: 'f', userId: 'u', score: 3 },
    page: { userId: 'u' },
  };
  return { ...base[kind], [field]: value };
}

const TEXT_LIMITS: [CallKind, string, number][] = [
  ...ID_FIELDS.map((field): [CallKind, string, number] => ['feedback', field, CALL_LIMITS.idLength]),
  ['event', 'event', CALL_LIMITS.eventLength],
  ['feedback', 'comment', CALL_LIMITS.commentLength],
  ['feedback', 'question', CALL_LIMITS.questionLength],
  ['feedback', 'promptedQuestion', CALL_LIMITS.questionLength],
  ['feedback', 'source', CALL_LIMITS.sourceLength],
  ['page', 'url', CALL_LIMITS.urlLength],
  ['page', 'path', CALL_LIMITS.urlLength],
  ['page', 'referrer', CALL_LIMITS.urlLength],
  ['page', 'title', CALL_LIMITS.titleLength],
];

/** A non-blank string of exactly `length` UTF-16 code units. */
const ofLength = (length: number) =>
  fc
    .tuple(nonBlank(8), fc.constantFrom('x', ' ', 'é', '"', '\n'))
    .map(([start, fill]) => (start.length >= length ? 'x' : start).padEnd(length, fill).slice(0, length))
    .filter((value) => value.length === length && value.trim().length > 0);

/** Whether the result refuses exactly at `field`. */
const refusesAt = (result: ReturnType<typeof validateCall>, field: string) =>
  !result.ok && result.problems.length === 1 && result.problems[0]?.field === field;

describe('validateCall: limits hold exactly at the boundary', () => {
  it.each(TEXT_LIMITS)('%s %s: %d characters accepted, one more refused', (kind, field, limit) => {
    fc.assert(
      fc.property(
        ofLength(limit),
        fc.string({ unit: fc.constantFrom('x', 'é', ' '), minLength: 1, maxLength: 1 }),
        (atLimit, more) => {
          expect(validateCall(kind, withField(kind, field, atLimit), NOW).ok).toBe(true);
          expect(refusesAt(validateCall(kind, withField(kind, field, atLimit + more), NOW), field)).toBe(true);
        },
      ),
      { numRuns: 20 },
    );
  });

  it('attributes: key length, string length and key count', () => {
    fc.assert(
      fc.property(ofLength(CALL_LIMITS.attributeKeyLength), ofLength(CALL_LIMITS.attributeStringLength), (key, value) => {
        const call = (attrs: Record<string, unknown>) => validateCall('user', { userId: 'u', attributes: attrs }, NOW);
        expect(call({ [key]: 1 }).ok).toBe(true);
        expect(refusesAt(call({ [`${key}y`]: 1 }), 'attributes')).toBe(true);
        expect(call({ k: value }).ok).toBe(true);
        expect(refusesAt(call({ k: `${value}y` }), 'attributes.k')).toBe(true);
        expect(call({ k: [{ k: value }] }).ok).toBe(true);
        expect(refusesAt(call({ k: [{ k: `${value}y` }] }), 'attributes.k.0.k')).toBe(true);
      }),
      { numRuns: 20 },
    );
    const keys = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, i]));
    expect(validateCall('user', { userId: 'u', attributes: keys(CALL_LIMITS.attributeCount) }, NOW).ok).toBe(true);
    expect(
      refusesAt(validateCall('user', { userId: 'u', attributes: keys(CALL_LIMITS.attributeCount + 1) }, NOW), 'attributes'),
    ).toBe(true);
  });

  it(`attributes: ${CALL_LIMITS.attributeDepth} levels of nesting accepted, one more refused`, () => {
    const nested = (levels: number, arrays: boolean[]): unknown =>
      levels === 0 ? 'leaf' : arrays[levels % arrays.length] ? [nested(levels - 1, arrays)] : { a: nested(levels - 1, arrays) };
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }), fc.boolean(), (arrays, empty) => {
        // The deepest level holds a scalar, or is itself empty.
        const attrs = (levels: number) => ({ k: empty ? wrapEmpty(levels, arrays) : nested(levels, arrays) });
        expect(validateCall('user', { userId: 'u', attributes: attrs(CALL_LIMITS.attributeDepth) }, NOW).ok).toBe(true);
        expect(
          refusesAt(validateCall('user', { userId: 'u', attributes: attrs(CALL_LIMITS.attributeDepth + 1) }, NOW), 'attributes'),
        ).toBe(true);
      }),
      { numRuns: 50 },
    );
  });

  it(`attributes: ${CALL_LIMITS.attributeNodes} keys and elements in all accepted, one more refused`, () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: CALL_LIMITS.attributeCount }), (keyCount) => {
        const spread = (nodes: number) => {
          const elements = nodes - keyCount;
          return Object.fromEntries(
            Array.from({ length: keyCount }, (_, i) => {
              const share = Math.floor(elements / keyCount) + (i < elements % keyCount ? 1 : 0);
              return [`k${i}`, Array.from({ length: share }, () => 0)];
            }),
          );
        };
        expect(validateCall('user', { userId: 'u', attributes: spread(CALL_LIMITS.attributeNodes) }, NOW).ok).toBe(true);
        expect(
          refusesAt(validateCall('user', { userId: 'u', attributes: spread(CALL_LIMITS.attributeNodes + 1) }, NOW), 'attributes'),
        ).toBe(true);
      }),
      { numRuns: 30 },
    );
  });
});

/** `levels` object or array levels, the deepest one empty. */
function wrapEmpty(levels: number, arrays: boolean[]): unknown {
  let value: unknown = arrays[0] ? [] : {};
  for (let level = 1; level < levels; level++) value = arrays[level % arrays.length] ? [value] : { a: value };
  return value;
}

describe('validateCall: a NUL character, which the store cannot keep', () => {
  it('in an id or text field is refused naming the field; in an attribute value it is kept', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TEXT_LIMITS), nonBlank(8), text(8), ([kind, field], before, after) => {
        expect(refusesAt(validateCall(kind, withField(kind, field, `${before}\u0000${after}`), NOW), field)).toBe(true);
      }),
      RUNS,
    );
    const kept = validateCall('user', { userId: 'u', attributes: { note: 'a\u0000b' } }, NOW);
    expect(kept.ok && JSON.parse(kept.call.attributesJson)).toEqual({ note: 'a\u0000b' });
  });
});

import { compileFilter, expandNamed, fieldsOf, NamedFilterCycle, QueryField, withConditions } from './compile';
import { evaluateFilter, parseFilter, UnresolvedNamedFilter } from './filter';

const FIELDS: Record<string, QueryField> = {
  event_name: { path: 'event', type: 'string' },
  user_id: { path: 'userId', type: 'string' },
  event_type: { path: 'type', type: 'string', values: { track: 'event', identify_user: 'user' } },
  score: { path: 'score', type: 'number' },
};

describe('compileFilter', () => {
  const compile = (text: string) => compileFilter(parseFilter(text), FIELDS);

  it('compiles equality, IN and AND into conditions and leaves attributes to the rows', () => {
    expect(compile(`event_name == 'Opened report' AND attributes.plan IN ['pro', 'enterprise']`)).toEqual({
      conditions: [{ event: 'Opened report' }],
      residual: { kind: 'in', field: 'attributes.plan', negated: false, values: ['pro', 'enterprise'] },
    });
    expect(compile(`user_id IN ['u1', 'u2'] AND event_name != null`)).toEqual({
      conditions: [{ userId: { $in: ['u1', 'u2'] } }, { event: { $ne: null } }],
    });
    expect(compile(`user_id NOT_IN ['u1']`)).toEqual({ conditions: [{ userId: { $nin: ['u1'] } }] });
  });

  it('compiles ranges and OR when every branch compiles, and maps stored values', () => {
    expect(compile('score >= 4 AND score < 5')).toEqual({ conditions: [{ score: { $gte: 4 } }, { score: { $lt: 5 } }] });
    expect(compile(`event_type == 'track' OR user_id == 'u1'`)).toEqual({
      conditions: [{ $or: [{ type: 'event' }, { userId: 'u1' }] }],
    });
  });

  it('leaves case-insensitive, contains, mixed-type and unknown-field comparisons to the rows', () => {
    for (const text of [
      `event_name =~ 'opened report'`,
      `event_name !~ 'x'`,
      `event_name =@ 'Opened'`,
      `event_name !@ 'x'`,
      'score == "4"',
      'user_id == 4',
      `event_type == 'page'`,
      `attributes.plan == 'pro'`,
      `event_name == 'a' OR attributes.plan == 'pro'`,
      'score > null',
    ]) {
      const compiled = compile(text);
      expect(compiled.conditions).toEqual([]);
      expect(compiled.residual).toEqual(parseFilter(text));
    }
  });

  it('gives the same answer as the evaluator on every row (query part simulated on the same rows)', () => {
    const rows = [
      { event: 'Opened report', userId: 'u1', type: 'event', score: 4, plan: 'pro' },
      { event: 'opened report', userId: 'u2', type: 'event', score: null, plan: 'enterprise' },
      { userId: 'u3', type: 'user', plan: 'free' },
      { event: 'Closed', userId: 'u1', type: 'event', score: 5 },
    ];
    const asExported = (row: (typeof rows)[number]) => ({
      event_name: row.event,
      user_id: row.userId,
      event_type: row.type === 'event' ? 'track' : 'identify_user',
      score: row.score,
      'attributes.plan': row.plan,
    });
    const matchesQuery = (row: Record<string, unknown>, condition: Record<string, unknown>): boolean =>
      Object.entries(condition).every(([key, test]) => {
        if (key === '$or') return (test as Record<string, unknown>[]).some((c) => matchesQuery(row, c));
        if (key === '$and') return (test as Record<string, unknown>[]).every((c) => matchesQuery(row, c));
        const actual = row[key] ?? null;
        if (test === null || typeof test !== 'object') return actual === test;
        const [[op, value]] = Object.entries(test as Record<string, unknown>) as [[string, unknown]];
        switch (op) {
          case '$in':
            return (value as unknown[]).includes(actual);
          case '$nin':
            return !(value as unknown[]).includes(actual);
          case '$ne':
            return actual !== value;
          default: {
            if (actual === null) return false;
            const [a, b] = [actual as number, value as number];
            return op === '$lt' ? a < b : op === '$lte' ? a <= b : op === '$gt' ? a > b : a >= b;
          }
        }
      });
    for (const text of [
      `event_name == 'Opened report' AND attributes.plan IN ['pro', 'enterprise']`,
      `event_type == 'track' AND score >= 4`,
      `user_id NOT_IN ['u2'] OR event_name == null`,
      `event_name != null AND event_name =~ 'OPENED REPORT'`,
      `(user_id == 'u1' OR user_id == 'u3') AND score < 5`,
    ]) {
      const tree = parseFilter(text);
      const { conditions, residual } = compileFilter(tree, FIELDS);
      for (const row of rows) {
        const compiled =
          conditions.every((c) => matchesQuery(row, c)) && (!residual || evaluateFilter(residual, asExported(row)));
        expect([text, row, compiled]).toEqual([text, row, evaluateFilter(tree, asExported(row))]);
      }
    }
  });
});

describe('withConditions', () => {
  it('keeps new keys as top-level equalities and ANDs the others', () => {
    expect(withConditions({ appId: 'a', userId: { $nin: ['x'] } }, [{ event: 'E' }, { userId: 'u' }, { $or: [] }])).toEqual({
      appId: 'a',
      event: 'E',
      userId: { $nin: ['x'] },
      $and: [{ userId: 'u' }, { $or: [] }],
    });
  });
});

describe('expandNamed', () => {
  const stored: Record<string, string> = { PRO: `plan IN ['pro']`, BIG: '$PRO AND seats > 10', A: '$B', B: '$C', C: '$A' };
  const resolve = (name: string) => (stored[name] ? parseFilter(stored[name]) : undefined);

  it('inlines stored filters recursively', () => {
    const tree = expandNamed(parseFilter('$BIG OR x == 1'), resolve);
    expect(fieldsOf(tree)).toEqual(['plan', 'seats', 'x']);
  });

  it('names an unknown filter and a cycle', () => {
    expect(() => expandNamed(parseFilter('$NOPE'), resolve)).toThrow(UnresolvedNamedFilter);
    let caught: unknown;
    try {
      expandNamed(parseFilter('x == 1 AND $A'), resolve);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(NamedFilterCycle);
    expect((caught as NamedFilterCycle).path).toEqual(['A', 'B', 'C', 'A']);
  });
});

import {
  evaluateFilter,
  FilterSyntaxError,
  namedReferences,
  parseFilter,
  parseFilters,
  tokenize,
  UnresolvedNamedFilter,
} from './filter';

describe('parseFilter', () => {
  it('parses every comparison operator', () => {
    for (const op of ['==', '!=', '=~', '!~', '=@', '!@', '<', '<=', '>', '>=']) {
      expect(parseFilter(`a ${op} 1`)).toEqual({ kind: 'compare', field: 'a', op, value: 1 });
    }
  });

  it('binds AND tighter than OR, and parentheses override it', () => {
    expect(parseFilter('a == 1 OR b == 2 AND c == 3')).toEqual({
      kind: 'or',
      children: [
        { kind: 'compare', field: 'a', op: '==', value: 1 },
        {
          kind: 'and',
          children: [
            { kind: 'compare', field: 'b', op: '==', value: 2 },
            { kind: 'compare', field: 'c', op: '==', value: 3 },
          ],
        },
      ],
    });
    expect(parseFilter('(a == 1 OR b == 2) AND c == 3')).toMatchObject({
      kind: 'and',
      children: [{ kind: 'or' }, { kind: 'compare' }],
    });
  });

  it('parses IN and NOT_IN lists, including an empty one', () => {
    expect(parseFilter(`plan IN ["pro", 'enterprise', 3, null]`)).toEqual({
      kind: 'in',
      field: 'plan',
      negated: false,
      values: ['pro', 'enterprise', 3, null],
    });
    expect(parseFilter('plan not_in []')).toEqual({ kind: 'in', field: 'plan', negated: true, values: [] });
  });

  it('reads literals: strings with escapes, numbers, booleans, null', () => {
    expect(parseFilter(String.raw`a == "say \"hi\"\n\u00e9\\"`)).toMatchObject({ value: 'say "hi"\né\\' });
    expect(parseFilter(String.raw`a == 'it\'s'`)).toMatchObject({ value: "it's" });
    expect(parseFilter('a >= -1.5e2')).toMatchObject({ value: -150 });
    expect(parseFilter('a == .5')).toMatchObject({ value: 0.5 });
    expect(parseFilter('a == TRUE')).toMatchObject({ value: true });
    expect(parseFilter('a != false')).toMatchObject({ value: false });
    expect(parseFilter('a == null')).toMatchObject({ value: null });
  });

  it('accepts dotted and quoted field names and $NAME references', () => {
    expect(parseFilter('company.plan-tier == 1')).toMatchObject({ field: 'company.plan-tier' });
    expect(parseFilter('"monthly spend" > 1')).toMatchObject({ field: 'monthly spend' });
    const tree = parseFilter('$BIG AND ($PAYING OR x == 1)');
    expect(namedReferences(tree)).toEqual(['BIG', 'PAYING']);
  });

  it('joins several filters with AND', () => {
    expect(parseFilters(['a == 1', 'b == 2'])).toMatchObject({ kind: 'and', children: [{ field: 'a' }, { field: 'b' }] });
    expect(parseFilters([])).toBeUndefined();
  });

  it.each([
    ['', 'empty filter', 0],
    ['a ==', 'expected a value (string, number, true, false or null), found the end', 4],
    ['a = 1', 'unexpected character "="', 2],
    ['a == "open', 'unterminated string', 5],
    ['(a == 1', 'expected ) found the end', 7],
    ['a == 1 b == 2', 'expected AND, OR or the end, found "b"', 7],
    ['a IN [1 2]', 'expected , or ] found "2"', 8],
    ['a IN 1', 'expected [ found "1"', 5],
    ['== 1', 'expected a field name, found "=="', 0],
    ['a 1', 'expected an operator after a, found "1"', 2],
    ['a == 12abc', 'invalid number', 5],
    ['a == 1 AND', 'expected a field name, found the end', 10],
    ['a == # ', 'unexpected character "#"', 5],
    ['a == "\\u12"', 'invalid \\u escape', 6],
    ['$ == 1', 'expected a filter name after $', 0],
  ])('rejects %j: %s at %d', (input, reason, position) => {
    let caught: unknown;
    try {
      parseFilter(input);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(FilterSyntaxError);
    expect(caught).toMatchObject({ reason, position, message: `${reason} at position ${position}` });
  });

  it('tokenizes with positions', () => {
    expect(tokenize('a<=1').map((t) => [t.kind, t.position])).toEqual([
      ['ident', 0],
      ['op', 1],
      ['number', 3],
      ['end', 4],
    ]);
  });
});

describe('evaluateFilter', () => {
  const company = {
    name: 'Acme Corp',
    monthly_spend: 120,
    seats: '15',
    plan: 'pro',
    hasSlack: true,
    tags: ['beta', 'eu'],
    churn: null,
    since: '2025-03-01',
  };
  const check = (filter: string) => evaluateFilter(parseFilter(filter), company);

  it.each([
    ['monthly_spend >= 50', true],
    ['monthly_spend < 50', false],
    ['monthly_spend == 120', true],
    ['seats > 10', true],
    ['seats == 15', true],
    ['name == "acme corp"', false],
    ['name =~ "acme corp"', true],
    ['name !~ "ACME CORP"', false],
    ['name != "Acme Corp"', false],
    ['name =@ "Corp"', true],
    ['name =@ "corp"', false],
    ['name !@ "Inc"', true],
    ['tags =@ "beta"', true],
    ['tags !@ "us"', true],
    ['hasSlack == true', true],
    ['hasSlack == "true"', false],
    ['churn == null', true],
    ['missing == null', true],
    ['missing != null', false],
    ['name != null', true],
    ['missing > 1', false],
    ['missing != 1', true],
    ['since >= "2025-01-01" AND since < "2026-01-01"', true],
    ['plan IN ["pro", "enterprise"]', true],
    ['plan NOT_IN ["pro", "enterprise"]', false],
    ['plan IN []', false],
    ['plan == "free" OR monthly_spend > 100', true],
    ['(plan == "free" OR monthly_spend > 100) AND hasSlack == false', false],
    ['__proto__ == null', true],
    ['name > 5', false],
  ])('%s -> %s', (filter, expected) => {
    expect(check(filter)).toBe(expected);
  });

  it('resolves $NAME through the hook, and fails clearly without it', () => {
    const tree = parseFilter('$BIG AND plan == "pro"');
    expect(
      evaluateFilter(tree, company, {
        resolveNamed: (name) => (name === 'BIG' ? parseFilter('monthly_spend > 100') : undefined),
      }),
    ).toBe(true);
    expect(() => evaluateFilter(tree, company)).toThrow(UnresolvedNamedFilter);
  });
});

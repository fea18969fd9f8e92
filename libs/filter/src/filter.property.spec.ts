import fc from 'fast-check';
import sift from 'sift';
import { compileFilter, QueryField, withConditions } from './compile';
import {
  evaluateFilter,
  FilterNode,
  FilterSyntaxError,
  Literal,
  MAX_FILTER_DEPTH,
  Operator,
  parseFilter,
  parseFilters,
} from './filter';

/**
 * Properties of the filter language: printed ASTs parse back to themselves, no input makes the parser throw
 * anything but FilterSyntaxError, and a compiled MongoDB query (run by sift, an evaluator of MongoDB query
 * semantics) plus the residual answers like evaluateFilter on every row.
 */

const RUNS = { numRuns: 300 };
const OPERATORS: Operator[] = ['==', '!=', '=~', '!~', '=@', '!@', '<', '<=', '>', '>='];
const KEYWORDS = ['AND', 'OR', 'IN', 'NOT_IN'];

// ---------------------------------------------------------------- printing an AST as filter text

interface Style {
  /** Which quote each string takes, by position (cycled). */
  quotes: boolean[];
  /** Write every character of a string as a `\uXXXX` escape. */
  unicodeEscapes: boolean;
  /** Keywords in lower case (they are case-insensitive). */
  lowerKeywords: boolean;
  /** Parentheses around every nested AND/OR, or only where precedence needs them. */
  allParens: boolean;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_.\-$]*$/;

function printer(style: Style): (node: FilterNode) => string {
  let quoteIndex = 0;
  const word = (text: string) => (style.lowerKeywords ? text.toLowerCase() : text);
  const quoted = (value: string) => {
    const quote = style.quotes[quoteIndex++ % style.quotes.length] ? '"' : "'";
    const body = style.unicodeEscapes
      ? Array.from({ length: value.length }, (_, i) => `\\u${value.charCodeAt(i).toString(16).padStart(4, '0')}`).join('')
      : value.replace(/[\\'"\n\r\t]/g, (char) =>
          char === '\n'
            ? '\\n'
            : char === '\r'
              ? '\\r'
              : char === '\t'
                ? '\\t'
                : char === quote || char === '\\'
                  ? `\\${char}`
                  : char,
        );
    return `${quote}${body}${quote}`;
  };
  const literal = (value: Literal): string => {
    if (value === null) return word('null');
    if (typeof value === 'boolean') return word(String(value));
    if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
    return quoted(value);
  };
  const field = (name: string) => (IDENTIFIER.test(name) && !KEYWORDS.includes(name.toUpperCase()) ? name : quoted(name));
  const print = (node: FilterNode, parent?: 'and' | 'or'): string => {
    switch (node.kind) {
      case 'and':
      case 'or': {
        const text = node.children.map((child) => print(child, node.kind)).join(` ${word(node.kind.toUpperCase())} `);
        // AND binds tighter than OR: an AND inside an OR needs no parentheses, an OR inside an AND does.
        const needsParens = parent !== undefined && (style.allParens || (parent === 'and' && node.kind === 'or'));
        return needsParens ? `(${text})` : text;
      }
      case 'named':
        return `$${node.name}`;
      case 'compare':
        return `${field(node.field)} ${node.op} ${literal(node.value)}`;
      case 'in':
        return `${field(node.field)} ${word(node.negated ? 'NOT_IN' : 'IN')} [${node.values.map(literal).join(', ')}]`;
    }
  };
  return (node) => print(node);
}

/** Nested AND in AND (and OR in OR) written without parentheses parse as one flat AND (OR). */
function flatten(node: FilterNode): FilterNode {
  if (node.kind !== 'and' && node.kind !== 'or') return node;
  return {
    kind: node.kind,
    children: node.children.map(flatten).flatMap((child) => (child.kind === node.kind ? child.children : [child])),
  };
}

// ---------------------------------------------------------------- generating ASTs

const SPECIAL = ['"', "'", '\\', '\n', '\r', '\t', ' ', ',', '(', ')', '[', ']', '==', 'AND', 'or', '$x', '\\u0041'];
const textUnit = fc.oneof(fc.constantFrom(...SPECIAL), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }));
const text = fc.string({ unit: textUnit, maxLength: 12 });
const identifier = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.\-$]{0,8}$/);
const number = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(-0, 0.5, 1e21, 5e-324, Number.MAX_VALUE),
);
const literalOf = (strings: fc.Arbitrary<string>, numbers: fc.Arbitrary<number>): fc.Arbitrary<Literal> =>
  fc.oneof(strings, numbers, fc.boolean(), fc.constant(null));

function astOf(fields: fc.Arbitrary<string>, literal: fc.Arbitrary<Literal>, named = true): fc.Arbitrary<FilterNode> {
  const leaves: fc.Arbitrary<FilterNode>[] = [
    fc.record({ kind: fc.constant('compare' as const), field: fields, op: fc.constantFrom(...OPERATORS), value: literal }),
    fc.record({
      kind: fc.constant('in' as const),
      field: fields,
      negated: fc.boolean(),
      values: fc.array(literal, { maxLength: 4 }),
    }),
  ];
  if (named) leaves.push(fc.record({ kind: fc.constant('named' as const), name: fc.stringMatching(/^[A-Za-z0-9_]{1,8}$/) }));
  return fc.letrec<{ node: FilterNode }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      ...leaves,
      fc.record({
        kind: fc.constantFrom('and' as const, 'or' as const),
        children: fc.array(tie('node'), { minLength: 2, maxLength: 4 }),
      }),
    ),
  })).node;
}

const ast = astOf(fc.oneof(identifier, text), literalOf(text, number));
const style = fc.record({
  quotes: fc.array(fc.boolean(), { minLength: 1, maxLength: 4 }),
  unicodeEscapes: fc.boolean(),
  lowerKeywords: fc.boolean(),
  allParens: fc.boolean(),
});

describe('parseFilter of a printed AST', () => {
  it('gives back the AST exactly when every nested AND/OR is in parentheses', () => {
    fc.assert(
      fc.property(ast, style, (node, chosen) => {
        expect(parseFilter(printer({ ...chosen, allParens: true })(node))).toEqual(node);
      }),
      RUNS,
    );
  });

  it('gives back the AST, flattened, with only the parentheses precedence needs', () => {
    fc.assert(
      fc.property(ast, style, (node, chosen) => {
        expect(flatten(parseFilter(printer({ ...chosen, allParens: false })(node)))).toEqual(flatten(node));
      }),
      RUNS,
    );
  });

  it('parseFilters joins several filters by AND', () => {
    fc.assert(
      fc.property(fc.array(ast, { minLength: 2, maxLength: 4 }), style, (nodes, chosen) => {
        const print = printer(chosen);
        expect(flatten(parseFilters(nodes.map(print)) as FilterNode)).toEqual(flatten({ kind: 'and', children: nodes }));
      }),
      { numRuns: 100 },
    );
  });
});

// ---------------------------------------------------------------- arbitrary input

/** Parses, and lets only FilterSyntaxError out (with a position inside the input). */
function parsesOrSyntaxError(input: string): void {
  try {
    parseFilter(input);
  } catch (error) {
    expect(error).toBeInstanceOf(FilterSyntaxError);
    const { position } = error as FilterSyntaxError;
    expect(position).toBeGreaterThanOrEqual(0);
    expect(position).toBeLessThanOrEqual(input.length);
  }
}

const TOKENS = [
  ...OPERATORS,
  ...KEYWORDS,
  'and',
  'not_in',
  'true',
  'FALSE',
  'null',
  '(',
  ')',
  '[',
  ']',
  ',',
  '$',
  '$N1',
  'a',
  'a.b-c$',
  '_',
  '1',
  '-2.5e3',
  '+.5',
  '.',
  '1e',
  '1x',
  '"',
  "'",
  '"a\\"b"',
  "'\\u00e9'",
  "'\\u12'",
  '\\',
  ' ',
  '\t',
  '\n',
  '!',
  '=',
];

describe('parseFilter on any input', () => {
  it('throws nothing but FilterSyntaxError on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 80 })), parsesOrSyntaxError),
      { numRuns: 1000 },
    );
  });

  it('throws nothing but FilterSyntaxError on strings of grammar tokens', () => {
    const tokens = fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 });
    fc.assert(
      fc.property(tokens, fc.constantFrom('', ' '), (parts, separator) => parsesOrSyntaxError(parts.join(separator))),
      { numRuns: 2000 },
    );
  });

  it('throws nothing but FilterSyntaxError on printed ASTs with one character changed', () => {
    fc.assert(
      fc.property(ast, style, fc.nat(), fc.constantFrom(...TOKENS, ''), (node, chosen, at, replacement) => {
        const input = printer(chosen)(node);
        const i = at % (input.length + 1);
        parsesOrSyntaxError(input.slice(0, i) + replacement + input.slice(i + 1));
      }),
      RUNS,
    );
  });

  it('refuses nesting deeper than any real filter with a FilterSyntaxError, not a stack overflow', () => {
    // A filter field takes up to 10,000 characters: 3,000 open parentheses overflowed the parser's stack.
    for (const input of ['('.repeat(3000), `${'('.repeat(4990)}a == 1${')'.repeat(4990)}`]) {
      expect(() => parseFilter(input)).toThrow(FilterSyntaxError);
    }
    const nested = (depth: number) => `${'('.repeat(depth)}a == 1${')'.repeat(depth)}`;
    expect(parseFilter(nested(MAX_FILTER_DEPTH))).toEqual({ kind: 'compare', field: 'a', op: '==', value: 1 });
    expect(() => parseFilter(nested(MAX_FILTER_DEPTH + 1))).toThrow(FilterSyntaxError);
  });
});

// ---------------------------------------------------------------- compiled query against the evaluator

/**
 * Rows as stored (MongoDB documents) and as the evaluator sees them (export column names and values):
 * `event_type` is stored as the call type and exported as the export type (the map is deliberately not
 * order-preserving, as the real one is not), `user_id` and `day` are strings, `score` a number; `plan` is
 * not a query field (always left to the residual).
 */
const EXPORT_TYPE_OF_STORED: Record<string, string> = {
  user: 'identify_user',
  event: 'track',
  page: 'page_view',
  company: 'identify_company',
};
const FIELDS: Record<string, QueryField> = {
  event_type: {
    path: 'type',
    type: 'string',
    values: Object.fromEntries(Object.entries(EXPORT_TYPE_OF_STORED).map(([stored, exported]) => [exported, stored])),
  },
  user_id: { path: 'userId', type: 'string' },
  day: { path: 'day', type: 'string' },
  score: { path: 'score', type: 'number' },
};

const smallText = fc.constantFrom(
  '',
  'a',
  'A',
  'b',
  'ab',
  'B',
  '2024-01-01',
  '2024-01-02',
  '10',
  '9',
  'é',
  'É',
  'track',
  'Track',
  'page_view',
);
const smallNumber = fc.constantFrom(-1, 0, 1, 2.5, 4, 5, 10);
const present = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: null });

interface StoredRow {
  type?: string | null;
  userId?: string | null;
  day?: string | null;
  score?: number | null;
  plan?: unknown;
}

const storedRow: fc.Arbitrary<StoredRow> = fc.record(
  {
    type: present(fc.constantFrom(...Object.keys(EXPORT_TYPE_OF_STORED))),
    userId: present(smallText),
    day: present(smallText),
    score: present(smallNumber),
    plan: fc.oneof(smallText, smallNumber, fc.boolean(), fc.constant(null), fc.array(smallText, { maxLength: 2 })),
  },
  { requiredKeys: [] },
);

/** The row as the evaluator reads it: export names, the export type for event_type. */
function exported(row: StoredRow): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (row.type !== undefined) out.event_type = row.type === null ? null : EXPORT_TYPE_OF_STORED[row.type];
  if (row.userId !== undefined) out.user_id = row.userId;
  if (row.day !== undefined) out.day = row.day;
  if (row.score !== undefined) out.score = row.score;
  if (row.plan !== undefined) out.plan = row.plan;
  return out;
}

const queryAst = astOf(
  fc.constantFrom('event_type', 'user_id', 'day', 'score', 'plan'),
  literalOf(fc.oneof(smallText, fc.constantFrom(...Object.values(EXPORT_TYPE_OF_STORED))), smallNumber),
  false,
);

function queryAndResidual(node: FilterNode, row: StoredRow): boolean {
  const { conditions, residual } = compileFilter(node, FIELDS);
  const byQuery = conditions.every((condition) => sift(condition)(row));
  return byQuery && (residual === undefined || evaluateFilter(residual, exported(row)));
}

describe('compileFilter', () => {
  it('query (run by sift) AND residual answers like evaluateFilter on every row', () => {
    fc.assert(
      fc.property(queryAst, storedRow, (node, row) => {
        expect(queryAndResidual(node, row)).toBe(evaluateFilter(node, exported(row)));
      }),
      { numRuns: 2000 },
    );
  });

  it('withConditions keeps the tenant condition and answers like the conditions', () => {
    fc.assert(
      fc.property(queryAst, storedRow, fc.constantFrom('app1', 'app2'), (node, row, appId) => {
        const { conditions } = compileFilter(node, FIELDS);
        const query = withConditions({ appId: 'app1' }, conditions);
        const document = { ...row, appId };
        expect(sift(query)(document)).toBe(appId === 'app1' && conditions.every((condition) => sift(condition)(document)));
      }),
      RUNS,
    );
  });

  it('a range on a field whose stored values are mapped is left to the rows', () => {
    // 'page_view' < 'track' as exported, but 'page' > 'event' as stored.
    const node = parseFilter(`event_type < 'track'`);
    expect(compileFilter(node, FIELDS)).toEqual({ conditions: [], residual: node });
    const row = { type: 'page' };
    expect(evaluateFilter(node, exported(row))).toBe(true);
    expect(queryAndResidual(node, row)).toBe(true);
  });

  it('a number too large for a double (Infinity) is left to the rows', () => {
    const node = parseFilter('score < 1e999');
    expect(compileFilter(node, FIELDS)).toEqual({ conditions: [], residual: node });
    expect(queryAndResidual(node, { score: 4 })).toBe(evaluateFilter(node, { score: 4 }));
  });
});

// ---------------------------------------------------------------- evaluator laws

const attributeValue = fc.oneof(smallText, smallNumber, fc.boolean(), fc.constant(null), fc.array(smallText, { maxLength: 3 }));
const attributes = fc.dictionary(fc.constantFrom('a', 'b', 'c'), attributeValue, { maxKeys: 3 });
const lawLiteral = literalOf(smallText, smallNumber);
const lawField = fc.constantFrom('a', 'b', 'c');
const lawAst = astOf(lawField, lawLiteral, false);
const NEGATION: [Operator, Operator][] = [
  ['==', '!='],
  ['=~', '!~'],
  ['=@', '!@'],
];

describe('evaluateFilter', () => {
  it('!=, !~ and !@ are the complements of ==, =~ and =@; NOT_IN of IN', () => {
    fc.assert(
      fc.property(lawField, lawLiteral, fc.array(lawLiteral, { maxLength: 3 }), attributes, (field, value, values, row) => {
        for (const [op, negated] of NEGATION) {
          expect(evaluateFilter({ kind: 'compare', field, op: negated, value }, row)).toBe(
            !evaluateFilter({ kind: 'compare', field, op, value }, row),
          );
        }
        expect(evaluateFilter({ kind: 'in', field, negated: true, values }, row)).toBe(
          !evaluateFilter({ kind: 'in', field, negated: false, values }, row),
        );
      }),
      RUNS,
    );
  });

  it('IN is == against any of the values; x == null holds exactly when x is missing or null', () => {
    fc.assert(
      fc.property(lawField, fc.array(lawLiteral, { maxLength: 3 }), attributes, (field, values, row) => {
        expect(evaluateFilter({ kind: 'in', field, negated: false, values }, row)).toBe(
          values.some((value) => evaluateFilter({ kind: 'compare', field, op: '==', value }, row)),
        );
        expect(evaluateFilter({ kind: 'compare', field, op: '==', value: null }, row)).toBe(
          row[field] === undefined || row[field] === null,
        );
      }),
      RUNS,
    );
  });

  it('AND is every child and OR is some child, in any order and grouping', () => {
    fc.assert(
      fc.property(fc.array(lawAst, { minLength: 2, maxLength: 4 }), attributes, (children, row) => {
        const each = children.map((child) => evaluateFilter(child, row));
        const reversed = [...children].reverse();
        expect(evaluateFilter({ kind: 'and', children }, row)).toBe(each.every(Boolean));
        expect(evaluateFilter({ kind: 'or', children }, row)).toBe(each.some(Boolean));
        expect(evaluateFilter({ kind: 'and', children: reversed }, row)).toBe(each.every(Boolean));
        expect(evaluateFilter({ kind: 'or', children: reversed }, row)).toBe(each.some(Boolean));
        const [first, ...rest] = children as [FilterNode, ...FilterNode[]];
        expect(evaluateFilter({ kind: 'and', children: [first, { kind: 'and', children: rest }] }, row)).toBe(
          each.every(Boolean),
        );
        expect(evaluateFilter({ kind: 'or', children: [first, { kind: 'or', children: rest }] }, row)).toBe(each.some(Boolean));
      }),
      RUNS,
    );
  });

  it('AND distributes over OR', () => {
    fc.assert(
      fc.property(lawAst, lawAst, lawAst, attributes, (a, b, c, row) => {
        expect(evaluateFilter({ kind: 'and', children: [a, { kind: 'or', children: [b, c] }] }, row)).toBe(
          evaluateFilter(
            {
              kind: 'or',
              children: [
                { kind: 'and', children: [a, b] },
                { kind: 'and', children: [a, c] },
              ],
            },
            row,
          ),
        );
      }),
      RUNS,
    );
  });

  it('=~ and !~ ignore the case of letters; == implies =~', () => {
    const letters = fc.string({ unit: fc.constantFrom('a', 'b', 'z', 'é', 'Ω', '1', ' ', '_'), maxLength: 6 });
    const recased = (value: string, upper: boolean[]) =>
      [...value].map((char, i) => (upper[i % upper.length] ? char.toUpperCase() : char.toLowerCase())).join('');
    fc.assert(
      fc.property(
        letters,
        fc.array(fc.boolean(), { minLength: 1 }),
        fc.array(fc.boolean(), { minLength: 1 }),
        (value, left, right) => {
          const row = { a: recased(value, left) };
          expect(evaluateFilter({ kind: 'compare', field: 'a', op: '=~', value: recased(value, right) }, row)).toBe(true);
          expect(evaluateFilter({ kind: 'compare', field: 'a', op: '!~', value: recased(value, right) }, row)).toBe(false);
        },
      ),
      RUNS,
    );
    fc.assert(
      fc.property(lawField, lawLiteral, attributes, (field, value, row) => {
        if (evaluateFilter({ kind: 'compare', field, op: '==', value }, row)) {
          expect(evaluateFilter({ kind: 'compare', field, op: '=~', value }, row)).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('< and >= (and > and <=) are complements whenever the two sides compare', () => {
    fc.assert(
      fc.property(lawField, lawLiteral, attributes, (field, value, row) => {
        const holds = (op: Operator) => evaluateFilter({ kind: 'compare', field, op, value }, row);
        const comparable = holds('<') || holds('>=');
        // Null, missing and mismatched types compare neither way (every range is false).
        if (comparable) {
          expect(holds('<')).toBe(!holds('>='));
          expect(holds('>')).toBe(!holds('<='));
        } else {
          expect([holds('<'), holds('<='), holds('>'), holds('>=')]).toEqual([false, false, false, false]);
        }
      }),
      RUNS,
    );
  });
});

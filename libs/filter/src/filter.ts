/**
 * The filter language (Coveo-style `f` parameters and segment filters):
 *
 *   expression := or
 *   or         := and ('OR' and)*
 *   and        := primary ('AND' primary)*
 *   primary    := '(' expression ')' | '$NAME' | field operator value | field ('IN' | 'NOT_IN') '[' values ']'
 *   operator   := '==' | '!=' | '=~' | '!~' | '=@' | '!@' | '<' | '<=' | '>' | '>='
 *   value      := string | number | 'true' | 'false' | 'null'
 *   field      := identifier (letters, digits, `_`, `.`, `-`, `$` after the first character) | quoted string
 *
 * Strings are in single or double quotes with backslash escapes (`\n`, `\t`, `\\`, `\"`, `\'`, `\uXXXX`; any
 * other escaped character stands for itself). Keywords (AND, OR, IN, NOT_IN, true, false, null) are
 * case-insensitive. The parser builds an AST; nothing here ever becomes query text.
 */

export type Operator = '==' | '!=' | '=~' | '!~' | '=@' | '!@' | '<' | '<=' | '>' | '>=';
export type Literal = string | number | boolean | null;

export type FilterNode =
  | { kind: 'and'; children: FilterNode[] }
  | { kind: 'or'; children: FilterNode[] }
  | { kind: 'compare'; field: string; op: Operator; value: Literal }
  | { kind: 'in'; field: string; negated: boolean; values: Literal[] }
  | { kind: 'named'; name: string };

/** A syntax error, with the 0-based character offset where the problem is. */
export class FilterSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly position: number,
  ) {
    super(`${reason} at position ${position}`);
    this.name = 'FilterSyntaxError';
  }
}

type TokenKind = 'ident' | 'string' | 'number' | 'op' | 'lparen' | 'rparen' | 'lbracket' | 'rbracket' | 'comma' | 'named' | 'end';

interface Token {
  kind: TokenKind;
  text: string;
  /** Decoded value for strings and numbers. */
  value?: string | number;
  position: number;
}

const OPERATORS: Operator[] = ['==', '!=', '=~', '!~', '=@', '!@', '<=', '>=', '<', '>'];
const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_.\-$]/;

export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i] as string;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const start = i;
    const single: Partial<Record<string, TokenKind>> = {
      '(': 'lparen',
      ')': 'rparen',
      '[': 'lbracket',
      ']': 'rbracket',
      ',': 'comma',
    };
    const singleKind = single[ch];
    if (singleKind) {
      tokens.push({ kind: singleKind, text: ch, position: start });
      i++;
      continue;
    }
    const op = OPERATORS.find((candidate) => input.startsWith(candidate, i));
    if (op) {
      tokens.push({ kind: 'op', text: op, position: start });
      i += op.length;
      continue;
    }
    if (ch === '"' || ch === "'") {
      const { value, end } = readString(input, i);
      tokens.push({ kind: 'string', text: input.slice(start, end), value, position: start });
      i = end;
      continue;
    }
    if (/[0-9]/.test(ch) || ((ch === '-' || ch === '+' || ch === '.') && /[0-9.]/.test(input[i + 1] ?? ''))) {
      const match = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(input.slice(i));
      if (!match) throw new FilterSyntaxError(`invalid number`, start);
      const after = input[i + match[0].length] ?? '';
      if (IDENT_PART.test(after) && after !== '-') throw new FilterSyntaxError(`invalid number`, start);
      tokens.push({ kind: 'number', text: match[0], value: Number(match[0]), position: start });
      i += match[0].length;
      continue;
    }
    if (ch === '$') {
      let end = i + 1;
      while (end < input.length && /[A-Za-z0-9_]/.test(input[end] as string)) end++;
      if (end === i + 1) throw new FilterSyntaxError('expected a filter name after $', start);
      tokens.push({ kind: 'named', text: input.slice(i + 1, end), position: start });
      i = end;
      continue;
    }
    if (IDENT_START.test(ch)) {
      let end = i + 1;
      while (end < input.length && IDENT_PART.test(input[end] as string)) end++;
      tokens.push({ kind: 'ident', text: input.slice(i, end), position: start });
      i = end;
      continue;
    }
    throw new FilterSyntaxError(`unexpected character ${JSON.stringify(ch)}`, start);
  }
  tokens.push({ kind: 'end', text: '', position: input.length });
  return tokens;
}

function readString(input: string, start: number): { value: string; end: number } {
  const quote = input[start];
  let value = '';
  let i = start + 1;
  while (i < input.length) {
    const ch = input[i] as string;
    if (ch === quote) return { value, end: i + 1 };
    if (ch === '\\') {
      const next = input[i + 1];
      if (next === undefined) break;
      if (next === 'u') {
        const hex = input.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new FilterSyntaxError('invalid \\u escape', i);
        value += String.fromCharCode(parseInt(hex, 16));
        i += 6;
        continue;
      }
      const escapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '0': '\0' };
      value += escapes[next] ?? next;
      i += 2;
      continue;
    }
    value += ch;
    i++;
  }
  throw new FilterSyntaxError('unterminated string', start);
}

/** Parentheses nest at most this deep: far beyond any real filter, well within the call stack. */
export const MAX_FILTER_DEPTH = 100;

const keyword = (token: Token, word: string) => token.kind === 'ident' && token.text.toUpperCase() === word;

class Parser {
  private index = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): FilterNode {
    if (this.peek().kind === 'end') throw new FilterSyntaxError('empty filter', 0);
    const node = this.parseOr();
    const rest = this.peek();
    if (rest.kind !== 'end') throw new FilterSyntaxError(`expected AND, OR or the end, found ${describe(rest)}`, rest.position);
    return node;
  }

  private peek(): Token {
    return this.tokens[this.index] as Token;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.index++;
    return token;
  }

  private parseOr(): FilterNode {
    const children = [this.parseAnd()];
    while (keyword(this.peek(), 'OR')) {
      this.next();
      children.push(this.parseAnd());
    }
    return children.length === 1 ? (children[0] as FilterNode) : { kind: 'or', children };
  }

  private parseAnd(): FilterNode {
    const children = [this.parsePrimary()];
    while (keyword(this.peek(), 'AND')) {
      this.next();
      children.push(this.parsePrimary());
    }
    return children.length === 1 ? (children[0] as FilterNode) : { kind: 'and', children };
  }

  private parsePrimary(): FilterNode {
    const token = this.next();
    if (token.kind === 'lparen') {
      if (++this.depth > MAX_FILTER_DEPTH) {
        throw new FilterSyntaxError(`parentheses nested more than ${MAX_FILTER_DEPTH} deep`, token.position);
      }
      const inner = this.parseOr();
      this.depth--;
      const close = this.next();
      if (close.kind !== 'rparen') throw new FilterSyntaxError(`expected ) found ${describe(close)}`, close.position);
      return inner;
    }
    if (token.kind === 'named') return { kind: 'named', name: token.text };
    let field: string;
    if (token.kind === 'ident' && !['AND', 'OR', 'IN', 'NOT_IN'].includes(token.text.toUpperCase())) field = token.text;
    else if (token.kind === 'string') field = token.value as string;
    else throw new FilterSyntaxError(`expected a field name, found ${describe(token)}`, token.position);

    const operator = this.next();
    if (keyword(operator, 'IN') || keyword(operator, 'NOT_IN')) {
      const open = this.next();
      if (open.kind !== 'lbracket') throw new FilterSyntaxError(`expected [ found ${describe(open)}`, open.position);
      const values: Literal[] = [];
      if (this.peek().kind === 'rbracket') {
        this.next();
      } else {
        for (;;) {
          values.push(this.parseValue());
          const separator = this.next();
          if (separator.kind === 'rbracket') break;
          if (separator.kind !== 'comma')
            throw new FilterSyntaxError(`expected , or ] found ${describe(separator)}`, separator.position);
        }
      }
      return { kind: 'in', field, negated: keyword(operator, 'NOT_IN'), values };
    }
    if (operator.kind !== 'op')
      throw new FilterSyntaxError(`expected an operator after ${field}, found ${describe(operator)}`, operator.position);
    return { kind: 'compare', field, op: operator.text as Operator, value: this.parseValue() };
  }

  private parseValue(): Literal {
    const token = this.next();
    if (token.kind === 'string' || token.kind === 'number') return token.value as string | number;
    if (keyword(token, 'TRUE')) return true;
    if (keyword(token, 'FALSE')) return false;
    if (keyword(token, 'NULL')) return null;
    throw new FilterSyntaxError(
      `expected a value (string, number, true, false or null), found ${describe(token)}`,
      token.position,
    );
  }
}

function describe(token: Token): string {
  return token.kind === 'end' ? 'the end' : JSON.stringify(token.text);
}

/** Parses a filter into its AST; throws FilterSyntaxError (with a position) when it is not valid. */
export function parseFilter(input: string): FilterNode {
  return new Parser(tokenize(input)).parse();
}

/** Several `f` parameters are joined by AND. */
export function parseFilters(inputs: string[]): FilterNode | undefined {
  const nodes = inputs.map(parseFilter);
  if (nodes.length === 0) return undefined;
  return nodes.length === 1 ? nodes[0] : { kind: 'and', children: nodes };
}

/** Names of the `$NAME` filters a tree refers to (for resolving them before evaluation). */
export function namedReferences(node: FilterNode): string[] {
  switch (node.kind) {
    case 'and':
    case 'or':
      return [...new Set(node.children.flatMap(namedReferences))];
    case 'named':
      return [node.name];
    case 'compare':
    case 'in':
      return [];
  }
}

export interface EvaluateOptions {
  /** Resolves `$NAME` to its stored filter; without it, a named reference is an error. */
  resolveNamed?: (name: string) => FilterNode | undefined;
}

export class UnresolvedNamedFilter extends Error {
  constructor(readonly filterName: string) {
    super(`unknown named filter $${filterName}`);
    this.name = 'UnresolvedNamedFilter';
  }
}

/**
 * Evaluates a filter against a plain attribute object (a missing attribute is null).
 *
 * - `==` / `!=`: exact, case-sensitive; a number and a numeric string compare as numbers; `x == null` holds
 *   when x is missing or null.
 * - `=~` / `!~`: like `==` / `!=` but strings compare case-insensitively.
 * - `=@` / `!@`: the attribute (as text) contains the value (case-sensitive); for an array attribute, one of
 *   its elements equals the value.
 * - `<` `<=` `>` `>=`: numbers numerically (numeric strings included), other strings lexicographically (so ISO
 *   dates work); false when either side is null, missing, or the types do not compare.
 * - `IN [..]` / `NOT_IN [..]`: `==` against any of the values / none of them.
 */
export function evaluateFilter(node: FilterNode, attributes: Record<string, unknown>, options: EvaluateOptions = {}): boolean {
  switch (node.kind) {
    case 'and':
      return node.children.every((child) => evaluateFilter(child, attributes, options));
    case 'or':
      return node.children.some((child) => evaluateFilter(child, attributes, options));
    case 'named': {
      const resolved = options.resolveNamed?.(node.name);
      if (!resolved) throw new UnresolvedNamedFilter(node.name);
      return evaluateFilter(resolved, attributes, options);
    }
    case 'in': {
      const actual = attributeOf(attributes, node.field);
      const found = node.values.some((value) => equals(actual, value, false));
      return node.negated ? !found : found;
    }
    case 'compare':
      return compare(attributeOf(attributes, node.field), node.op, node.value);
  }
}

function attributeOf(attributes: Record<string, unknown>, field: string): unknown {
  return Object.prototype.hasOwnProperty.call(attributes, field) ? attributes[field] : undefined;
}

function compare(actual: unknown, op: Operator, value: Literal): boolean {
  switch (op) {
    case '==':
      return equals(actual, value, false);
    case '!=':
      return !equals(actual, value, false);
    case '=~':
      return equals(actual, value, true);
    case '!~':
      return !equals(actual, value, true);
    case '=@':
      return contains(actual, value);
    case '!@':
      return !contains(actual, value);
    case '<':
    case '<=':
    case '>':
    case '>=': {
      const order = ordering(actual, value);
      if (order === undefined) return false;
      return op === '<' ? order < 0 : op === '<=' ? order <= 0 : op === '>' ? order > 0 : order >= 0;
    }
  }
}

function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

function equals(actual: unknown, value: Literal, caseInsensitive: boolean): boolean {
  if (value === null) return actual === null || actual === undefined;
  if (actual === null || actual === undefined) return false;
  if (typeof value === 'number' || typeof actual === 'number') {
    const a = asNumber(actual);
    const b = asNumber(value);
    return a !== undefined && b !== undefined && a === b;
  }
  if (typeof value === 'boolean') return actual === value;
  if (typeof actual !== 'string') return false;
  return caseInsensitive ? actual.toLowerCase() === value.toLowerCase() : actual === value;
}

function contains(actual: unknown, value: Literal): boolean {
  if (actual === null || actual === undefined || value === null) return false;
  if (Array.isArray(actual)) return actual.some((element) => equals(element, value, false));
  if (typeof actual === 'object') return false;
  return String(actual as string | number | boolean).includes(String(value));
}

function ordering(actual: unknown, value: Literal): number | undefined {
  if (actual === null || actual === undefined || value === null || typeof value === 'boolean') return undefined;
  const a = asNumber(actual);
  const b = asNumber(value);
  if (typeof value === 'number' || (typeof actual === 'number' && b !== undefined)) {
    return a === undefined || b === undefined ? undefined : a - b;
  }
  if (typeof actual !== 'string') return undefined;
  return actual < value ? -1 : actual > value ? 1 : 0;
}

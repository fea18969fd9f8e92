import { FilterNode, Literal, UnresolvedNamedFilter } from './filter';

/**
 * Resolving `$NAME` references and splitting a filter into the part a MongoDB query can answer exactly and
 * the part evaluated on each streamed row (evaluateFilter). Nothing here builds query text: the compiled part
 * is a plain query object whose values are the filter's literals.
 */

/** A `$NAME` chain that comes back to itself, e.g. A -> B -> A. */
export class NamedFilterCycle extends Error {
  constructor(readonly path: string[]) {
    super(`named filters refer to each other in a cycle: ${path.map((name) => `$${name}`).join(' -> ')}`);
    this.name = 'NamedFilterCycle';
  }
}

/**
 * The tree with every `$NAME` replaced by its stored filter (recursively). Throws UnresolvedNamedFilter for
 * a name `resolve` does not know, and NamedFilterCycle when a filter refers back to one being expanded.
 */
export function expandNamed(
  node: FilterNode,
  resolve: (name: string) => FilterNode | undefined,
  path: string[] = [],
): FilterNode {
  switch (node.kind) {
    case 'and':
    case 'or':
      return { kind: node.kind, children: node.children.map((child) => expandNamed(child, resolve, path)) };
    case 'named': {
      if (path.includes(node.name)) throw new NamedFilterCycle([...path.slice(path.indexOf(node.name)), node.name]);
      const resolved = resolve(node.name);
      if (!resolved) throw new UnresolvedNamedFilter(node.name);
      return expandNamed(resolved, resolve, [...path, node.name]);
    }
    case 'compare':
    case 'in':
      return node;
  }
}

/** The field names a tree compares (named references not included: expand them first). */
export function fieldsOf(node: FilterNode): string[] {
  switch (node.kind) {
    case 'and':
    case 'or':
      return [...new Set(node.children.flatMap(fieldsOf))];
    case 'compare':
    case 'in':
      return [node.field];
    case 'named':
      return [];
  }
}

/**
 * How a filter field is stored, when a query can test it with the evaluator's own semantics:
 * - `string`: a scalar string field (absent or null when unknown); `==` `!=` `IN` `NOT_IN` and ranges with
 *   string (or null, for equality) literals compile; `values` maps a literal to the stored value (a literal
 *   missing from the map, and every range on a mapped field, stays in process).
 * - `number`: a scalar number field; `==` `!=` `IN` `NOT_IN` and ranges with number literals compile.
 */
export interface QueryField {
  path: string;
  type: 'string' | 'number';
  values?: Readonly<Record<string, string>>;
}

export interface CompiledFilter {
  /** Query conditions, each a one-key object ({path: condition} or {$or: [...]}), all to be ANDed. */
  conditions: Record<string, unknown>[];
  /** What the query cannot answer, evaluated on each row; undefined when the query answers everything. */
  residual?: FilterNode;
}

/**
 * Splits an expanded filter: the top-level AND's children that map onto a query condition become
 * `conditions`, the others the residual. An OR compiles only when all its children do (otherwise it stays
 * whole in the residual). Case-insensitive (`=~` `!~`) and contains (`=@` `!@`) operators, fields not in
 * `fields`, and literals of another type than the field's are always left to the residual.
 */
export function compileFilter(node: FilterNode, fields: Readonly<Record<string, QueryField>>): CompiledFilter {
  const conjuncts = node.kind === 'and' ? node.children : [node];
  const conditions: Record<string, unknown>[] = [];
  const rest: FilterNode[] = [];
  for (const child of conjuncts) {
    const condition = conditionOf(child, fields);
    if (condition) conditions.push(condition);
    else rest.push(child);
  }
  const residual = rest.length === 0 ? undefined : rest.length === 1 ? rest[0] : { kind: 'and' as const, children: rest };
  return residual ? { conditions, residual } : { conditions };
}

function conditionOf(node: FilterNode, fields: Readonly<Record<string, QueryField>>): Record<string, unknown> | undefined {
  switch (node.kind) {
    case 'and': {
      const children = node.children.map((child) => conditionOf(child, fields));
      return children.every(Boolean) ? { $and: children } : undefined;
    }
    case 'or': {
      const children = node.children.map((child) => conditionOf(child, fields));
      return children.every(Boolean) ? { $or: children } : undefined;
    }
    case 'named':
      return undefined;
    case 'in': {
      const field = fields[node.field];
      if (!field) return undefined;
      const values = node.values.map((value) => storedValue(field, value, true));
      if (values.some((value) => value === undefined)) return undefined;
      return { [field.path]: { [node.negated ? '$nin' : '$in']: values } };
    }
    case 'compare': {
      const field = fields[node.field];
      if (!field) return undefined;
      switch (node.op) {
        case '==':
        case '!=': {
          const value = storedValue(field, node.value, true);
          if (value === undefined) return undefined;
          return { [field.path]: node.op === '==' ? value : { $ne: value } };
        }
        case '<':
        case '<=':
        case '>':
        case '>=': {
          // A range never holds for null or a missing field, in the evaluator as in a query. Mapped stored
          // values need not sort like the literals they stand for, so their ranges stay on the rows.
          if (field.values) return undefined;
          const value = storedValue(field, node.value, false);
          if (value === undefined || value === null) return undefined;
          const op = { '<': '$lt', '<=': '$lte', '>': '$gt', '>=': '$gte' }[node.op];
          return { [field.path]: { [op]: value } };
        }
        default:
          return undefined;
      }
    }
  }
}

/** The stored value a literal stands for in this field, or undefined when a query would not test it alike. */
function storedValue(field: QueryField, value: Literal, allowNull: boolean): string | number | null | undefined {
  if (value === null) return allowNull ? null : undefined;
  // The evaluator never matches a number beyond a double's range (1e999 is Infinity); a query would.
  if (field.type === 'number') return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  // Stored strings against a string literal: the evaluator compares them exactly (and ranges by code unit).
  if (field.values) return Object.prototype.hasOwnProperty.call(field.values, value) ? field.values[value] : undefined;
  return value;
}

/** Merges compiled conditions into a query: a key the query does not hold yet stays a top-level equality. */
export function withConditions(query: Record<string, unknown>, conditions: Record<string, unknown>[]): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...query };
  const and: unknown[] = [];
  for (const condition of conditions) {
    const [key] = Object.keys(condition);
    if (key !== undefined && !key.startsWith('$') && !(key in merged)) merged[key] = condition[key];
    else and.push(condition);
  }
  if (and.length > 0) merged.$and = [...((merged.$and as unknown[] | undefined) ?? []), ...and];
  return merged;
}

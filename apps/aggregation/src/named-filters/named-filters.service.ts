import { Injectable } from '@nestjs/common';
import {
  expandNamed,
  fieldsOf,
  FilterNode,
  FilterSyntaxError,
  NamedFilterCycle,
  namedReferences,
  parseFilter,
  UnresolvedNamedFilter,
} from '@exportd/filter';
import { Clock } from '@exportd/runtime';
import { FilterDataType, isFilterField } from '../rows/row-filter';
import { NamedFilterRecord, NamedFilterRepository } from './named-filter.repository';
import {
  InvalidFilter,
  InvalidNamedFilter,
  NamedFilterExists,
  NamedFilterInUse,
  NamedFilterNotFound,
} from './named-filters.errors';

const NAME = /^[A-Z][A-Z0-9_]*$/;
const MAX_NAME = 100;
const MAX_DISPLAY_NAME = 200;
const MAX_FILTER = 10_000;

/**
 * Named filters per app: `$NAME` in export filters, segment filters and other named filters stands for the
 * stored filter. References are checked when a filter is written (an unknown name or a cycle is refused
 * then, not when the filter is used), and a filter others refer to cannot be deleted.
 */
@Injectable()
export class NamedFiltersService {
  constructor(
    private readonly repository: NamedFilterRepository,
    private readonly clock: Clock,
  ) {}

  async create(appId: string, input: { name: string; displayName: string; filter: string }): Promise<NamedFilterRecord> {
    const name = checkName(input.name);
    const filter = await this.checkStoredFilter(appId, name, input.filter);
    const now = this.clock.now();
    const record: NamedFilterRecord = {
      _id: `${appId}|${name}`,
      appId,
      name,
      displayName: checkDisplayName(input.displayName, name),
      filter,
      createdAt: now,
      updatedAt: now,
    };
    if (!(await this.repository.insert(record))) throw new NamedFilterExists(name);
    return record;
  }

  async get(appId: string, name: string): Promise<NamedFilterRecord> {
    const record = await this.repository.find(appId, name);
    if (!record) throw new NamedFilterNotFound(name);
    return record;
  }

  list(appId: string): Promise<NamedFilterRecord[]> {
    return this.repository.list(appId);
  }

  async update(appId: string, name: string, input: { displayName: string; filter: string }): Promise<NamedFilterRecord> {
    await this.get(appId, name);
    const filter = await this.checkStoredFilter(appId, name, input.filter);
    const record = await this.repository.update(appId, name, {
      displayName: checkDisplayName(input.displayName, name),
      filter,
      updatedAt: this.clock.now(),
    });
    if (!record) throw new NamedFilterNotFound(name);
    return record;
  }

  async delete(appId: string, name: string): Promise<void> {
    await this.get(appId, name);
    const refersTo = (text: string) => {
      try {
        return namedReferences(parseFilter(text)).includes(name);
      } catch {
        return false;
      }
    };
    const segments = (await this.repository.segmentFilters(appId))
      .filter((s) => refersTo(s.filter))
      .map(({ id, name }) => ({ id, name }));
    const filters = (await this.repository.list(appId)).filter((f) => f.name !== name && refersTo(f.filter)).map((f) => f.name);
    if (segments.length > 0 || filters.length > 0) throw new NamedFilterInUse(name, { segments, filters });
    if (!(await this.repository.delete(appId, name))) throw new NamedFilterNotFound(name);
  }

  /**
   * Parses a filter and inlines the app's named filters into it. Throws InvalidFilter naming the position
   * (does not parse), the unknown `$NAME` or the cycle. `self` is the named filter being written, if any.
   */
  async expand(appId: string, text: string, self?: string): Promise<FilterNode> {
    const tree = parse(text);
    if (namedReferences(tree).length === 0) return tree;
    const stored = new Map<string, FilterNode | null>();
    for (const record of await this.repository.list(appId)) {
      let node: FilterNode | null;
      try {
        node = parseFilter(record.filter);
      } catch {
        node = null;
      }
      stored.set(record.name, node);
    }
    try {
      return expandNamed(tree, (name) => stored.get(name) ?? undefined, self ? [self] : []);
    } catch (error) {
      if (error instanceof UnresolvedNamedFilter)
        throw new InvalidFilter(`filter: unknown named filter $${error.filterName}`, { name: error.filterName });
      if (error instanceof NamedFilterCycle) throw new InvalidFilter(`filter: ${error.message}`, { cycle: error.path });
      throw error;
    }
  }

  /**
   * Checks row-filter expressions for the data types of an export: each parses, its `$NAME`s resolve, and every
   * field it names is a column of each data type (or `attributes.<key>`). Answers the expressions joined by AND.
   */
  async rowFilter(appId: string, dataTypes: FilterDataType[], expressions: string[]): Promise<FilterNode | undefined> {
    const trees: FilterNode[] = [];
    for (const expression of expressions) {
      if (expression.length > MAX_FILTER) throw new InvalidFilter(`filter must be at most ${MAX_FILTER} characters`, {});
      const tree = await this.expand(appId, expression);
      for (const field of fieldsOf(tree)) {
        const missing = dataTypes.find((dataType) => !isFilterField(dataType, field));
        if (missing !== undefined)
          throw new InvalidFilter(`filter: unknown column ${field} for data type ${missing}`, {
            column: field,
            dataType: missing,
          });
      }
      trees.push(tree);
    }
    if (trees.length === 0) return undefined;
    return trees.length === 1 ? trees[0] : { kind: 'and', children: trees };
  }

  private async checkStoredFilter(appId: string, name: string, filter: string): Promise<string> {
    if (typeof filter !== 'string' || !filter.trim() || filter.length > MAX_FILTER)
      throw new InvalidNamedFilter(`filter must be 1 to ${MAX_FILTER} characters`, { field: 'filter' });
    await this.expand(appId, filter, name);
    return filter;
  }
}

function parse(text: string): FilterNode {
  try {
    return parseFilter(text);
  } catch (error) {
    if (error instanceof FilterSyntaxError)
      throw new InvalidFilter(`filter: ${error.reason} at position ${error.position}`, {
        reason: error.reason,
        position: error.position,
      });
    throw error;
  }
}

function checkName(name: string): string {
  if (!NAME.test(name) || name.length > MAX_NAME)
    throw new InvalidNamedFilter(`name must match [A-Z][A-Z0-9_]* (at most ${MAX_NAME} characters)`, { field: 'name' });
  return name;
}

function checkDisplayName(displayName: string, name: string): string {
  const trimmed = displayName.trim();
  if (trimmed.length > MAX_DISPLAY_NAME)
    throw new InvalidNamedFilter(`displayName must be at most ${MAX_DISPLAY_NAME} characters`, { field: 'displayName' });
  return trimmed || name;
}

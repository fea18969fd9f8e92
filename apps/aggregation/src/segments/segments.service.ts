import { Injectable } from '@nestjs/common';
import { evaluateFilter, FilterNode } from '@exportd/filter';
import { Clock, newId } from '@exportd/runtime';
import { NamedFiltersService } from '../named-filters/named-filters.service';
import { SegmentRecord, SegmentRepository } from './segment.repository';
import { InvalidSegment, SegmentNotFound } from './segments.errors';

const MAX_NAME = 200;
const MAX_FILTER = 10_000;

/** Segments per app: a name and a filter over company attributes, evaluated as of each row's date. */
@Injectable()
export class SegmentsService {
  constructor(
    private readonly repository: SegmentRepository,
    private readonly clock: Clock,
    private readonly namedFilters: NamedFiltersService,
  ) {}

  async create(appId: string, input: { name: string; filter: string }): Promise<SegmentRecord> {
    const now = this.clock.now();
    const segment: SegmentRecord = {
      _id: newId('seg'),
      appId,
      name: checkName(input.name),
      filter: await this.checkFilter(appId, input.filter),
      createdAt: now,
      updatedAt: now,
    };
    await this.repository.insert(segment);
    return segment;
  }

  async get(appId: string, id: string): Promise<SegmentRecord> {
    const segment = await this.repository.find(appId, id);
    if (!segment) throw new SegmentNotFound(id);
    return segment;
  }

  /** Ids of the companies that meet the segment's filter now (export row filtering by segment). */
  async memberCompanyIds(appId: string, id: string): Promise<string[]> {
    const filter = await this.namedFilters.expand(appId, (await this.get(appId, id)).filter);
    const members: string[] = [];
    for await (const company of this.repository.companyAttributes(appId)) {
      if (evaluateFilter(filter, company.attributes)) members.push(company.companyId);
    }
    return members;
  }

  list(appId: string): Promise<SegmentRecord[]> {
    return this.repository.list(appId);
  }

  /** The app's segments with their filters parsed and `$NAME`s inlined (company data export). */
  async rules(appId: string): Promise<{ id: string; name: string; filter: FilterNode }[]> {
    const rules: { id: string; name: string; filter: FilterNode }[] = [];
    for (const segment of await this.repository.list(appId))
      rules.push({ id: segment._id, name: segment.name, filter: await this.namedFilters.expand(appId, segment.filter) });
    return rules;
  }

  async update(appId: string, id: string, input: { name?: string; filter?: string }): Promise<SegmentRecord> {
    const changes: Partial<Pick<SegmentRecord, 'name' | 'filter' | 'updatedAt'>> = { updatedAt: this.clock.now() };
    if (input.name !== undefined) changes.name = checkName(input.name);
    if (input.filter !== undefined) changes.filter = await this.checkFilter(appId, input.filter);
    const segment = await this.repository.update(appId, id, changes);
    if (!segment) throw new SegmentNotFound(id);
    return segment;
  }

  async delete(appId: string, id: string): Promise<void> {
    if (!(await this.repository.delete(appId, id))) throw new SegmentNotFound(id);
  }

  /** The filter parses and its `$NAME`s exist without a cycle (InvalidFilter, code invalid_filter, if not). */
  private async checkFilter(appId: string, filter: string): Promise<string> {
    if (filter.length > MAX_FILTER) throw new InvalidSegment(`filter must be at most ${MAX_FILTER} characters`);
    await this.namedFilters.expand(appId, filter);
    return filter;
  }
}

function checkName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed || trimmed.length > MAX_NAME) throw new InvalidSegment(`name must be 1 to ${MAX_NAME} characters`);
  return trimmed;
}

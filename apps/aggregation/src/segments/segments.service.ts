import { Injectable } from '@nestjs/common';
import { evaluateFilter, FilterSyntaxError, parseFilter } from '@exportd/filter';
import { Clock, newId } from '@exportd/runtime';
import { SegmentRecord, SegmentRepository } from './segment.repository';
import { InvalidSegment, InvalidSegmentFilter, SegmentNotFound } from './segments.errors';

const MAX_NAME = 200;
const MAX_FILTER = 10_000;

/** Segments per app: a name and a filter over company attributes, evaluated as of each row's date. */
@Injectable()
export class SegmentsService {
  constructor(
    private readonly repository: SegmentRepository,
    private readonly clock: Clock,
  ) {}

  async create(appId: string, input: { name: string; filter: string }): Promise<SegmentRecord> {
    const now = this.clock.now();
    const segment: SegmentRecord = {
      _id: newId('seg'),
      appId,
      name: checkName(input.name),
      filter: checkFilter(input.filter),
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
    const filter = parseFilter((await this.get(appId, id)).filter);
    const members: string[] = [];
    for await (const company of this.repository.companyAttributes(appId)) {
      if (evaluateFilter(filter, company.attributes)) members.push(company.companyId);
    }
    return members;
  }

  list(appId: string): Promise<SegmentRecord[]> {
    return this.repository.list(appId);
  }

  async update(appId: string, id: string, input: { name?: string; filter?: string }): Promise<SegmentRecord> {
    const changes: Partial<Pick<SegmentRecord, 'name' | 'filter' | 'updatedAt'>> = { updatedAt: this.clock.now() };
    if (input.name !== undefined) changes.name = checkName(input.name);
    if (input.filter !== undefined) changes.filter = checkFilter(input.filter);
    const segment = await this.repository.update(appId, id, changes);
    if (!segment) throw new SegmentNotFound(id);
    return segment;
  }

  async delete(appId: string, id: string): Promise<void> {
    if (!(await this.repository.delete(appId, id))) throw new SegmentNotFound(id);
  }
}

function checkName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed || trimmed.length > MAX_NAME) throw new InvalidSegment(`name must be 1 to ${MAX_NAME} characters`);
  return trimmed;
}

function checkFilter(filter: string): string {
  if (filter.length > MAX_FILTER) throw new InvalidSegment(`filter must be at most ${MAX_FILTER} characters`);
  try {
    parseFilter(filter);
  } catch (error) {
    if (error instanceof FilterSyntaxError) throw new InvalidSegmentFilter(error.reason, error.position);
    throw error;
  }
  return filter;
}

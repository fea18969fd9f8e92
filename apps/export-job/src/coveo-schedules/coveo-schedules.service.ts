import { Injectable } from '@nestjs/common';
import { DomainError } from '@exportd/grpc';
import { Clock } from '@exportd/runtime';
import { randomUUID } from 'node:crypto';
import { InvalidExportRequest } from '../jobs/export-jobs.errors';
import { ExportJobsService } from '../jobs/export-jobs.service';
import { ExportPreconditions } from '../jobs/export-preconditions';
import { latestEndedPeriod, nextRunAt } from '../scheduler/periods';
import { RunRepository } from '../scheduler/run.repository';
import { CoveoScheduleRecord, CoveoScheduleRepository } from './coveo-schedule.repository';
import { coveoRequest } from './coveo-schedule.task';

export type CoveoScheduleInput = Omit<CoveoScheduleRecord, '_id' | 'appId' | 'activeSince' | 'createdAt'>;

export class CoveoScheduleNotFound extends DomainError {
  constructor(id: string) {
    super('not_found', 'export_schedule_not_found', `export schedule ${id} not found`);
  }
}

export const WEEKDAYS = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'];

/** An IANA time zone the runtime knows (Intl refuses the others). */
export function validTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone !== '';
  } catch {
    return false;
  }
}

/** Coveo-compatible export schedules: their rules, and the exports their runs made. */
@Injectable()
export class CoveoSchedulesService {
  constructor(
    private readonly schedules: CoveoScheduleRepository,
    private readonly runs: RunRepository,
    private readonly jobs: ExportJobsService,
    private readonly preconditions: ExportPreconditions,
    private readonly clock: Clock,
  ) {}

  async create(appId: string, input: CoveoScheduleInput): Promise<CoveoScheduleRecord> {
    const now = this.clock.now();
    const record: CoveoScheduleRecord = { _id: randomUUID(), appId, ...input, activeSince: now, createdAt: now };
    await this.check(record);
    await this.schedules.insert(record);
    return record;
  }

  async get(appId: string, id: string): Promise<CoveoScheduleRecord> {
    await this.preconditions.assertPlanIncludesExports(appId);
    const record = await this.schedules.find(appId, id);
    if (!record) throw new CoveoScheduleNotFound(id);
    return record;
  }

  async list(appId: string): Promise<CoveoScheduleRecord[]> {
    await this.preconditions.assertPlanIncludesExports(appId);
    return this.schedules.list(appId);
  }

  /** Coveo's PUT: the schedule replaced whole, checked like a create; a new period rule starts anew. */
  async replace(appId: string, id: string, input: CoveoScheduleInput): Promise<CoveoScheduleRecord> {
    const stored = await this.get(appId, id);
    const sameRule =
      stored.frequency === input.frequency && stored.timezone === input.timezone && stored.weekday === input.weekday;
    const fields = { ...input, activeSince: sameRule ? stored.activeSince : this.clock.now() };
    const record: CoveoScheduleRecord = { ...stored, ...fields };
    await this.check(record);
    if (!(await this.schedules.replace(appId, id, fields))) throw new CoveoScheduleNotFound(id);
    return record;
  }

  async delete(appId: string, id: string): Promise<void> {
    await this.preconditions.assertPlanIncludesExports(appId);
    if (!(await this.schedules.delete(appId, id))) throw new CoveoScheduleNotFound(id);
  }

  /** The export jobs of the schedule's runs, newest period first. */
  async exportIds(appId: string, id: string): Promise<string[]> {
    await this.get(appId, id);
    const ends = await this.runs.listEnds(appId, id, 100);
    return ends.flatMap((end) => (end.exportId ? [end.exportId] : []));
  }

  nextRunAt(record: CoveoScheduleRecord): Date {
    return nextRunAt(record.frequency, this.clock.now(), { timeZone: record.timezone, weekday: record.weekday });
  }

  /**
   * The schedule's own rules, then every rule of the export its runs make (tables, dimensions, filters,
   * emails), checked on the latest period without storing anything.
   */
  private async check(record: CoveoScheduleRecord): Promise<void> {
    if (!validTimeZone(record.timezone)) throw new InvalidExportRequest(`timezone ${record.timezone} is not an IANA time zone`);
    const zone = { timeZone: record.timezone, weekday: record.weekday };
    const period = latestEndedPeriod(record.frequency, this.clock.now(), zone);
    const run = {
      _id: `${record._id}|check`,
      appId: record.appId,
      scheduleId: record._id,
      periodKey: period.key,
      fromDay: period.fromDay,
      toDay: period.toDay,
      periodStart: period.start,
      periodEnd: period.end,
      createdAt: period.end,
    };
    await this.jobs.check(record.appId, coveoRequest(record, run));
  }
}

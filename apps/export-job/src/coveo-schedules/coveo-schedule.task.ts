import { Injectable } from '@nestjs/common';
import { runExportJob } from '../export-schedules/run-export-job';
import { ExportJobsService } from '../jobs/export-jobs.service';
import { ExportRequest, exportRequestOf } from '../jobs/export-request';
import { RunRecord } from '../scheduler/run.repository';
import { ScheduledTask, ScheduleEntry } from '../scheduler/scheduler';
import { CoveoScheduleRecord, CoveoScheduleRepository } from './coveo-schedule.repository';

/**
 * Coveo-compatible schedules: each period's run is a Coveo export (a zip of CSVs) of the period in the
 * schedule's time zone, with its `scheduleId`; the job's end emails the addresses (the notification outbox).
 */
@Injectable()
export class CoveoScheduleTask extends ScheduledTask {
  readonly kind = 'coveo_export';

  constructor(
    private readonly schedules: CoveoScheduleRepository,
    private readonly jobs: ExportJobsService,
  ) {
    super();
  }

  async active(): Promise<ScheduleEntry[]> {
    return (await this.schedules.listAll()).map((schedule) => ({
      id: schedule._id,
      appId: schedule.appId,
      cadence: schedule.frequency,
      activeSince: schedule.activeSince,
      zone: { timeZone: schedule.timezone, weekday: schedule.weekday },
    }));
  }

  async run(entry: ScheduleEntry, run: RunRecord, signal: AbortSignal): Promise<{ exportId?: string }> {
    const schedule = await this.schedules.find(entry.appId, entry.id);
    if (!schedule) throw new Error('the schedule was deleted');
    const job = await runExportJob(this.jobs, schedule.appId, run._id, coveoRequest(schedule, run), signal);
    return { exportId: job.job._id };
  }
}

/** The Coveo export of one period of the schedule. */
export function coveoRequest(schedule: CoveoScheduleRecord, run: RunRecord): ExportRequest {
  return exportRequestOf({
    api: 'coveo',
    emails: schedule.notificationsEmails,
    filter: joinFilters(schedule.commonFilters),
    scheduleId: schedule._id,
    coveo: {
      timeFrom: run.periodStart ?? null,
      timeTo: run.periodEnd,
      tables: schedule.tables,
      dimensions: schedule.dimensions,
      useDisplayNames: schedule.usingDisplayNames,
      csvFormat: schedule.csvFormat,
      filename: '',
      description: schedule.description,
      author: `schedule ${schedule._id}`,
      eventsFilter: joinFilters(schedule.customEventsFilters),
      searchFilters: [],
    },
  });
}

/** Several filters joined with AND, as Coveo joins repeated `f`/`fc`. */
export function joinFilters(filters: string[]): string {
  return filters.length <= 1 ? (filters[0] ?? '') : filters.map((f) => `(${f})`).join(' AND ');
}

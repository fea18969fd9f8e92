import { Inject, Injectable } from '@nestjs/common';
import { contentTypeOfName } from '../formats/file-encoding';
import { EXPORT_JOB_ENV, ExportJobEnv } from '../config/env';
import { DestinationsService, DestinationWriter } from '../destinations';
import { ExportJobsService, ExportJobView } from '../jobs/export-jobs.service';
import { runExportJob } from './run-export-job';
import { RunRecord } from '../scheduler/run.repository';
import { ScheduledTask, ScheduleEntry } from '../scheduler/scheduler';
import { ExportStorage } from '../storage/export-storage';
import { ExportScheduleRecord, ExportScheduleRepository } from './export-schedule.repository';

/**
 * Scheduled exports (seed 003): each period's run is an on-demand export job of the schedule's data types
 * (`scheduleId` set), over the period's days or, incremental, the rows received during the period. The job's
 * end notifies the schedule's webhook and emails through the notification outbox, once per job; the run then
 * copies the files into the destination, under `<key>/<scheduleId>/<period>/`.
 */
@Injectable()
export class ScheduledExportTask extends ScheduledTask {
  readonly kind = 'scheduled_export';

  constructor(
    @Inject(EXPORT_JOB_ENV) private readonly env: ExportJobEnv,
    private readonly schedules: ExportScheduleRepository,
    private readonly jobs: ExportJobsService,
    private readonly destinations: DestinationsService,
    private readonly writer: DestinationWriter,
    private readonly storage: ExportStorage,
  ) {
    super();
  }

  async active(): Promise<ScheduleEntry[]> {
    return (await this.schedules.listAll()).map((schedule) => ({
      id: schedule._id,
      appId: schedule.appId,
      cadence: schedule.frequency,
      activeSince: schedule.activeSince,
      // Calls are readable only once their insert is acknowledged (up to the store timeout after their stamp).
      dueDelayMs: schedule.mode === 'incremental' ? this.env.SCHEDULE_INCREMENTAL_DELAY_MS : 0,
    }));
  }

  async run(entry: ScheduleEntry, run: RunRecord, signal: AbortSignal): Promise<{ exportId?: string }> {
    const schedule = await this.schedules.find(entry.appId, entry.id);
    if (!schedule) throw new Error('the schedule was deleted');
    const job = await runExportJob(this.jobs, schedule.appId, run._id, this.request(schedule, run), signal);
    await this.copyToDestination(schedule, run, job, signal);
    return { exportId: job.job._id };
  }

  private request(schedule: ExportScheduleRecord, run: RunRecord) {
    const incremental = schedule.mode === 'incremental';
    return {
      api: 'on_demand' as const,
      dataTypes: schedule.dataTypes,
      format: schedule.format,
      compression: schedule.compression ?? 'gzip',
      fromDay: run.fromDay,
      toDay: run.toDay,
      history: '',
      eventTypes: schedule.eventTypes,
      userIds: schedule.userIds,
      companyIds: schedule.companyIds,
      segmentId: '',
      exclusions: false,
      emails: schedule.delivery.emails,
      filter: schedule.filter,
      scheduleId: schedule._id,
      // The period's own instants: each call is received in exactly one period, so exported exactly once.
      received: incremental
        ? { from: run.periodStart ?? new Date(Date.parse(`${run.fromDay}T00:00:00Z`)), to: run.periodEnd }
        : undefined,
    };
  }

  private async copyToDestination(schedule: ExportScheduleRecord, run: RunRecord, job: ExportJobView, signal: AbortSignal) {
    if (!schedule.delivery.destinationId) return;
    const destination = await this.destinations.find(schedule.appId, schedule.delivery.destinationId);
    const keys = [...job.files.map((f) => ({ name: f.filename, key: f.key }))];
    if (job.manifestKey) keys.push({ name: 'manifest.json', key: job.manifestKey });
    for (const { name, key } of keys) {
      const body = await this.storage.read(key, signal);
      const type = contentTypeOfName(name);
      await this.writer.put(destination, `${schedule._id}/${run.periodKey}/${name}`, body, type, signal);
    }
  }
}

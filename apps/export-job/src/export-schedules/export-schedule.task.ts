import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { EXPORT_JOB_ENV, ExportJobEnv } from '../config/env';
import { DestinationsService, DestinationWriter } from '../destinations';
import { ExportJobsService, ExportJobView } from '../jobs/export-jobs.service';
import { RunRecord } from '../scheduler/run.repository';
import { ScheduledTask, ScheduleEntry } from '../scheduler/scheduler';
import { ExportStorage } from '../storage/export-storage';
import { ExportScheduleRecord, ExportScheduleRepository } from './export-schedule.repository';

/** Export jobs one run tries before its attempt fails (each a new job: a failed job stays failed). */
const JOBS_PER_RUN = 5;

/**
 * The id of a run's job: derived from the run, so an attempt redone after its process died finds the job the
 * dead one created instead of exporting (and notifying) twice. `generation` counts jobs that failed.
 */
export function runJobId(runId: string, generation = 1): string {
  const hex = createHash('sha256').update(`${runId}#${generation}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

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
    const job = await this.completedJob(schedule, run, signal);
    await this.copyToDestination(schedule, run, job, signal);
    return { exportId: job.job._id };
  }

  /** The run's job, created if needed, once it has completed; a failed job fails the attempt (the next one makes a new job). */
  private async completedJob(schedule: ExportScheduleRecord, run: RunRecord, signal: AbortSignal): Promise<ExportJobView> {
    let generation = 1;
    for (; generation <= JOBS_PER_RUN; generation++) {
      const found = await this.jobs.find(schedule.appId, runJobId(run._id, generation));
      if (!found || (found.status !== 'failed' && found.status !== 'cancelled')) break;
    }
    if (generation > JOBS_PER_RUN) throw new Error(`the export failed ${JOBS_PER_RUN} times`);
    const created = await this.jobs.create(schedule.appId, this.request(schedule, run), runJobId(run._id, generation));
    const ended = await this.waitForEnd(schedule.appId, created.job._id, signal);
    if (ended.status !== 'completed')
      throw new Error(`export ${ended.job._id} ${ended.status}: ${ended.error ?? 'no error given'}`);
    return ended;
  }

  private request(schedule: ExportScheduleRecord, run: RunRecord) {
    const incremental = schedule.mode === 'incremental';
    return {
      api: 'on_demand' as const,
      dataTypes: schedule.dataTypes,
      format: schedule.format,
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
      received: incremental ? { from: new Date(Date.parse(`${run.fromDay}T00:00:00Z`)), to: run.periodEnd } : undefined,
    };
  }

  /** Polls the job until it ends (the holder's heartbeat keeps the run's lease meanwhile). */
  private async waitForEnd(appId: string, jobId: string, signal: AbortSignal): Promise<ExportJobView> {
    for (;;) {
      const view = await this.jobs.find(appId, jobId);
      if (view && ['completed', 'failed', 'cancelled'].includes(view.status)) return view;
      await sleep(500, undefined, { signal });
    }
  }

  private async copyToDestination(schedule: ExportScheduleRecord, run: RunRecord, job: ExportJobView, signal: AbortSignal) {
    if (!schedule.delivery.destinationId) return;
    const destination = await this.destinations.find(schedule.appId, schedule.delivery.destinationId);
    const keys = [...job.files.map((f) => ({ name: f.filename, key: f.key }))];
    if (job.manifestKey) keys.push({ name: 'manifest.json', key: job.manifestKey });
    for (const { name, key } of keys) {
      const body = await this.storage.read(key, signal);
      const type = name.endsWith('.json') ? 'application/json' : 'application/gzip';
      await this.writer.put(destination, `${schedule._id}/${run.periodKey}/${name}`, body, type, signal);
    }
  }
}

import { Injectable, Logger } from '@nestjs/common';
import { DomainError } from '@exportd/grpc';
import { Clock } from '@exportd/runtime';
import { DestinationInput, DestinationsService, SealedDestination } from '../destinations';
import { ExportPreconditions } from '../jobs/export-preconditions';
import { Cadence, latestEndedPeriod, nextRunAt, Period } from '../scheduler/periods';
import { RunRepository } from '../scheduler/run.repository';
import { ScheduleStatus, scheduleStatus } from '../scheduler/schedule-status';
import { Scheduler } from '../scheduler/scheduler';
import { AutomaticExportRecord, AutomaticExportRepository } from './automatic-export.repository';
import { AutomaticExportTask, automaticScheduleId } from './automatic-export.task';

export interface AutomaticExportSettings {
  enabled: boolean;
  cadence: Cadence;
  /** Absent: keep the stored destination (only to disable, or to change the cadence of a configured one). */
  destination?: DestinationInput;
}

export interface AutomaticExportView {
  enabled: boolean;
  cadence: Cadence;
  destination: SealedDestination | null;
  status: ScheduleStatus;
}

export class AutomaticExportNotConfigured extends DomainError {
  constructor(message: string) {
    super('invalid', 'invalid_request', message);
  }
}

/** The automatic company export's settings and status (seed 000; Enterprise plan). */
@Injectable()
export class AutomaticExportService {
  private readonly logger = new Logger(AutomaticExportService.name);

  constructor(
    private readonly settings: AutomaticExportRepository,
    private readonly runs: RunRepository,
    private readonly destinations: DestinationsService,
    private readonly preconditions: ExportPreconditions,
    private readonly scheduler: Scheduler,
    private readonly task: AutomaticExportTask,
    private readonly clock: Clock,
  ) {}

  /** Every plan that exports may read the settings (disabled for the others than Enterprise). */
  async get(appId: string): Promise<AutomaticExportView> {
    await this.preconditions.assertPlanIncludesExports(appId);
    return this.view(appId, await this.settings.find(appId));
  }

  /** Checks the destination (listing the bucket) before anything is saved. */
  async put(appId: string, asked: AutomaticExportSettings): Promise<AutomaticExportView> {
    await this.preconditions.assertPlanIncludesAutomaticExports(appId);
    const stored = await this.settings.find(appId);
    let destination = stored?.destination ?? null;
    if (asked.destination) destination = await this.destinations.prepare(asked.destination);
    else if (asked.enabled && !destination)
      throw new AutomaticExportNotConfigured('a destination is required to enable the automatic export');
    const now = this.clock.now();
    // Re-saving an enabled export keeps its schedule; enabling it or changing its cadence starts a new one.
    const keepsSchedule = stored?.enabled && asked.enabled && stored.cadence === asked.cadence;
    const record: AutomaticExportRecord = {
      _id: appId,
      appId,
      enabled: asked.enabled,
      cadence: asked.cadence,
      destination,
      activeSince: keepsSchedule ? stored.activeSince : now,
      updatedAt: now,
    };
    await this.settings.replace(record);
    return this.view(appId, record);
  }

  /** Runs the latest ended period now, in the background; it writes the same object as its scheduled run. */
  async runNow(appId: string): Promise<Period> {
    await this.preconditions.assertPlanIncludesAutomaticExports(appId);
    const record = await this.settings.find(appId);
    if (!record?.enabled || !record.destination)
      throw new AutomaticExportNotConfigured('the automatic export is not enabled: enable it with a destination first');
    const [entry] = (await this.task.active()).filter((e) => e.appId === appId);
    const period = latestEndedPeriod(record.cadence, this.clock.now());
    if (entry)
      void this.scheduler
        .runNow(this.task, entry, period)
        .done.catch((error: unknown) => this.logger.warn((error as Error).message));
    return period;
  }

  private async view(appId: string, record: AutomaticExportRecord | null): Promise<AutomaticExportView> {
    const cadence = record?.cadence ?? 'daily';
    const enabled = record?.enabled ?? false;
    const [latest] = await this.runs.listEnds(appId, automaticScheduleId(appId), 1);
    return {
      enabled,
      cadence,
      destination: record?.destination ?? null,
      status: scheduleStatus(latest ?? null, enabled ? nextRunAt(cadence, this.clock.now()) : null),
    };
  }
}

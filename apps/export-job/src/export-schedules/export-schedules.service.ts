import { Injectable, Logger } from '@nestjs/common';
import { DomainError } from '@exportd/grpc';
import { Clock } from '@exportd/runtime';
import { randomUUID } from 'node:crypto';
import { DestinationNotFound, DestinationsService } from '../destinations';
import { compressionRefusal, ExportCompression } from '../formats/file-encoding';
import { ExportFormat } from '../formats/row-formatter';
import { InvalidExportRequest } from '../jobs/export-jobs.errors';
import { ExportPreconditions } from '../jobs/export-preconditions';
import { checkEmails } from '../jobs/export-request';
import { EXPORT_DATA_TYPES, ExportDataType } from '../jobs/partition-planner';
import { Cadence, latestEndedPeriod, nextRunAt } from '../scheduler/periods';
import { RunEndRecord, RunRecord, RunRepository } from '../scheduler/run.repository';
import { Scheduler } from '../scheduler/scheduler';
import { ExportScheduleRecord, ExportScheduleRepository, ScheduleDelivery, ScheduleMode } from './export-schedule.repository';
import { ScheduledExportTask } from './export-schedule.task';
import { runJobId } from './run-export-job';
import { JobDelivery, ScheduleNotifications } from './schedule-notifications';

export interface ExportScheduleInput {
  frequency: Cadence;
  dataTypes: ExportDataType[];
  format: ExportFormat;
  compression: ExportCompression;
  userIds: string[];
  companyIds: string[];
  eventTypes: string[];
  filter: string;
  mode: ScheduleMode;
  delivery: { webhookUrl: string; emails: string[]; destinationId: string };
}

export type ExportSchedulePatch = Partial<
  Pick<ExportScheduleInput, 'frequency' | 'dataTypes' | 'format' | 'compression' | 'filter' | 'delivery'>
>;

export interface ScheduleRunView {
  period: string;
  fromDay: string;
  toDay: string;
  status: 'running' | 'succeeded' | 'failed';
  exportId: string;
  startedAt: Date;
  endedAt: Date | null;
  error: string | null;
  deliveries: JobDelivery[];
}

export interface ExportScheduleView {
  schedule: ExportScheduleRecord;
  nextRunAt: Date;
  lastRun: ScheduleRunView | null;
}

export class ExportScheduleNotFound extends DomainError {
  constructor(id: string) {
    super('not_found', 'export_schedule_not_found', `export schedule ${id} not found`);
  }
}

const FORMATS: ExportFormat[] = ['csv', 'jsonl', 'parquet'];

/** Scheduled exports (seed 003): the schedules, their runs and what each run delivered. */
@Injectable()
export class ExportSchedulesService {
  private readonly logger = new Logger(ExportSchedulesService.name);

  constructor(
    private readonly schedules: ExportScheduleRepository,
    private readonly runs: RunRepository,
    private readonly preconditions: ExportPreconditions,
    private readonly destinations: DestinationsService,
    private readonly notifications: ScheduleNotifications,
    private readonly scheduler: Scheduler,
    private readonly task: ScheduledExportTask,
    private readonly clock: Clock,
  ) {}

  /** Checks every rule, then creates the schedule's webhook endpoint (its secret shown once) and the schedule. */
  async create(appId: string, input: ExportScheduleInput): Promise<{ view: ExportScheduleView; webhookSecret: string }> {
    await this.preconditions.assertPlanIncludesExports(appId);
    await this.check(appId, input);
    const id = `sch_${randomUUID()}`;
    const endpoint = input.delivery.webhookUrl
      ? await this.notifications.createEndpoint(appId, id, input.delivery.webhookUrl)
      : { id: '', secret: '' };
    const now = this.clock.now();
    const record: ExportScheduleRecord = {
      _id: id,
      appId,
      ...input,
      delivery: { ...input.delivery, webhookEndpointId: endpoint.id },
      activeSince: now,
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.schedules.insert(record);
    } catch (error) {
      if (endpoint.id) await this.notifications.deleteEndpoint(appId, id, endpoint.id).catch(() => undefined);
      throw error;
    }
    return { view: await this.view(record), webhookSecret: endpoint.secret };
  }

  async get(appId: string, id: string): Promise<ExportScheduleView> {
    await this.preconditions.assertPlanIncludesExports(appId);
    return this.view(await this.record(appId, id));
  }

  async list(appId: string): Promise<ExportScheduleView[]> {
    await this.preconditions.assertPlanIncludesExports(appId);
    return Promise.all((await this.schedules.list(appId)).map((record) => this.view(record)));
  }

  /** The fields given replace the stored ones, checked like a create; a new webhook URL gets a new secret. */
  async update(
    appId: string,
    id: string,
    patch: ExportSchedulePatch,
  ): Promise<{ view: ExportScheduleView; webhookSecret: string }> {
    await this.preconditions.assertPlanIncludesExports(appId);
    const stored = await this.record(appId, id);
    const merged: ExportScheduleInput = {
      ...stored,
      compression: stored.compression ?? 'gzip',
      ...patch,
      delivery: patch.delivery ?? stored.delivery,
    };
    await this.check(appId, merged);
    const { delivery: _delivery, ...rest } = patch;
    const fields: Partial<ExportScheduleRecord> = { ...rest, updatedAt: this.clock.now() };
    if (patch.frequency && patch.frequency !== stored.frequency) fields.activeSince = this.clock.now();
    let webhookSecret = '';
    if (patch.delivery) {
      let webhookEndpointId = stored.delivery.webhookEndpointId;
      if (patch.delivery.webhookUrl !== stored.delivery.webhookUrl) {
        if (webhookEndpointId) await this.notifications.deleteEndpoint(appId, id, webhookEndpointId);
        const endpoint = patch.delivery.webhookUrl
          ? await this.notifications.createEndpoint(appId, id, patch.delivery.webhookUrl)
          : { id: '', secret: '' };
        webhookEndpointId = endpoint.id;
        webhookSecret = endpoint.secret;
      }
      fields.delivery = { ...patch.delivery, webhookEndpointId };
    }
    if (!(await this.schedules.update(appId, id, fields))) throw new ExportScheduleNotFound(id);
    return { view: await this.view(await this.record(appId, id)), webhookSecret };
  }

  async delete(appId: string, id: string): Promise<void> {
    await this.preconditions.assertPlanIncludesExports(appId);
    const stored = await this.record(appId, id);
    if (!(await this.schedules.delete(appId, id))) throw new ExportScheduleNotFound(id);
    if (stored.delivery.webhookEndpointId)
      await this.notifications.deleteEndpoint(appId, id, stored.delivery.webhookEndpointId).catch((error: unknown) => {
        this.logger.warn(`the webhook endpoint of deleted schedule ${id} stays: ${(error as Error).message}`);
      });
  }

  /** Runs the latest ended period now, beside its scheduled run; answers the export job's id. */
  async runNow(appId: string, id: string): Promise<string> {
    await this.preconditions.assertPlanIncludesExports(appId);
    const schedule = await this.record(appId, id);
    const entry = { id, appId, cadence: schedule.frequency, activeSince: schedule.activeSince };
    const started = this.scheduler.runNow(this.task, entry, latestEndedPeriod(schedule.frequency, this.clock.now()));
    void started.done.catch((error: unknown) => this.logger.warn(`run now of schedule ${id}: ${(error as Error).message}`));
    return runJobId(started.runId);
  }

  /** The schedule's runs, newest period first, with each delivery's outcome. */
  async listRuns(appId: string, id: string): Promise<ScheduleRunView[]> {
    await this.preconditions.assertPlanIncludesExports(appId);
    const schedule = await this.record(appId, id);
    const runs = await this.runs.listRuns(appId, id, 50);
    return Promise.all(runs.map((run) => this.runView(schedule, run)));
  }

  private async record(appId: string, id: string): Promise<ExportScheduleRecord> {
    const record = await this.schedules.find(appId, id);
    if (!record) throw new ExportScheduleNotFound(id);
    return record;
  }

  private async check(appId: string, input: ExportScheduleInput): Promise<void> {
    if (input.dataTypes.length === 0) throw new InvalidExportRequest('dataTypes must name at least one data type');
    const unknown = input.dataTypes.filter((type) => !EXPORT_DATA_TYPES.includes(type));
    if (unknown.length > 0) throw new InvalidExportRequest(`data types not available: ${unknown.join(', ')}`);
    if (!FORMATS.includes(input.format)) throw new InvalidExportRequest('format must be csv, jsonl or parquet');
    const refusal = compressionRefusal(input.format, input.compression);
    if (refusal) throw new InvalidExportRequest(refusal, { compression: input.compression });
    if (input.mode === 'incremental' && input.dataTypes.some((type) => type !== 'events' && type !== 'feedback'))
      throw new InvalidExportRequest('incremental exports hold events and feedback only');
    const { webhookUrl, emails, destinationId } = input.delivery;
    if (!webhookUrl && emails.length === 0 && !destinationId)
      throw new InvalidExportRequest('delivery needs at least one of webhookUrl, emails, destinationId');
    checkEmails(emails);
    if (destinationId) {
      await this.destinations.find(appId, destinationId).catch((error: unknown) => {
        if (error instanceof DestinationNotFound)
          throw new InvalidExportRequest(`delivery.destinationId: unknown destination ${destinationId}`);
        throw error;
      });
    }
    if (input.filter) await this.preconditions.assertFilterValid(appId, input.dataTypes, input.filter);
  }

  private async view(record: ExportScheduleRecord): Promise<ExportScheduleView> {
    const [latest] = await this.runs.listRuns(record.appId, record._id, 1);
    return {
      schedule: record,
      nextRunAt: nextRunAt(record.frequency, this.clock.now()),
      lastRun: latest ? await this.runView(record, latest) : null,
    };
  }

  private async runView(schedule: ExportScheduleRecord, run: RunRecord): Promise<ScheduleRunView> {
    const end: RunEndRecord | null = await this.runs.findEnd(run.appId, run._id);
    const exportId = end?.exportId ?? '';
    const deliveries = exportId ? await this.notifications.deliveries(run.appId, exportId).catch(() => []) : [];
    if (schedule.delivery.destinationId && end)
      deliveries.push({
        channel: 'destination',
        recipient: schedule.delivery.destinationId,
        status: end.outcome === 'succeeded' ? 'delivered' : 'failed',
        error: end.outcome === 'succeeded' ? '' : (end.error ?? ''),
      });
    return {
      period: run.periodKey,
      fromDay: run.fromDay,
      toDay: run.toDay,
      status: end ? end.outcome : 'running',
      exportId,
      startedAt: run.createdAt,
      endedAt: end?.at ?? null,
      error: end?.outcome === 'failed' ? end.error : null,
      deliveries,
    };
  }
}

export type { ScheduleDelivery };

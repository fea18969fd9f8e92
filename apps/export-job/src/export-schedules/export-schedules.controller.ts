import { Controller } from '@nestjs/common';
import { exportsV1, schedulesV1 } from '@exportd/contracts';
import { InvalidExportRequest } from '../jobs/export-jobs.errors';
import {
  compressionFromProto,
  compressionToProto,
  dataTypeFromProto,
  dataTypeToProto,
  formatToProto,
} from '../jobs/export-job.mapper';
import { ExportFormat } from '../formats/row-formatter';
import { cadenceFromProto, cadenceToProto } from '../scheduler/schedule.mapper';
import { ExportScheduleView, ExportSchedulePatch, ExportSchedulesService, ScheduleRunView } from './export-schedules.service';

/** exports.v1.ExportSchedulesService: proto <-> domain, nothing else. */
@Controller()
@schedulesV1.ExportSchedulesServiceControllerMethods()
export class ExportSchedulesController implements schedulesV1.ExportSchedulesServiceController {
  constructor(private readonly schedules: ExportSchedulesService) {}

  async createExportSchedule(
    request: schedulesV1.CreateExportScheduleRequest,
  ): Promise<schedulesV1.CreateExportScheduleResponse> {
    const { view, webhookSecret } = await this.schedules.create(request.appId, {
      frequency: cadenceFromProto(request.frequency),
      dataTypes: request.dataTypes.map(dataTypeFromProto),
      format: formatFromProto(request.format),
      compression: compressionFromProto(request.compression),
      userIds: request.userIds,
      companyIds: request.companyIds,
      eventTypes: request.eventTypes,
      filter: request.filter,
      mode: request.mode === schedulesV1.ScheduleMode.SCHEDULE_MODE_INCREMENTAL ? 'incremental' : 'period',
      delivery: deliveryFromProto(request.delivery),
    });
    return { schedule: toProto(view), webhookSecret };
  }

  async getExportSchedule(request: schedulesV1.GetExportScheduleRequest): Promise<schedulesV1.GetExportScheduleResponse> {
    return { schedule: toProto(await this.schedules.get(request.appId, request.id)) };
  }

  async listExportSchedules(request: schedulesV1.ListExportSchedulesRequest): Promise<schedulesV1.ListExportSchedulesResponse> {
    return { schedules: (await this.schedules.list(request.appId)).map(toProto) };
  }

  async updateExportSchedule(
    request: schedulesV1.UpdateExportScheduleRequest,
  ): Promise<schedulesV1.UpdateExportScheduleResponse> {
    const patch: ExportSchedulePatch = {};
    if (request.frequency !== undefined) patch.frequency = cadenceFromProto(request.frequency);
    if (request.dataTypes.length > 0) patch.dataTypes = request.dataTypes.map(dataTypeFromProto);
    if (request.format !== undefined) patch.format = formatFromProto(request.format);
    if (request.compression !== undefined) patch.compression = compressionFromProto(request.compression);
    if (request.filter !== undefined) patch.filter = request.filter;
    if (request.delivery !== undefined) patch.delivery = deliveryFromProto(request.delivery);
    const { view, webhookSecret } = await this.schedules.update(request.appId, request.id, patch);
    return { schedule: toProto(view), webhookSecret };
  }

  async deleteExportSchedule(
    request: schedulesV1.DeleteExportScheduleRequest,
  ): Promise<schedulesV1.DeleteExportScheduleResponse> {
    await this.schedules.delete(request.appId, request.id);
    return {};
  }

  async runExportSchedule(request: schedulesV1.RunExportScheduleRequest): Promise<schedulesV1.RunExportScheduleResponse> {
    return { exportId: await this.schedules.runNow(request.appId, request.id) };
  }

  async listScheduleRuns(request: schedulesV1.ListScheduleRunsRequest): Promise<schedulesV1.ListScheduleRunsResponse> {
    return { runs: (await this.schedules.listRuns(request.appId, request.id)).map(runToProto) };
  }
}

function formatFromProto(format: exportsV1.ExportFormat): ExportFormat {
  if (format === exportsV1.ExportFormat.EXPORT_FORMAT_CSV) return 'csv';
  if (format === exportsV1.ExportFormat.EXPORT_FORMAT_JSONL) return 'jsonl';
  if (format === exportsV1.ExportFormat.EXPORT_FORMAT_PARQUET) return 'parquet';
  throw new InvalidExportRequest('format must be csv, jsonl or parquet');
}

function deliveryFromProto(delivery: schedulesV1.ScheduleDelivery | undefined) {
  return { webhookUrl: delivery?.webhookUrl ?? '', emails: delivery?.emails ?? [], destinationId: delivery?.destinationId ?? '' };
}

function runToProto(run: ScheduleRunView): schedulesV1.ScheduleRun {
  return {
    period: run.period,
    fromDay: run.fromDay,
    toDay: run.toDay,
    status: run.status,
    exportId: run.exportId,
    startedAt: run.startedAt,
    endedAt: run.endedAt ?? undefined,
    error: run.error ?? '',
    deliveries: run.deliveries,
  };
}

function toProto(view: ExportScheduleView): schedulesV1.ExportSchedule {
  const { schedule } = view;
  return {
    id: schedule._id,
    frequency: cadenceToProto(schedule.frequency),
    dataTypes: schedule.dataTypes.map(dataTypeToProto),
    format: formatToProto(schedule.format),
    compression: compressionToProto(schedule.compression),
    userIds: schedule.userIds,
    companyIds: schedule.companyIds,
    eventTypes: schedule.eventTypes,
    filter: schedule.filter,
    mode:
      schedule.mode === 'incremental'
        ? schedulesV1.ScheduleMode.SCHEDULE_MODE_INCREMENTAL
        : schedulesV1.ScheduleMode.SCHEDULE_MODE_PERIOD,
    delivery: {
      webhookUrl: schedule.delivery.webhookUrl,
      emails: schedule.delivery.emails,
      destinationId: schedule.delivery.destinationId,
    },
    nextRunAt: view.nextRunAt,
    lastRun: view.lastRun ? runToProto(view.lastRun) : undefined,
    createdAt: schedule.createdAt,
  };
}

import { Controller } from '@nestjs/common';
import { schedulesV1 } from '@exportd/contracts';
import { InvalidExportRequest } from '../jobs/export-jobs.errors';
import { CADENCES } from '../scheduler/periods';
import { cadenceFromProto, cadenceToProto } from '../scheduler/schedule.mapper';
import { CoveoScheduleRecord } from './coveo-schedule.repository';
import { CoveoScheduleInput, CoveoSchedulesService, WEEKDAYS } from './coveo-schedules.service';

/** exports.v1.CoveoSchedulesService: proto <-> domain, nothing else. */
@Controller()
@schedulesV1.CoveoSchedulesServiceControllerMethods()
export class CoveoSchedulesController implements schedulesV1.CoveoSchedulesServiceController {
  constructor(private readonly schedules: CoveoSchedulesService) {}

  async createCoveoSchedule(request: schedulesV1.CreateCoveoScheduleRequest): Promise<schedulesV1.CreateCoveoScheduleResponse> {
    return { schedule: this.toProto(await this.schedules.create(request.appId, inputFromProto(request.schedule))) };
  }

  async getCoveoSchedule(request: schedulesV1.GetCoveoScheduleRequest): Promise<schedulesV1.GetCoveoScheduleResponse> {
    return { schedule: this.toProto(await this.schedules.get(request.appId, request.id)) };
  }

  async listCoveoSchedules(request: schedulesV1.ListCoveoSchedulesRequest): Promise<schedulesV1.ListCoveoSchedulesResponse> {
    return { schedules: (await this.schedules.list(request.appId)).map((record) => this.toProto(record)) };
  }

  async replaceCoveoSchedule(
    request: schedulesV1.ReplaceCoveoScheduleRequest,
  ): Promise<schedulesV1.ReplaceCoveoScheduleResponse> {
    const record = await this.schedules.replace(request.appId, request.id, inputFromProto(request.schedule));
    return { schedule: this.toProto(record) };
  }

  async deleteCoveoSchedule(request: schedulesV1.DeleteCoveoScheduleRequest): Promise<schedulesV1.DeleteCoveoScheduleResponse> {
    await this.schedules.delete(request.appId, request.id);
    return {};
  }

  async listCoveoScheduleExports(
    request: schedulesV1.ListCoveoScheduleExportsRequest,
  ): Promise<schedulesV1.ListCoveoScheduleExportsResponse> {
    return { exportIds: await this.schedules.exportIds(request.appId, request.id) };
  }

  private toProto(record: CoveoScheduleRecord): schedulesV1.CoveoSchedule {
    return {
      id: record._id,
      frequency: cadenceToProto(record.frequency),
      timezone: record.timezone,
      dayOfWeek: record.frequency === 'weekly' ? (WEEKDAYS[record.weekday] ?? '') : '',
      tables: record.tables,
      dimensions: record.dimensions,
      commonFilters: record.commonFilters,
      customEventsFilters: record.customEventsFilters,
      exportFormat: record.csvFormat === 'no_newline' ? 'NO_NEWLINE' : 'EXCEL',
      usingDisplayNames: record.usingDisplayNames,
      notificationsEmails: record.notificationsEmails,
      description: record.description,
      createdAt: record.createdAt,
      nextRunAt: this.schedules.nextRunAt(record),
    };
  }
}

function inputFromProto(input: schedulesV1.CoveoScheduleInput | undefined): CoveoScheduleInput {
  if (!input) throw new InvalidExportRequest('a schedule is required');
  const frequency = cadenceFromProto(input.frequency, CADENCES, 'frequency must be DAILY, WEEKLY or MONTHLY');
  const weekday = WEEKDAYS.indexOf(input.dayOfWeek || 'MONDAY');
  if (weekday < 0) throw new InvalidExportRequest(`dayOfWeek must be one of ${WEEKDAYS.join(', ')}`);
  const format = input.exportFormat || 'EXCEL';
  if (format !== 'EXCEL' && format !== 'NO_NEWLINE') throw new InvalidExportRequest('exportFormat must be EXCEL or NO_NEWLINE');
  return {
    frequency,
    timezone: input.timezone || 'UTC',
    weekday,
    tables: input.tables,
    dimensions: input.dimensions,
    commonFilters: input.commonFilters,
    customEventsFilters: input.customEventsFilters,
    csvFormat: format === 'NO_NEWLINE' ? 'no_newline' : 'excel',
    usingDisplayNames: input.usingDisplayNames,
    notificationsEmails: input.notificationsEmails,
    description: input.description,
  };
}

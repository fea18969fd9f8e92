import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, UseGuards } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { schedulesV1 } from '@exportd/contracts';
import { ApiKeyAuth, ApiKeyGuard, CurrentAuth, RequirePrivileges } from '../auth/api-key.guard';
import {
  cadenceName,
  cadenceOf,
  dataTypeName,
  dataTypeOf,
  exportJobCall,
  formatName,
  formatOf,
  compressionName,
  compressionOf,
} from '../exports/export-job-contract';
import { ServiceClients } from '../grpc-clients/grpc-clients.module';
import { ApiErrors, ApiKeyAuthDocs } from '../openapi/api-docs';
import {
  ExportScheduleDocs,
  ExportScheduleListDocs,
  ExportScheduleWithSecretDocs,
  ScheduleRunListDocs,
  ScheduleRunStartedDocs,
} from './export-schedules.docs';
import { CreateExportScheduleDto, ScheduleDeliveryDto, UpdateExportScheduleDto } from './export-schedules.dto';

const SCHEDULE_ID = { name: 'id', description: 'The schedule id.', example: 'sch_2f1e0d9c-8b7a-4655-9443-3b2a1f0e9d8c' };

/**
 * Scheduled exports (seed 003), `Authorization: Bearer <key>`: each period's run is an on-demand export
 * (listed by GET /api/v1/exports with its `scheduleId`), delivered by signed webhook, email and/or into a
 * destination. export-job owns every rule and answers what is wrong.
 */
@ApiTags('Export schedules')
@ApiErrors(503)
@Controller('api/v1/export-schedules')
@UseGuards(ApiKeyGuard)
export class ExportSchedulesController {
  constructor(private readonly clients: ServiceClients) {}

  @Post()
  @RequirePrivileges('exports:write')
  @ApiKeyAuthDocs({ privileges: ['exports:write'], plan: true })
  @ApiOperation({
    summary: 'Create an export schedule',
    description:
      'Each period then runs once, as an on-demand export listed by `GET /api/v1/exports` with its ' +
      '`scheduleId`, and is delivered to every target. A refused request is a 400 whose message names the field.',
  })
  @ApiCreatedResponse({
    type: ExportScheduleWithSecretDocs,
    description: 'The schedule; `webhookSecret` only with a `webhookUrl`, shown this once.',
  })
  @ApiErrors(400)
  async create(@CurrentAuth() auth: ApiKeyAuth, @Body() body: CreateExportScheduleDto) {
    const call = this.clients.exportSchedules.createExportSchedule({
      appId: auth.app.id,
      frequency: cadenceOf(body.frequency),
      dataTypes: body.dataTypes.map(dataTypeOf),
      format: formatOf(body.format),
      compression: compressionOf(body.compression),
      userIds: body.filters?.userIds ?? [],
      companyIds: body.filters?.companyIds ?? [],
      eventTypes: body.filters?.eventTypes ?? [],
      filter: body.filter ?? '',
      mode:
        body.mode === 'incremental'
          ? schedulesV1.ScheduleMode.SCHEDULE_MODE_INCREMENTAL
          : schedulesV1.ScheduleMode.SCHEDULE_MODE_PERIOD,
      delivery: delivery(body.delivery),
    });
    const { schedule, webhookSecret } = await exportJobCall(auth.app, call);
    return { ...scheduleBody(schedule), ...(webhookSecret ? { webhookSecret } : {}) };
  }

  @Get()
  @RequirePrivileges('exports:read')
  @ApiKeyAuthDocs({ privileges: ['exports:read'], plan: true })
  @ApiOperation({ summary: "List the app's export schedules" })
  @ApiOkResponse({ type: ExportScheduleListDocs, description: "The app's export schedules." })
  async list(@CurrentAuth() auth: ApiKeyAuth) {
    const { schedules } = await exportJobCall(auth.app, this.clients.exportSchedules.listExportSchedules({ appId: auth.app.id }));
    return { data: schedules.map(scheduleBody) };
  }

  @Get(':id')
  @RequirePrivileges('exports:read')
  @ApiKeyAuthDocs({ privileges: ['exports:read'], plan: true })
  @ApiOperation({ summary: 'Read an export schedule' })
  @ApiParam(SCHEDULE_ID)
  @ApiOkResponse({ type: ExportScheduleDocs, description: 'The schedule.' })
  @ApiErrors(404)
  async get(@CurrentAuth() auth: ApiKeyAuth, @Param('id') id: string) {
    const call = this.clients.exportSchedules.getExportSchedule({ appId: auth.app.id, id });
    return scheduleBody((await exportJobCall(auth.app, call)).schedule);
  }

  @Patch(':id')
  @RequirePrivileges('exports:write')
  @ApiKeyAuthDocs({ privileges: ['exports:write'], plan: true })
  @ApiOperation({
    summary: 'Change an export schedule',
    description: 'The fields given replace the stored ones.',
  })
  @ApiParam(SCHEDULE_ID)
  @ApiOkResponse({
    type: ExportScheduleWithSecretDocs,
    description: 'The schedule as changed; `webhookSecret` (a new one) only when the webhook URL changed.',
  })
  @ApiErrors(400, 404)
  async update(@CurrentAuth() auth: ApiKeyAuth, @Param('id') id: string, @Body() body: UpdateExportScheduleDto) {
    const call = this.clients.exportSchedules.updateExportSchedule({
      appId: auth.app.id,
      id,
      frequency: body.frequency === undefined ? undefined : cadenceOf(body.frequency),
      dataTypes: (body.dataTypes ?? []).map(dataTypeOf),
      format: body.format === undefined ? undefined : formatOf(body.format),
      compression: body.compression === undefined ? undefined : compressionOf(body.compression),
      filter: body.filter,
      delivery: body.delivery ? delivery(body.delivery) : undefined,
    });
    const { schedule, webhookSecret } = await exportJobCall(auth.app, call);
    return { ...scheduleBody(schedule), ...(webhookSecret ? { webhookSecret } : {}) };
  }

  @Delete(':id')
  @HttpCode(204)
  @RequirePrivileges('exports:write')
  @ApiKeyAuthDocs({ privileges: ['exports:write'], plan: true })
  @ApiOperation({ summary: 'Delete an export schedule' })
  @ApiParam(SCHEDULE_ID)
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiErrors(404)
  async delete(@CurrentAuth() auth: ApiKeyAuth, @Param('id') id: string): Promise<void> {
    await exportJobCall(auth.app, this.clients.exportSchedules.deleteExportSchedule({ appId: auth.app.id, id }));
  }

  /** Runs the latest ended period now (202), beside its scheduled run. */
  @Post(':id/run')
  @HttpCode(202)
  @RequirePrivileges('exports:write')
  @ApiKeyAuthDocs({ privileges: ['exports:write'], plan: true })
  @ApiOperation({
    summary: 'Run the latest ended period now',
    description: 'Runs beside the scheduled runs; answers the export job of the run.',
  })
  @ApiParam(SCHEDULE_ID)
  @ApiAcceptedResponse({ type: ScheduleRunStartedDocs, description: 'The run is started; its export job.' })
  @ApiErrors(404)
  async run(@CurrentAuth() auth: ApiKeyAuth, @Param('id') id: string) {
    const call = this.clients.exportSchedules.runExportSchedule({ appId: auth.app.id, id });
    return { exportId: (await exportJobCall(auth.app, call)).exportId };
  }

  @Get(':id/runs')
  @RequirePrivileges('exports:read')
  @ApiKeyAuthDocs({ privileges: ['exports:read'], plan: true })
  @ApiOperation({
    summary: "List a schedule's runs",
    description: 'Each run: its period, status, export id and the outcome of each delivery.',
  })
  @ApiParam(SCHEDULE_ID)
  @ApiOkResponse({ type: ScheduleRunListDocs, description: "The schedule's runs." })
  @ApiErrors(404)
  async runs(@CurrentAuth() auth: ApiKeyAuth, @Param('id') id: string) {
    const call = this.clients.exportSchedules.listScheduleRuns({ appId: auth.app.id, id });
    return { data: (await exportJobCall(auth.app, call)).runs.map(runBody) };
  }
}

function delivery(body: ScheduleDeliveryDto): schedulesV1.ScheduleDelivery {
  return { webhookUrl: body.webhookUrl ?? '', emails: body.emails ?? [], destinationId: body.destinationId ?? '' };
}

function runBody(run: schedulesV1.ScheduleRun) {
  return {
    period: run.period,
    from: run.fromDay,
    to: run.toDay,
    status: run.status,
    exportId: run.exportId || null,
    startedAt: run.startedAt?.toISOString() ?? null,
    endedAt: run.endedAt?.toISOString() ?? null,
    error: run.error || null,
    deliveries: run.deliveries.map((d) => ({
      channel: d.channel,
      recipient: d.recipient,
      status: d.status,
      error: d.error || null,
    })),
  };
}

export function scheduleBody(schedule: schedulesV1.ExportSchedule | undefined) {
  if (!schedule) throw new Error('export-job answered without a schedule');
  return {
    id: schedule.id,
    frequency: cadenceName(schedule.frequency),
    dataTypes: schedule.dataTypes.map(dataTypeName),
    format: formatName(schedule.format),
    compression: compressionName(schedule.compression),
    filters: { userIds: schedule.userIds, companyIds: schedule.companyIds, eventTypes: schedule.eventTypes },
    filter: schedule.filter || null,
    mode: schedule.mode === schedulesV1.ScheduleMode.SCHEDULE_MODE_INCREMENTAL ? 'incremental' : 'period',
    delivery: {
      webhookUrl: schedule.delivery?.webhookUrl || null,
      emails: schedule.delivery?.emails ?? [],
      destinationId: schedule.delivery?.destinationId || null,
    },
    nextRunAt: schedule.nextRunAt?.toISOString() ?? null,
    lastRun: schedule.lastRun ? runBody(schedule.lastRun) : null,
    createdAt: schedule.createdAt?.toISOString() ?? null,
  };
}

import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Req, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { exportsV1, schedulesV1 } from '@exportd/contracts';
import type { FastifyRequest } from 'fastify';
import { ApiKeyAuth, ApiKeyGuard, CurrentAuth, RequirePrivileges } from '../auth/api-key.guard';
import { coveoExportBody } from '../coveo/coveo-export.mapper';
import { CoveoOrgGuard } from '../coveo/coveo-org.guard';
import { COVEO_CONFIG, CoveoConfig, publicBaseUrl } from '../coveo/coveo.config';
import { cadenceName, cadenceOf, exportJobCall, requiredJob } from '../exports/export-job-contract';
import { ServiceClients } from '../grpc-clients/grpc-clients.module';
import { ApiErrors, ApiKeyAuthDocs } from '../openapi/api-docs';
import { CoveoExportListDocs, CoveoOrgDocs } from '../coveo/coveo.docs';
import { CoveoScheduleDocs } from './coveo-schedules.docs';
import { CoveoScheduleDto } from './coveo-schedule.dto';

/**
 * Coveo-compatible export schedules (`/rest/ua/v15/exports/schedules`): each run is a Coveo export of the
 * previous period in the schedule's time zone, with its `scheduleId`, emailed to `notificationsEmails` when
 * it is AVAILABLE. Changing needs exports:write (Coveo's Edit privilege), reading exports:read.
 */
@ApiTags('Coveo-compatible API')
@Controller('rest/ua/v15/exports/schedules')
@UseGuards(ApiKeyGuard, CoveoOrgGuard)
@CoveoOrgDocs()
@ApiErrors(503)
export class CoveoSchedulesController {
  constructor(
    private readonly clients: ServiceClients,
    @Inject(COVEO_CONFIG) private readonly config: CoveoConfig,
  ) {}

  @Post()
  @HttpCode(201)
  @RequirePrivileges('exports:write')
  @ApiOperation({
    summary: 'Create an export schedule',
    description: 'Each run is an export of the previous period in the time zone.',
  })
  @ApiKeyAuthDocs({ privileges: ['exports:write'], plan: true })
  @ApiCreatedResponse({ type: CoveoScheduleDocs, description: 'The schedule.' })
  @ApiErrors({
    status: 400,
    description: '`invalid_request` or `invalid_filter` naming the field (tables, dimensions, filters, emails, time zone).',
  })
  async create(@CurrentAuth() auth: ApiKeyAuth, @Body() body: CoveoScheduleDto) {
    const call = this.clients.coveoSchedules.createCoveoSchedule({ appId: auth.app.id, schedule: scheduleInput(body) });
    return scheduleBody((await exportJobCall(auth.app, call)).schedule);
  }

  @Get()
  @RequirePrivileges('exports:read')
  @ApiOperation({ summary: 'List export schedules' })
  @ApiKeyAuthDocs({ privileges: ['exports:read'], plan: true })
  @ApiOkResponse({ type: CoveoScheduleDocs, isArray: true, description: 'The schedules.' })
  async list(@CurrentAuth() auth: ApiKeyAuth) {
    const call = this.clients.coveoSchedules.listCoveoSchedules({ appId: auth.app.id });
    return (await exportJobCall(auth.app, call)).schedules.map(scheduleBody);
  }

  @Get(':id')
  @RequirePrivileges('exports:read')
  @ApiOperation({ summary: 'Get an export schedule' })
  @ApiParam({ name: 'id', description: "The schedule's id." })
  @ApiKeyAuthDocs({ privileges: ['exports:read'], plan: true })
  @ApiOkResponse({ type: CoveoScheduleDocs, description: 'The schedule.' })
  async get(@CurrentAuth() auth: ApiKeyAuth, @Param('id') id: string) {
    const call = this.clients.coveoSchedules.getCoveoSchedule({ appId: auth.app.id, id });
    return scheduleBody((await exportJobCall(auth.app, call)).schedule);
  }

  @Put(':id')
  @RequirePrivileges('exports:write')
  @ApiOperation({ summary: 'Replace an export schedule', description: 'Replaces it whole.' })
  @ApiParam({ name: 'id', description: "The schedule's id." })
  @ApiKeyAuthDocs({ privileges: ['exports:write'], plan: true })
  @ApiOkResponse({ type: CoveoScheduleDocs, description: 'The schedule.' })
  @ApiErrors({
    status: 400,
    description: '`invalid_request` or `invalid_filter` naming the field (tables, dimensions, filters, emails, time zone).',
  })
  async replace(@CurrentAuth() auth: ApiKeyAuth, @Param('id') id: string, @Body() body: CoveoScheduleDto) {
    const call = this.clients.coveoSchedules.replaceCoveoSchedule({ appId: auth.app.id, id, schedule: scheduleInput(body) });
    return scheduleBody((await exportJobCall(auth.app, call)).schedule);
  }

  @Delete(':id')
  @HttpCode(204)
  @RequirePrivileges('exports:write')
  @ApiOperation({ summary: 'Delete an export schedule' })
  @ApiParam({ name: 'id', description: "The schedule's id." })
  @ApiKeyAuthDocs({ privileges: ['exports:write'], plan: true })
  @ApiNoContentResponse({ description: 'Deleted.' })
  async delete(@CurrentAuth() auth: ApiKeyAuth, @Param('id') id: string): Promise<void> {
    await exportJobCall(auth.app, this.clients.coveoSchedules.deleteCoveoSchedule({ appId: auth.app.id, id }));
  }

  /** The exports the schedule's runs made, newest period first, as GET /rest/ua/v15/exports shows them. */
  @Get(':id/exports')
  @RequirePrivileges('exports:read')
  @ApiOperation({ summary: "List a schedule's exports", description: 'The exports its runs made, newest period first.' })
  @ApiParam({ name: 'id', description: "The schedule's id." })
  @ApiKeyAuthDocs({ privileges: ['exports:read'], plan: true })
  @ApiOkResponse({ type: CoveoExportListDocs, description: 'The exports.' })
  async exports(@CurrentAuth() auth: ApiKeyAuth, @Param('id') id: string, @Req() request: FastifyRequest) {
    const call = this.clients.coveoSchedules.listCoveoScheduleExports({ appId: auth.app.id, id });
    const { exportIds } = await exportJobCall(auth.app, call);
    const baseUrl = publicBaseUrl(this.config, request);
    const jobs = await Promise.all(
      exportIds.map(async (jobId) => {
        const read = this.clients.exportJobs.getExportJob({
          appId: auth.app.id,
          jobId,
          api: exportsV1.ExportApi.EXPORT_API_COVEO,
        });
        return requiredJob((await exportJobCall(auth.app, read)).job);
      }),
    );
    return { exports: jobs.map((job) => coveoExportBody(job, baseUrl)) };
  }
}

function scheduleInput(body: CoveoScheduleDto): schedulesV1.CoveoScheduleInput {
  return {
    frequency: cadenceOf(body.frequency),
    timezone: body.timezone ?? '',
    dayOfWeek: body.dayOfWeek ?? '',
    tables: body.tables ?? [],
    dimensions: body.dimensions ?? [],
    commonFilters: body.commonFilters ?? [],
    customEventsFilters: body.customEventsFilters ?? [],
    exportFormat: body.exportFormat ?? '',
    usingDisplayNames: body.usingDisplayNames ?? false,
    notificationsEmails: body.notificationsEmails ?? [],
    description: body.description ?? '',
  };
}

function scheduleBody(schedule: schedulesV1.CoveoSchedule | undefined) {
  if (!schedule) throw new Error('export-job answered without a schedule');
  return {
    id: schedule.id,
    frequency: cadenceName(schedule.frequency).toUpperCase(),
    timezone: schedule.timezone,
    dayOfWeek: schedule.dayOfWeek || null,
    tables: schedule.tables,
    dimensions: schedule.dimensions,
    commonFilters: schedule.commonFilters,
    customEventsFilters: schedule.customEventsFilters,
    exportFormat: schedule.exportFormat,
    usingDisplayNames: schedule.usingDisplayNames,
    notificationsEmails: schedule.notificationsEmails,
    description: schedule.description || null,
    createdDate: schedule.createdAt?.getTime() ?? null,
    nextExecutionDate: schedule.nextRunAt?.getTime() ?? null,
  };
}

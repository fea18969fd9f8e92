import { Body, Controller, Delete, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { exportsV1 } from '@exportd/contracts';
import { ApiKeyAuth, ApiKeyGuard, CurrentAuth, RequirePrivileges } from '../auth/api-key.guard';
import { ServiceClients } from '../grpc-clients/grpc-clients.module';
import { ApiErrors, ApiKeyAuthDocs } from '../openapi/api-docs';
import { CreateExportDto } from './create-export.dto';
import { compressionOf, createExportJobRequest, dataTypeOf, exportJobCall, formatOf, requiredJob } from './export-job-contract';
import { exportBody } from './export.mapper';
import { ExportJobDocs, ExportJobListDocs } from './exports.docs';

const ON_DEMAND = exportsV1.ExportApi.EXPORT_API_ON_DEMAND;

/**
 * On-demand exports (seed 003): `Authorization: Bearer <apiKey>`. Only on-demand jobs: a Bulk API job's id is
 * a 404 here, like another app's. Jobs queue (`pending`) and run in creation order; no 409. export-job
 * checks every rule (plan, days, filter) and answers 400 `invalid_request` / `invalid_filter` naming the field.
 */
@ApiTags('On-demand exports')
@Controller('api/v1/exports')
@UseGuards(ApiKeyGuard)
export class ExportsController {
  constructor(private readonly clients: ServiceClients) {}

  @Post()
  @HttpCode(202)
  @RequirePrivileges('exports:write')
  @ApiOperation({
    summary: 'Create an on-demand export',
    description: "Queues an export of the data types asked for; an app's jobs run in creation order.",
  })
  @ApiKeyAuthDocs({ privileges: ['exports:write'], plan: true })
  @ApiAcceptedResponse({ type: ExportJobDocs, description: 'The job, `pending`.' })
  @ApiErrors({ status: 400, description: '`invalid_request` or `invalid_filter` naming the field; nothing stored.' }, 503)
  async create(@CurrentAuth() auth: ApiKeyAuth, @Body() body: CreateExportDto) {
    const request = createExportJobRequest({
      appId: auth.app.id,
      api: ON_DEMAND,
      dataTypes: body.dataTypes.map(dataTypeOf),
      format: formatOf(body.format),
      compression: compressionOf(body.compression),
      fromDay: body.startDate ?? '',
      toDay: body.endDate ?? '',
      history: body.history ?? '',
      eventTypes: body.filters?.eventTypes ?? [],
      userIds: body.filters?.userIds ?? [],
      companyIds: body.filters?.companyIds ?? [],
      exclusions: body.exclusions ?? false,
      filter: body.filter ?? '',
    });
    const { job } = await exportJobCall(auth.app, this.clients.exportJobs.createExportJob(request));
    return exportBody(requiredJob(job));
  }

  @Get()
  @RequirePrivileges('exports:read')
  @ApiOperation({ summary: 'List on-demand exports', description: "The app's on-demand jobs (scheduled runs included)." })
  @ApiKeyAuthDocs({ privileges: ['exports:read'], plan: true })
  @ApiOkResponse({ type: ExportJobListDocs, description: 'The jobs.' })
  @ApiErrors(503)
  async list(@CurrentAuth() auth: ApiKeyAuth) {
    const { jobs } = await exportJobCall(
      auth.app,
      this.clients.exportJobs.listExportJobs({ appId: auth.app.id, api: ON_DEMAND }),
    );
    return { data: jobs.map(exportBody) };
  }

  @Get(':id')
  @RequirePrivileges('exports:read')
  @ApiOperation({ summary: 'Get an on-demand export', description: 'Its status, progress and download links.' })
  @ApiParam({ name: 'id', description: "The job's id." })
  @ApiKeyAuthDocs({ privileges: ['exports:read'], plan: true })
  @ApiOkResponse({ type: ExportJobDocs, description: 'The job.' })
  @ApiErrors({ status: 404, description: "Unknown job, another app's job or a Bulk API job." }, 503)
  async get(@CurrentAuth() auth: ApiKeyAuth, @Param('id') id: string) {
    const call = this.clients.exportJobs.getExportJob({ appId: auth.app.id, jobId: id, api: ON_DEMAND });
    return exportBody(requiredJob((await exportJobCall(auth.app, call)).job));
  }

  @Delete(':id')
  @RequirePrivileges('exports:write')
  @ApiOperation({ summary: 'Cancel an on-demand export', description: 'Stops the job; answers it, `cancelled`.' })
  @ApiParam({ name: 'id', description: "The job's id." })
  @ApiKeyAuthDocs({ privileges: ['exports:write'], plan: true })
  @ApiOkResponse({ type: ExportJobDocs, description: 'The cancelled job.' })
  @ApiErrors(404, { status: 409, description: '`export_job_not_cancellable`: the job has already ended.' }, 503)
  async cancel(@CurrentAuth() auth: ApiKeyAuth, @Param('id') id: string) {
    const call = this.clients.exportJobs.cancelExportJob({ appId: auth.app.id, jobId: id, api: ON_DEMAND });
    return exportBody(requiredJob((await exportJobCall(auth.app, call)).job));
  }
}

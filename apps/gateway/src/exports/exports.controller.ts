import { Body, Controller, Delete, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { exportsV1 } from '@exportd/contracts';
import { ApiKeyAuth, ApiKeyGuard, CurrentAuth, RequirePrivileges } from '../auth/api-key.guard';
import { ServiceClients } from '../grpc-clients/grpc-clients.module';
import { CreateExportDto } from './create-export.dto';
import { createExportJobRequest, dataTypeOf, exportJobCall, formatOf, requiredJob } from './export-job-contract';
import { exportBody } from './export.mapper';

const ON_DEMAND = exportsV1.ExportApi.EXPORT_API_ON_DEMAND;

/**
 * On-demand exports (seed 003): `Authorization: Bearer <apiKey>`. Only on-demand jobs: a Bulk API job's id is
 * a 404 here, like another app's. Jobs queue (`pending`) and run in creation order; no 409. export-job
 * checks every rule (plan, days, filter) and answers 400 `invalid_request` / `invalid_filter` naming the field.
 */
@Controller('api/v1/exports')
@UseGuards(ApiKeyGuard)
export class ExportsController {
  constructor(private readonly clients: ServiceClients) {}

  @Post()
  @HttpCode(202)
  @RequirePrivileges('exports:write')
  async create(@CurrentAuth() auth: ApiKeyAuth, @Body() body: CreateExportDto) {
    const request = createExportJobRequest({
      appId: auth.app.id,
      api: ON_DEMAND,
      dataTypes: body.dataTypes.map(dataTypeOf),
      format: formatOf(body.format),
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
  async list(@CurrentAuth() auth: ApiKeyAuth) {
    const { jobs } = await exportJobCall(
      auth.app,
      this.clients.exportJobs.listExportJobs({ appId: auth.app.id, api: ON_DEMAND }),
    );
    return { data: jobs.map(exportBody) };
  }

  @Get(':id')
  @RequirePrivileges('exports:read')
  async get(@CurrentAuth() auth: ApiKeyAuth, @Param('id') id: string) {
    const call = this.clients.exportJobs.getExportJob({ appId: auth.app.id, jobId: id, api: ON_DEMAND });
    return exportBody(requiredJob((await exportJobCall(auth.app, call)).job));
  }

  @Delete(':id')
  @RequirePrivileges('exports:write')
  async cancel(@CurrentAuth() auth: ApiKeyAuth, @Param('id') id: string) {
    const call = this.clients.exportJobs.cancelExportJob({ appId: auth.app.id, jobId: id, api: ON_DEMAND });
    return exportBody(requiredJob((await exportJobCall(auth.app, call)).job));
  }
}

import { BadRequestException, Body, Controller, Delete, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { exportsV1 } from '@exportd/contracts';
import { ApiKeyAuth, ApiKeyGuard, CurrentAuth, RequirePrivileges } from '../auth/api-key.guard';
import { assertPlanIncludesExports } from '../auth/plan';
import { errorBody } from '../errors/http-error.filter';
import { ServiceClients } from '../grpc-clients/grpc-clients.module';
import { CreateExportDto } from './create-export.dto';
import { exportJobRequest } from './export-job-request';
import { daysBetween, exportBody, MAX_RANGE_DAYS } from './export.mapper';

/**
 * On-demand exports (seed 003): `Authorization: Bearer <apiKey>`. Only on-demand jobs: a Bulk API job's id is
 * a 404 here, like another app's. Jobs queue (`pending`) and run in creation order; no 409.
 */
@Controller('api/v1/exports')
@UseGuards(ApiKeyGuard)
export class ExportsController {
  constructor(private readonly clients: ServiceClients) {}

  @Post()
  @HttpCode(202)
  @RequirePrivileges('exports:write')
  async create(@CurrentAuth() auth: ApiKeyAuth, @Body() body: CreateExportDto) {
    assertPlanIncludesExports(auth.app);
    const span = daysBetween(body.startDate, body.endDate);
    if (Number.isNaN(span))
      throw new BadRequestException(errorBody(400, 'invalid_request', 'startDate and endDate must be real dates'));
    if (span < 0) throw new BadRequestException(errorBody(400, 'invalid_request', 'startDate must not be after endDate'));
    if (span > MAX_RANGE_DAYS) {
      throw new BadRequestException(
        errorBody(400, 'invalid_request', `endDate must be at most ${MAX_RANGE_DAYS} days after startDate`),
      );
    }
    const { job } = await this.clients.exportJobs.createExportJob({
      appId: auth.app.id,
      job: exportJobRequest({
        api: 'on_demand',
        datasets: [...new Set(body.dataTypes)],
        format: body.format,
        fromDay: body.startDate,
        toDay: body.endDate,
        eventTypes: body.filters?.eventTypes ?? [],
        userIds: body.filters?.userIds ?? [],
        companyIds: body.filters?.companyIds ?? [],
        history: body.history ?? '',
        ...(await body.jobFilterFields(this.clients, auth.app.id)),
      }),
    });
    return exportBody(required(job));
  }

  @Get()
  @RequirePrivileges('exports:read')
  async list(@CurrentAuth() auth: ApiKeyAuth) {
    assertPlanIncludesExports(auth.app);
    const { jobs } = await this.clients.exportJobs.listExportJobs({ appId: auth.app.id, api: 'on_demand' });
    return { data: jobs.map(exportBody) };
  }

  @Get(':id')
  @RequirePrivileges('exports:read')
  async get(@CurrentAuth() auth: ApiKeyAuth, @Param('id') id: string) {
    assertPlanIncludesExports(auth.app);
    const { job } = await this.clients.exportJobs.getExportJob({ appId: auth.app.id, jobId: id, api: 'on_demand' });
    return exportBody(required(job));
  }

  @Delete(':id')
  @RequirePrivileges('exports:write')
  async cancel(@CurrentAuth() auth: ApiKeyAuth, @Param('id') id: string) {
    assertPlanIncludesExports(auth.app);
    const { job } = await this.clients.exportJobs.cancelExportJob({ appId: auth.app.id, jobId: id, api: 'on_demand' });
    return exportBody(required(job));
  }
}

function required(job: exportsV1.ExportJob | undefined): exportsV1.ExportJob {
  if (!job) throw new Error('export-job answered without a job');
  return job;
}

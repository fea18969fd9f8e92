import { Body, ConflictException, Controller, Get, HttpCode, NotFoundException, Param, Post, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { exportsV1 } from '@exportd/contracts';
import { fromGrpcError } from '@exportd/grpc';
import { clockFromEnv } from '@exportd/runtime';
import { ApiKeyAuth, ApiKeyGuard, CurrentAuth, RequirePrivileges } from '../auth/api-key.guard';
import {
  compressionOf,
  createExportJobRequest,
  dataTypeOf,
  exportJobCall,
  formatOf,
  requiredJob,
} from '../exports/export-job-contract';
import { ServiceClients } from '../grpc-clients/grpc-clients.module';
import { ApiErrors, ApiKeyAuthDocs } from '../openapi/api-docs';
import { conflictBody, createdBody, jobBody, listItem, notFoundBody } from './bulk-export.mapper';
import { BulkExportCreatedDocs, BulkExportJobDocs, BulkExportListItemDocs } from './bulk-exports.docs';
import { CreateBulkExportDto } from './create-bulk-export.dto';

const BULK = exportsV1.ExportApi.EXPORT_API_BULK;

/** The Bulk Data Export API (seed 002), `Authorization: Token <apiKey>`. */
@ApiTags('Bulk Data Export API')
@Controller('api/v1/analytics/exports')
@UseGuards(ApiKeyGuard)
export class BulkExportsController {
  private readonly clock = clockFromEnv();

  constructor(private readonly clients: ServiceClients) {}

  /**
   * export-job checks the rules (plan, from <= to, emails, segment) and answers 400 `invalid_request` naming
   * the field; its one-job-in-progress refusal becomes the seed's 409 body.
   */
  @Post()
  @HttpCode(201)
  @RequirePrivileges('exports:write')
  @ApiOperation({
    summary: 'Create a Bulk API export job',
    description:
      "Exports the app's events of `from`..`to` (UTC days) as files compressed by `compression` (gzip unless asked), one per month. One job in progress per app. The seed's trailing slash (`/api/v1/analytics/exports/`) is accepted.",
  })
  @ApiKeyAuthDocs({ privileges: ['exports:write'], plan: true })
  @ApiCreatedResponse({ type: BulkExportCreatedDocs, description: 'The job is created.' })
  @ApiErrors(
    { status: 400, description: '`invalid_request` naming the field (dates, emails, segment, event types).' },
    { status: 409, body: 'bulk', description: 'Another Bulk API job of the app is in progress.' },
    503,
  )
  async create(@CurrentAuth() auth: ApiKeyAuth, @Body() body: CreateBulkExportDto) {
    const request = createExportJobRequest({
      appId: auth.app.id,
      api: BULK,
      dataTypes: [dataTypeOf('events')],
      format: formatOf(body.format ?? 'json'),
      compression: compressionOf(body.compression),
      fromDay: body.from,
      toDay: body.to,
      eventTypes: body.event_type ?? [],
      userIds: body.user_id ?? [],
      companyIds: body.company_id ?? [],
      segmentId: body.segment_id ?? '',
      exclusions: body.exclusions ?? false,
      emails: body.emails ?? [],
    });
    try {
      const { job } = await exportJobCall(auth.app, this.clients.exportJobs.createExportJob(request));
      return createdBody(auth.app, requiredJob(job));
    } catch (error) {
      if (fromGrpcError(error).code === 'export_already_running') throw new ConflictException(conflictBody());
      throw error;
    }
  }

  @Get('jobs')
  @RequirePrivileges('exports:read')
  @ApiOperation({ summary: 'List Bulk API export jobs', description: "The app's Bulk API jobs (not on-demand ones)." })
  @ApiKeyAuthDocs({ privileges: ['exports:read'], plan: true })
  @ApiOkResponse({ type: BulkExportListItemDocs, isArray: true, description: 'The jobs.' })
  @ApiErrors(503)
  async list(@CurrentAuth() auth: ApiKeyAuth) {
    const { jobs } = await exportJobCall(auth.app, this.clients.exportJobs.listExportJobs({ appId: auth.app.id, api: BULK }));
    const now = this.clock.now();
    return jobs.map((job) => listItem(job, now));
  }

  @Get('jobs/:jobId')
  @RequirePrivileges('exports:read')
  @ApiOperation({ summary: 'Get a Bulk API export job', description: 'Its status, progress and download links.' })
  @ApiParam({ name: 'jobId', description: "The job's id." })
  @ApiKeyAuthDocs({ privileges: ['exports:read'], plan: true })
  @ApiOkResponse({ type: BulkExportJobDocs, description: 'The job.' })
  @ApiErrors({ status: 404, body: 'bulk', description: "Unknown job, another app's job or an on-demand job." }, 503)
  async get(@CurrentAuth() auth: ApiKeyAuth, @Param('jobId') jobId: string) {
    try {
      // Another API's job (an on-demand export) is not found, like another app's.
      const call = this.clients.exportJobs.getExportJob({ appId: auth.app.id, jobId, api: BULK });
      return jobBody(auth.app, requiredJob((await exportJobCall(auth.app, call)).job), this.clock.now());
    } catch (error) {
      if (fromGrpcError(error).httpStatus === 404) throw new NotFoundException(notFoundBody(jobId, auth.app.id));
      throw error;
    }
  }
}

import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  UseGuards,
} from '@nestjs/common';
import { exportsV1 } from '@exportd/contracts';
import { fromGrpcError } from '@exportd/grpc';
import { SystemClock } from '@exportd/runtime';
import { ApiKeyAuth, ApiKeyGuard, CurrentAuth, RequirePrivileges } from '../auth/api-key.guard';
import { assertPlanIncludesExports } from '../auth/plan';
import { errorBody } from '../errors/http-error.filter';
import { exportJobRequest } from '../exports/export-job-request';
import { ServiceClients } from '../grpc-clients/grpc-clients.module';
import { conflictBody, createdBody, invalidEmails, jobBody, listItem, notFoundBody } from './bulk-export.mapper';
import { CreateBulkExportDto, DEFAULT_EVENT_TYPES } from './create-bulk-export.dto';

/** The Bulk Data Export API (seed 002), `Authorization: Token <apiKey>`. */
@Controller('api/v1/analytics/exports')
@UseGuards(ApiKeyGuard)
export class BulkExportsController {
  private readonly clock = new SystemClock();

  constructor(private readonly clients: ServiceClients) {}

  @Post()
  @HttpCode(201)
  @RequirePrivileges('exports:write')
  async create(@CurrentAuth() auth: ApiKeyAuth, @Body() body: CreateBulkExportDto) {
    assertPlanIncludesExports(auth.app);
    if (body.from > body.to) throw new BadRequestException(errorBody(400, 'invalid_request', 'from must not be after to'));
    const emails = body.emails ?? [];
    const bad = invalidEmails(emails);
    if (bad.length > 0) {
      throw new BadRequestException(errorBody(400, 'invalid_request', `invalid emails: ${bad.join(', ')}`, { emails: bad }));
    }
    if (body.segment_id) await this.assertSegmentExists(auth.app.id, body.segment_id);
    try {
      const created = await this.clients.exportJobs.createExportJob({
        appId: auth.app.id,
        job: exportJobRequest({
          api: 'bulk',
          datasets: ['events'],
          format: body.format ?? 'json',
          fromDay: body.from,
          toDay: body.to,
          eventTypes: body.event_type?.length ? body.event_type : DEFAULT_EVENT_TYPES,
          userIds: body.user_id ?? [],
          companyIds: body.company_id ?? [],
          segmentId: body.segment_id ?? '',
          exclusions: body.exclusions ?? false,
          emails,
        }),
      });
      return createdBody(auth.app, required(created.job));
    } catch (error) {
      if (fromGrpcError(error).code === 'export_already_running') throw new ConflictException(conflictBody());
      throw error;
    }
  }

  private async assertSegmentExists(appId: string, segmentId: string): Promise<void> {
    try {
      await this.clients.segments.getSegment({ appId, id: segmentId });
    } catch (error) {
      if (fromGrpcError(error).httpStatus !== 404) throw error;
      throw new BadRequestException(errorBody(400, 'invalid_request', `segment_id: unknown segment ${segmentId}`));
    }
  }

  @Get('jobs')
  @RequirePrivileges('exports:read')
  async list(@CurrentAuth() auth: ApiKeyAuth) {
    assertPlanIncludesExports(auth.app);
    const { jobs } = await this.clients.exportJobs.listExportJobs({ appId: auth.app.id, api: 'bulk' });
    const now = this.clock.now();
    return jobs.map((job) => listItem(job, now));
  }

  @Get('jobs/:jobId')
  @RequirePrivileges('exports:read')
  async get(@CurrentAuth() auth: ApiKeyAuth, @Param('jobId') jobId: string) {
    assertPlanIncludesExports(auth.app);
    try {
      // Another API's job (an on-demand export) is not found, like another app's.
      const { job } = await this.clients.exportJobs.getExportJob({ appId: auth.app.id, jobId, api: 'bulk' });
      return jobBody(auth.app, required(job), this.clock.now());
    } catch (error) {
      if (fromGrpcError(error).httpStatus === 404) throw new NotFoundException(notFoundBody(jobId, auth.app.id));
      throw error;
    }
  }
}

function required(job: exportsV1.ExportJob | undefined): exportsV1.ExportJob {
  if (!job) throw new Error('export-job answered without a job');
  return job;
}

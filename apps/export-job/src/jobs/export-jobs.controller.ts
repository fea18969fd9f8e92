import { Controller } from '@nestjs/common';
import { exportsV1 } from '@exportd/contracts';
import { toProtoJob } from './export-job.mapper';
import { InvalidExportRequest } from './export-jobs.errors';
import { ExportJobsService } from './export-jobs.service';

/** exports.v1.ExportJobsService: proto <-> domain, nothing else. */
@Controller()
@exportsV1.ExportJobsServiceControllerMethods()
export class ExportJobsController implements exportsV1.ExportJobsServiceController {
  constructor(private readonly jobs: ExportJobsService) {}

  async createExportJob(request: exportsV1.CreateExportJobRequest): Promise<exportsV1.ExportJobResponse> {
    const job = request.job;
    if (!job) throw new InvalidExportRequest('job is required');
    const view = await this.jobs.create(request.appId, {
      api: job.api,
      datasets: job.datasets,
      format: job.format,
      fromDay: job.fromDay,
      toDay: job.toDay,
      eventTypes: job.eventTypes,
      userIds: job.userIds,
      companyIds: job.companyIds,
      segmentId: job.segmentId,
      history: job.history,
      exclusions: job.exclusions,
      emails: job.emails,
      filters: job.filters,
    });
    return { job: toProtoJob(view) };
  }

  async getExportJob(request: exportsV1.GetExportJobRequest): Promise<exportsV1.ExportJobResponse> {
    return { job: toProtoJob(await this.jobs.get(request.appId, request.jobId, request.api)) };
  }

  async listExportJobs(request: exportsV1.ListExportJobsRequest): Promise<exportsV1.ListExportJobsResponse> {
    return { jobs: (await this.jobs.list(request.appId, request.api)).map(toProtoJob) };
  }

  async cancelExportJob(request: exportsV1.CancelExportJobRequest): Promise<exportsV1.ExportJobResponse> {
    return { job: toProtoJob(await this.jobs.cancel(request.appId, request.jobId, request.api)) };
  }
}

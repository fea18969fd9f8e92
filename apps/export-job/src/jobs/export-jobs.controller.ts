import { Controller } from '@nestjs/common';
import { exportsV1 } from '@exportd/contracts';
import { apiFromProto, requestFromProto, toProtoJob } from './export-job.mapper';
import { InvalidExportRequest } from './export-jobs.errors';
import { ExportEstimatesService } from './export-estimates.service';
import { ExportJobsService } from './export-jobs.service';

/** exports.v1.ExportJobsService: proto <-> domain, nothing else. */
@Controller()
@exportsV1.ExportJobsServiceControllerMethods()
export class ExportJobsController implements exportsV1.ExportJobsServiceController {
  constructor(
    private readonly jobs: ExportJobsService,
    private readonly estimates: ExportEstimatesService,
  ) {}

  async createExportJob(request: exportsV1.CreateExportJobRequest): Promise<exportsV1.CreateExportJobResponse> {
    return { job: toProtoJob(await this.jobs.create(request.appId, requestFromProto(request))) };
  }

  async getExportJob(request: exportsV1.GetExportJobRequest): Promise<exportsV1.GetExportJobResponse> {
    return { job: toProtoJob(await this.jobs.get(request.appId, request.jobId, apiFromProto(request.api))) };
  }

  async listExportJobs(request: exportsV1.ListExportJobsRequest): Promise<exportsV1.ListExportJobsResponse> {
    return { jobs: (await this.jobs.list(request.appId, apiFromProto(request.api))).map(toProtoJob) };
  }

  async cancelExportJob(request: exportsV1.CancelExportJobRequest): Promise<exportsV1.CancelExportJobResponse> {
    return { job: toProtoJob(await this.jobs.cancel(request.appId, request.jobId, apiFromProto(request.api))) };
  }

  async deleteExportJob(request: exportsV1.DeleteExportJobRequest): Promise<exportsV1.DeleteExportJobResponse> {
    await this.jobs.delete(request.appId, request.jobId, apiFromProto(request.api));
    return {};
  }

  async estimateExport(request: exportsV1.EstimateExportRequest): Promise<exportsV1.EstimateExportResponse> {
    if (!request.request) throw new InvalidExportRequest('request is required');
    const asked = request.request;
    return { estimates: await this.estimates.estimate(asked.appId, requestFromProto(asked)) };
  }
}

import { Injectable } from '@nestjs/common';
import { RowSource } from '../worker/row-source';
import { coveoRowRequest } from './coveo-export';
import { ExportJobsService } from './export-jobs.service';
import { ExportRequest } from './export-request';
import { InvalidExportRequest } from './export-jobs.errors';

export interface TableEstimate {
  table: string;
  rows: number;
}

/**
 * The Coveo estimate: the request is checked by every rule of a create (nothing is stored), then each table
 * the export would write is counted by aggregation with the same row request its CSV would be streamed with.
 */
@Injectable()
export class ExportEstimatesService {
  constructor(
    private readonly jobs: ExportJobsService,
    private readonly rows: RowSource,
  ) {}

  async estimate(appId: string, asked: ExportRequest): Promise<TableEstimate[]> {
    const { request, coveo } = await this.jobs.check(appId, asked);
    if (!coveo) throw new InvalidExportRequest('estimates are for Coveo-compatible exports');
    return Promise.all(
      coveo.tables.map(async (table) => ({
        table: table.name,
        rows: await this.rows.count(coveoRowRequest(appId, request, coveo, table)),
      })),
    );
  }
}

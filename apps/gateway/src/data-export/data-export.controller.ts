import { Controller, Get, Query, Res, UseGuards } from '@nestjs/common';
import type { companyUsage } from '@exportd/contracts';
import type { FastifyReply } from 'fastify';
import { Readable } from 'node:stream';
import { ApiKeyAuth, ApiKeyGuard, CurrentAuth, RequirePrivileges } from '../auth/api-key.guard';
import { assertPlanIncludesExports } from '../auth/plan';
import { ServiceClients } from '../grpc-clients/grpc-clients.module';
import { CellCache, headerLine, rowLine } from './csv';
import { CompanyExportQueryDto } from './data-export.dto';

/** Manual data export: the company data model as a CSV download (Pro and Enterprise plans). */
@Controller('api/v1/data-export')
@UseGuards(ApiKeyGuard)
export class DataExportController {
  constructor(private readonly clients: ServiceClients) {}

  /**
   * Streams rows from aggregation's gRPC stream straight into the response: one batch at a time, pulled as
   * the client reads, so memory stays bounded whatever the export size. The first batch is awaited before
   * the headers go out, so an error from aggregation still becomes a proper HTTP error.
   */
  @Get('companies')
  @RequirePrivileges('exports:read')
  async companies(
    @CurrentAuth() auth: ApiKeyAuth,
    @Query() query: CompanyExportQueryDto,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    assertPlanIncludesExports(auth.app);
    const stream = this.clients.companyUsage.streamCompanyFeatureRows({
      appId: auth.app.id,
      history: query.history,
      batchSize: 500,
    });
    const batches = stream[Symbol.asyncIterator]() as AsyncIterator<companyUsage.CompanyFeatureRowBatch>;
    let first: IteratorResult<companyUsage.CompanyFeatureRowBatch>;
    try {
      first = await batches.next();
    } catch (error) {
      stream.cancel();
      throw error;
    }
    async function* lines(): AsyncGenerator<string> {
      try {
        yield headerLine();
        let next = first;
        while (!next.done) {
          let chunk = '';
          const cells = new CellCache();
          for (const row of next.value.rows) chunk += rowLine(row, cells);
          yield chunk;
          next = await batches.next();
        }
      } finally {
        stream.cancel();
      }
    }
    await reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="companies-${query.history}.csv"`)
      .header('cache-control', 'no-store')
      .send(Readable.from(lines(), { objectMode: false }));
  }
}

import { Controller, Get, Query, Res, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { analytics, rowFilter } from '@exportd/contracts';
import { CsvWriter } from '@exportd/csv';
import { COMPANY_FEATURE_COLUMNS } from '@exportd/records';
import type { FastifyReply } from 'fastify';
import { Readable } from 'node:stream';
import { ApiKeyAuth, ApiKeyGuard, CurrentAuth, RequirePrivileges } from '../auth/api-key.guard';
import { assertPlanIncludesExports } from '../auth/plan';
import { ServiceClients } from '../grpc-clients/grpc-clients.module';
import { ApiErrors, ApiKeyAuthDocs } from '../openapi/api-docs';
import { CompanyExportQueryDto } from './data-export.dto';

/** Manual data export: the company data model as a CSV download (Pro and Enterprise plans). */
@ApiTags('Company data export')
@Controller('api/v1/data-export')
@UseGuards(ApiKeyGuard)
export class DataExportController {
  constructor(private readonly clients: ServiceClients) {}

  /**
   * Streams the company_features rows of aggregation's row stream straight into the response: one batch at a
   * time, pulled as the client reads, so memory stays bounded whatever the export size. The first batch is
   * awaited before the headers go out, so an error from aggregation still becomes a proper HTTP error.
   */
  @Get('companies')
  @RequirePrivileges('exports:read')
  @ApiOperation({
    summary: 'Download the company data export',
    description:
      'A CSV with the 18 columns of the company data model, one row per company, feature and date (Pro and Enterprise plans).',
  })
  @ApiKeyAuthDocs({ privileges: ['exports:read'], plan: true })
  @ApiOkResponse({
    description: 'The CSV (attachment `companies-<history>.csv`), streamed.',
    content: { 'text/csv': { schema: { type: 'string', description: 'RFC 4180 CSV with a header row.' } } },
  })
  @ApiErrors({ status: 400, description: '`invalid_request`: history must be one of the options.' }, 503)
  async companies(
    @CurrentAuth() auth: ApiKeyAuth,
    @Query() query: CompanyExportQueryDto,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    assertPlanIncludesExports(auth.app);
    // Aggregation writes the CSV records, so each batch goes out as it arrives. 200 rows make a message of
    // about 45 kB: within HTTP/2's 64 kB window, so aggregation computes the next batch while this one is sent.
    const stream = this.clients.rows.streamRows({
      appId: auth.app.id,
      dataType: analytics.DataType.DATA_TYPE_COMPANY_FEATURES,
      filter: rowFilter({ history: query.history }),
      batchSize: 200,
      dimensions: [],
      useDisplayNames: false,
      csv: true,
    });
    const batches = stream[Symbol.asyncIterator]() as AsyncIterator<analytics.RowBatch>;
    let first: IteratorResult<analytics.RowBatch>;
    try {
      first = await batches.next();
    } catch (error) {
      stream.cancel();
      throw error;
    }
    async function* lines(): AsyncGenerator<string> {
      try {
        yield new CsvWriter(COMPANY_FEATURE_COLUMNS).header();
        let next = first;
        while (!next.done) {
          yield next.value.rowsCsv;
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

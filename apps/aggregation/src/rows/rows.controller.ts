import { Controller } from '@nestjs/common';
import { analytics } from '@exportd/contracts';
import type { Metadata, ServerWritableStream } from '@grpc/grpc-js';
import { Observable } from 'rxjs';
import { LookupsService } from './lookups.service';
import { RowsService } from './rows.service';

/** analytics.v1.RowsService: proto <-> domain, nothing else. */
@Controller()
@analytics.RowsServiceControllerMethods()
export class RowsController implements analytics.RowsServiceController {
  constructor(
    private readonly rows: RowsService,
    private readonly lookups: LookupsService,
  ) {}

  /**
   * Writes to the call itself (awaiting 'drain' when `write` answers false) instead of emitting into the
   * Observable, which would buffer without bound; the Observable only reports the end or the error.
   */
  streamRows(
    request: analytics.StreamRowsRequest,
    _metadata?: Metadata,
    call?: ServerWritableStream<analytics.StreamRowsRequest, analytics.RowBatch>,
  ): Observable<analytics.RowBatch> {
    return new Observable<analytics.RowBatch>((subscriber) => {
      let cancelled = false;
      const run = async () => {
        if (!call) throw new Error('streamRows needs the gRPC call');
        const source = await this.rows.open(request.appId, request.dataType, request.filter, request.batchSize, {
          dimensions: request.dimensions,
          useDisplayNames: request.useDisplayNames,
          csv: request.csv,
        });
        call.on('cancelled', () => (cancelled = true));
        await this.rows.stream(
          source,
          {
            write: (batch) => call.write(batch),
            drained: () =>
              new Promise<void>((resolve) => {
                const done = () => {
                  call.off('drain', done);
                  call.off('cancelled', done);
                  resolve();
                };
                call.on('drain', done);
                call.on('cancelled', done);
              }),
            cancelled: () => cancelled || call.cancelled,
          },
          request.batchSize,
        );
      };
      run().then(
        () => subscriber.complete(),
        // The error passes through DomainErrorFilter, which maps it to a status.
        (error: unknown) => subscriber.error(error),
      );
      return () => {
        cancelled = true;
      };
    });
  }

  async countRows(request: analytics.CountRowsRequest): Promise<analytics.CountRowsResponse> {
    return { count: await this.rows.count(request.appId, request.dataType, request.filter) };
  }

  async lookup(request: analytics.LookupRequest): Promise<analytics.LookupResponse> {
    const page = await this.lookups.lookup(request.appId, request.lookup, request.afterCursor, request.limit);
    return {
      itemsJson: page.items.map((item) => JSON.stringify(item)),
      afterCursor: page.afterCursor,
      beforeCursor: page.beforeCursor,
      limit: page.limit,
      totalCount: page.totalCount,
    };
  }
}

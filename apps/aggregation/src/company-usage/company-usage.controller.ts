import { Controller } from '@nestjs/common';
import { Metadata, ServerWritableStream } from '@grpc/grpc-js';
import { companyUsage } from '@exportd/contracts';
import { Observable } from 'rxjs';
import { once } from 'node:events';
import { CompanyFeatureRow } from './company-usage.metrics';
import { CompanyUsageService } from './company-usage.service';

/**
 * analytics.v1.CompanyUsageService: proto <-> domain, nothing else. The stream waits for the client to
 * drain before producing the next batch (NestJS would otherwise buffer whatever the generator produces).
 */
@Controller()
@companyUsage.CompanyUsageServiceControllerMethods()
export class CompanyUsageController implements companyUsage.CompanyUsageServiceController {
  constructor(private readonly usage: CompanyUsageService) {}

  streamCompanyFeatureRows(
    request: companyUsage.StreamCompanyFeatureRowsRequest,
    _metadata?: Metadata,
    call?: ServerWritableStream<unknown, unknown>,
  ): Observable<companyUsage.CompanyFeatureRowBatch> {
    const batches = this.usage.streamRows(request.appId, request.history, request.batchSize);
    return new Observable((subscriber) => {
      // Unsubscribing (the client cancelled or went away) aborts a pending wait for drain; leaving the loop
      // then closes the generator, and with it the database cursors.
      const abort = new AbortController();
      const run = async () => {
        for await (const batch of batches) {
          if (abort.signal.aborted) return;
          subscriber.next({ rows: batch.map(toProto) });
          if (call?.writableNeedDrain) await once(call, 'drain', { signal: abort.signal });
        }
        subscriber.complete();
      };
      run().catch((error: unknown) => {
        if (!abort.signal.aborted) subscriber.error(error);
      });
      return () => abort.abort();
    });
  }
}

function toProto(row: CompanyFeatureRow): companyUsage.CompanyFeatureRow {
  return {
    companyId: row.companyId,
    companyName: row.companyName ?? undefined,
    featureName: row.featureName,
    featureId: row.featureId,
    date: row.date,
    firstSeen: row.firstSeen,
    lastSeen: row.lastSeen,
    firstUsed: row.firstUsed ?? undefined,
    lastUsed: row.lastUsed ?? undefined,
    starsStateLabel: row.starsStateLabel,
    starsState: row.starsState,
    frequencyLabel: row.frequencyLabel ?? undefined,
    frequency: row.frequency ?? undefined,
    satisfactionLabel: row.satisfactionLabel ?? undefined,
    satisfaction: row.satisfaction ?? undefined,
    feedbackCount: row.feedbackCount,
    segmentNames: row.segmentNames,
    segmentIds: row.segmentIds,
  };
}

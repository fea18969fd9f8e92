import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { analytics } from '@exportd/contracts';
import { createGrpcClient, GrpcClient } from '@exportd/grpc';
import { EXPORT_JOB_ENV, ExportJobEnv } from '../config/env';
import { RowBatchLike } from '../formats/export-file-writer';

export interface RowRequest {
  appId: string;
  dataset: string;
  fromDay: string;
  toDay: string;
  eventTypes: string[];
  userIds: string[];
  companyIds: string[];
  segmentId: string;
  history: string;
  exclusions: boolean;
  /** Row-filter expressions of the job (ExportJob.filters), joined by AND; checked when the job was created. */
  filters: string[];
}

/** Where rows come from: aggregation's row stream. */
export abstract class RowSource {
  abstract stream(request: RowRequest, signal: AbortSignal): AsyncIterable<RowBatchLike>;
}

const DATASETS: Record<string, analytics.DataType> = {
  events: analytics.DataType.DATA_TYPE_EVENTS,
  feedback: analytics.DataType.DATA_TYPE_FEEDBACK,
  users: analytics.DataType.DATA_TYPE_USERS,
  companies: analytics.DataType.DATA_TYPE_COMPANIES,
  company_features: analytics.DataType.DATA_TYPE_COMPANY_FEATURES,
};

@Injectable()
export class GrpcRowSource extends RowSource implements OnApplicationShutdown {
  private readonly client: GrpcClient<typeof analytics.RowsServiceService>;

  constructor(@Inject(EXPORT_JOB_ENV) env: ExportJobEnv) {
    super();
    this.client = createGrpcClient(analytics.RowsServiceService, {
      address: env.AGGREGATION_GRPC_ADDR,
      internalToken: env.INTERNAL_TOKEN,
    });
  }

  stream(request: RowRequest, signal: AbortSignal): AsyncIterable<RowBatchLike> {
    const call = this.client.streamRows({
      appId: request.appId,
      dataType: DATASETS[request.dataset] ?? analytics.DataType.DATA_TYPE_UNSPECIFIED,
      batchSize: 500,
      filter: {
        fromDay: request.fromDay,
        toDay: request.toDay,
        eventTypes: request.eventTypes,
        userIds: request.userIds,
        companyIds: request.companyIds,
        segmentId: request.segmentId,
        applyExclusions: request.exclusions,
        expressions: request.filters,
        history: request.history,
      },
    });
    const cancel = () => call.cancel();
    signal.addEventListener('abort', cancel, { once: true });
    call.on('close', () => signal.removeEventListener('abort', cancel));
    // The call is async-iterable; reading it only as fast as we consume gives gRPC flow control.
    return call as AsyncIterable<RowBatchLike>;
  }

  onApplicationShutdown(): void {
    this.client.close();
  }
}

import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { analytics } from '@exportd/contracts';
import { createGrpcClient, GrpcClient } from '@exportd/grpc';
import { EXPORT_JOB_ENV, ExportJobEnv } from '../config/env';
import { RowBatchLike } from '../formats/export-file-writer';
import { dataTypeToProto } from '../jobs/export-job.mapper';
import { ExportDataType } from '../jobs/partition-planner';

export interface RowRequest {
  appId: string;
  dataType: ExportDataType;
  fromDay: string;
  toDay: string;
  eventTypes: string[];
  userIds: string[];
  companyIds: string[];
  segmentId: string;
  history: string;
  exclusions: boolean;
  /** The job's row filter (or empty); checked when the job was created. */
  filter: string;
  /** An incremental run's reception window (then the days are the period's, for the file's name only). */
  received?: { from: Date; to: Date };
}

/** Where rows come from: aggregation's row stream. */
export abstract class RowSource {
  abstract stream(request: RowRequest, signal: AbortSignal): AsyncIterable<RowBatchLike>;
}

/**
 * Rows per message: a message should fit HTTP/2's 64 kB window (company_features rows are wide JSON, about
 * 230 bytes each: 500 of them measured a third slower).
 */
const ROW_BATCH = 500;
const COMPANY_FEATURE_BATCH = 200;

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
      dataType: dataTypeToProto(request.dataType),
      batchSize: request.dataType === 'company_features' ? COMPANY_FEATURE_BATCH : ROW_BATCH,
      filter: {
        // Rows by reception time are not selected by event day.
        fromDay: request.received ? '' : request.fromDay,
        toDay: request.received ? '' : request.toDay,
        receivedFrom: request.received?.from,
        receivedTo: request.received?.to,
        eventTypes: request.eventTypes,
        userIds: request.userIds,
        companyIds: request.companyIds,
        segmentId: request.segmentId,
        applyExclusions: request.exclusions,
        expressions: request.filter ? [request.filter] : [],
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

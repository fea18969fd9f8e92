import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { analytics } from '@exportd/contracts';
import { asDomainError, createGrpcClient, GrpcClient } from '@exportd/grpc';
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
  /** An event-time window [from, to) inside the days (the Coveo-compatible API). */
  window?: { from: Date; to: Date };
  /** More filter-language expressions, ANDed with `filter` (a Coveo job's `fc` on events). */
  moreFilters?: string[];
  /** The columns, by return name, in order (empty or absent: all), and whether headers are display names. */
  dimensions?: string[];
  useDisplayNames?: boolean;
}

/** Where rows come from: aggregation's row stream. */
export abstract class RowSource {
  abstract stream(request: RowRequest, signal: AbortSignal): AsyncIterable<RowBatchLike>;
  /** How many rows `stream` would send for the request. */
  abstract count(request: RowRequest): Promise<number>;
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
      filter: rowFilter(request),
      dimensions: request.dimensions ?? [],
      useDisplayNames: request.useDisplayNames ?? false,
      csv: false,
    });
    const cancel = () => call.cancel();
    signal.addEventListener('abort', cancel, { once: true });
    call.on('close', () => signal.removeEventListener('abort', cancel));
    // The call is async-iterable; reading it only as fast as we consume gives gRPC flow control.
    return call as AsyncIterable<RowBatchLike>;
  }

  async count(request: RowRequest): Promise<number> {
    const { count } = await this.client
      .countRows({ appId: request.appId, dataType: dataTypeToProto(request.dataType), filter: rowFilter(request) })
      .catch((error: unknown) => {
        throw asDomainError(error);
      });
    return count;
  }

  onApplicationShutdown(): void {
    this.client.close();
  }
}

function rowFilter(request: RowRequest): analytics.RowFilter {
  return {
    // Rows by reception time are not selected by event day.
    fromDay: request.received ? '' : request.fromDay,
    toDay: request.received ? '' : request.toDay,
    receivedFrom: request.received?.from,
    receivedTo: request.received?.to,
    timeFrom: request.window?.from,
    timeTo: request.window?.to,
    eventTypes: request.eventTypes,
    userIds: request.userIds,
    companyIds: request.companyIds,
    segmentId: request.segmentId,
    applyExclusions: request.exclusions,
    expressions: [...(request.filter ? [request.filter] : []), ...(request.moreFilters ?? [])],
    history: request.history,
  };
}

import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { analytics, privacy, tenancy } from '@exportd/contracts';
import { asDomainError, createGrpcClient, fromGrpcError, GrpcClient } from '@exportd/grpc';
import { planIncludesAutomaticExports, planIncludesExports } from '@exportd/records';
import { EXPORT_JOB_ENV, ExportJobEnv } from '../config/env';
import { dataTypeToProto } from './export-job.mapper';
import { DimensionTables } from './coveo-export';
import { InvalidExportRequest, PlanExcludesExports } from './export-jobs.errors';
import { ExportDataType } from './partition-planner';

/**
 * The export rules that need another service's data: the app's plan (ingestion owns apps), the segment and
 * the row filter (aggregation owns both). Each throws a domain error.
 */
export abstract class ExportPreconditions {
  /** PlanExcludesExports (403) unless the app's plan includes exports. */
  abstract assertPlanIncludesExports(appId: string): Promise<void>;
  /** PlanExcludesExports (403) unless the app's plan includes the automatic company export (Enterprise). */
  abstract assertPlanIncludesAutomaticExports(appId: string): Promise<void>;
  /** InvalidExportRequest (400) for an unknown segment. */
  abstract assertSegmentExists(appId: string, segmentId: string): Promise<void>;
  /**
   * Aggregation's answer for a filter that does not parse, names a column one of the data types lacks, or an
   * unknown `$NAME` or a cycle: 400 `invalid_filter` naming the position, the column or the name.
   */
  abstract assertFilterValid(appId: string, dataTypes: ExportDataType[], filter: string): Promise<void>;
  /** The app's dimension catalogue (aggregation's): per return name, the tables that have it. */
  abstract dimensionTables(appId: string): Promise<DimensionTables>;
  /** The app's retention policy (ingestion's; the defaults when none is stored). */
  abstract retention(appId: string): Promise<AppRetention>;
}

/**
 * How many days an app keeps its raw calls, its aggregates and its export files, and the days before which
 * sweeps have deleted them (empty: no sweep yet).
 */
export interface AppRetention {
  rawEventsDays: number;
  aggregatesDays: number;
  exportFilesDays: number;
  rawEventsDeletedBefore: string;
  aggregatesDeletedBefore: string;
}

/**
 * A sweep's view of each app's `exportFilesDays`: read once per app per sweep (a changed policy applies at the
 * next one); null when ingestion cannot tell, and then the app's files are kept until a sweep knows.
 */
export function exportFilesDaysOf(
  preconditions: ExportPreconditions,
  onError: (appId: string, error: Error) => void,
): (appId: string) => Promise<number | null> {
  const days = new Map<string, Promise<number | null>>();
  return (appId) => {
    let found = days.get(appId);
    if (!found) {
      found = preconditions.retention(appId).then(
        (policy) => policy.exportFilesDays,
        (error: unknown) => {
          onError(appId, error as Error);
          return null;
        },
      );
      days.set(appId, found);
    }
    return found;
  };
}

@Injectable()
export class GrpcExportPreconditions extends ExportPreconditions implements OnApplicationShutdown {
  private readonly apps: GrpcClient<typeof tenancy.AppsServiceService>;
  private readonly segments: GrpcClient<typeof analytics.SegmentsServiceService>;
  private readonly namedFilters: GrpcClient<typeof analytics.NamedFiltersServiceService>;
  private readonly dimensions: GrpcClient<typeof analytics.DimensionsServiceService>;
  private readonly retentions: GrpcClient<typeof privacy.RetentionServiceService>;

  constructor(@Inject(EXPORT_JOB_ENV) env: ExportJobEnv) {
    super();
    const ingestion = { address: env.INGESTION_GRPC_ADDR, internalToken: env.INTERNAL_TOKEN, timeoutMs: 10_000 };
    const aggregation = { address: env.AGGREGATION_GRPC_ADDR, internalToken: env.INTERNAL_TOKEN, timeoutMs: 10_000 };
    this.apps = createGrpcClient(tenancy.AppsServiceService, ingestion);
    this.segments = createGrpcClient(analytics.SegmentsServiceService, aggregation);
    this.namedFilters = createGrpcClient(analytics.NamedFiltersServiceService, aggregation);
    this.dimensions = createGrpcClient(analytics.DimensionsServiceService, aggregation);
    this.retentions = createGrpcClient(privacy.RetentionServiceService, ingestion);
  }

  async assertPlanIncludesExports(appId: string): Promise<void> {
    if (!planIncludesExports(await this.planOf(appId))) throw new PlanExcludesExports(appId);
  }

  async assertPlanIncludesAutomaticExports(appId: string): Promise<void> {
    if (!planIncludesAutomaticExports(await this.planOf(appId))) throw new PlanExcludesExports(appId);
  }

  private async planOf(appId: string): Promise<string> {
    const { app } = await this.apps.getApp({ appId }).catch((error: unknown) => {
      throw asDomainError(error);
    });
    return app?.plan ?? '';
  }

  async assertSegmentExists(appId: string, segmentId: string): Promise<void> {
    try {
      await this.segments.getSegment({ appId, id: segmentId });
    } catch (error) {
      if (fromGrpcError(error).httpStatus === 404) throw new InvalidExportRequest(`segment_id: unknown segment ${segmentId}`);
      throw asDomainError(error);
    }
  }

  async assertFilterValid(appId: string, dataTypes: ExportDataType[], filter: string): Promise<void> {
    await this.namedFilters
      .validateRowFilter({ appId, dataTypes: dataTypes.map(dataTypeToProto), expressions: [filter] })
      .catch((error: unknown) => {
        throw asDomainError(error);
      });
  }

  async retention(appId: string): Promise<AppRetention> {
    const answer = await this.retentions.getRetention({ appId }).catch((error: unknown) => {
      throw asDomainError(error);
    });
    if (!answer.policy) throw new Error(`ingestion answered no retention policy for app ${appId}`);
    const { rawEventsDeletedBefore, aggregatesDeletedBefore } = answer;
    return { ...answer.policy, rawEventsDeletedBefore, aggregatesDeletedBefore };
  }

  async dimensionTables(appId: string): Promise<DimensionTables> {
    const { dimensions } = await this.dimensions.listDimensions({ appId }).catch((error: unknown) => {
      throw asDomainError(error);
    });
    return new Map(dimensions.map((dimension) => [dimension.returnName, dimension.tables]));
  }

  onApplicationShutdown(): void {
    this.dimensions.close();
    this.apps.close();
    this.segments.close();
    this.namedFilters.close();
    this.retentions.close();
  }
}

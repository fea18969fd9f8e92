import { Module } from '@nestjs/common';
import { EXPORT_JOB_ENV, ExportJobEnv } from '../config/env';
import { ExportNotifierLoop, FinishedNotifier, GrpcFinishedNotifier } from '../notify/export-notifier';
import { ExportStorage, S3ExportStorage } from '../storage/export-storage';
import { PartitionWorker } from '../worker/partition-worker';
import { GrpcRowSource, RowSource } from '../worker/row-source';
import { PartitionQueueRepository } from '../queue/partition-queue.repository';
import { ExportJobRepository } from './export-job.repository';
import { ExportEstimatesService } from './export-estimates.service';
import { ExportJobsController } from './export-jobs.controller';
import { ExportJobsService, RETENTION_POLICY } from './export-jobs.service';
import { ExportPreconditions, GrpcExportPreconditions } from './export-preconditions';
import { RetentionPolicy } from './retention';
import { RetentionSweeper } from './retention-sweeper';

@Module({
  controllers: [ExportJobsController],
  providers: [
    ExportJobRepository,
    PartitionQueueRepository,
    ExportJobsService,
    ExportEstimatesService,
    PartitionWorker,
    RetentionSweeper,
    ExportNotifierLoop,
    { provide: RowSource, useClass: GrpcRowSource },
    { provide: ExportPreconditions, useClass: GrpcExportPreconditions },
    { provide: FinishedNotifier, useClass: GrpcFinishedNotifier },
    {
      provide: ExportStorage,
      inject: [EXPORT_JOB_ENV],
      useFactory: (env: ExportJobEnv) =>
        new S3ExportStorage({
          endpoint: env.S3_ENDPOINT,
          publicEndpoint: env.S3_PUBLIC_ENDPOINT,
          region: env.S3_REGION,
          accessKeyId: env.S3_ACCESS_KEY_ID,
          secretAccessKey: env.S3_SECRET_ACCESS_KEY,
          bucket: env.S3_BUCKET,
          forcePathStyle: env.S3_FORCE_PATH_STYLE,
          maxAttempts: env.EXPORT_S3_MAX_ATTEMPTS,
        }),
    },
    {
      provide: RETENTION_POLICY,
      inject: [EXPORT_JOB_ENV],
      useFactory: (env: ExportJobEnv) =>
        new RetentionPolicy({
          linkTtlSeconds: env.BULK_EXPORT_LINK_TTL_SECONDS,
          onDemandLinkTtlSeconds: env.ON_DEMAND_EXPORT_LINK_TTL_SECONDS,
          jobRetentionSeconds: env.EXPORT_JOB_RETENTION_SECONDS,
        }),
    },
  ],
  // What the scheduled work builds on: jobs, rows, the rules, and the notification hand-off.
  exports: [
    ExportJobsService,
    ExportJobRepository,
    RowSource,
    ExportPreconditions,
    FinishedNotifier,
    ExportStorage,
    RETENTION_POLICY,
  ],
})
export class ExportJobsModule {}

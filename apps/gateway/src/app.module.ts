import { DynamicModule, Module } from '@nestjs/common';
import { loggerModule } from '@exportd/observability';
import { AdminController } from './admin/admin.controller';
import { DeliveriesController } from './deliveries/deliveries.controller';
import { DestinationsController } from './destinations/destinations.controller';
import { WebhooksController } from './webhooks/webhooks.controller';
import { BulkExportsController } from './bulk-exports/bulk-exports.controller';
import { ExportSchedulesController } from './export-schedules/export-schedules.controller';
import { ExportsController } from './exports/exports.controller';
import { LookupsController } from './lookups/lookups.controller';
import { GatewayEnv } from './config/env';
import { DataExportModule } from './data-export/data-export.module';
import { CoveoModule } from './coveo/coveo.module';
import { ExclusionsController } from './exclusions/exclusions.controller';
import { FeaturesController } from './features/features.controller';
import { FiltersController } from './filters/filters.controller';
import { GrpcClientsModule } from './grpc-clients/grpc-clients.module';
import { HealthController } from './health/health.controller';
import { PrivacyController } from './privacy/privacy.controller';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { RetentionController } from './privacy/retention.controller';
import { SegmentsController } from './segments/segments.controller';
import { SegmentModule } from './segment/segment.module';
import { TrackingModule } from './tracking/tracking.module';

@Module({})
export class GatewayModule {
  static forRoot(env: GatewayEnv): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        loggerModule({ service: 'gateway', level: env.LOG_LEVEL, format: env.LOG_FORMAT }),
        GrpcClientsModule.forRoot(env),
        RateLimitModule,
        TrackingModule,
        DataExportModule,
        CoveoModule,
        SegmentModule,
      ],
      controllers: [
        HealthController,
        AdminController,
        BulkExportsController,
        ExportsController,
        LookupsController,
        WebhooksController,
        DeliveriesController,
        FeaturesController,
        SegmentsController,
        FiltersController,
        ExclusionsController,
        DestinationsController,
        ExportSchedulesController,
        PrivacyController,
        RetentionController,
      ],
    };
  }
}

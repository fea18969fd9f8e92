import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import {
  analytics,
  destinationsV1,
  exportsV1,
  health,
  notifications,
  privacy,
  schedulesV1,
  tenancy,
  tracking,
} from '@exportd/contracts';
import { createGrpcClient, GrpcClient } from '@exportd/grpc';
import { GatewayEnv } from '../config/env';

/** The generated-contract clients the gateway reaches the services with. */
@Injectable()
export class ServiceClients implements OnApplicationShutdown {
  readonly apps: GrpcClient<typeof tenancy.AppsServiceService>;
  readonly tracking: GrpcClient<typeof tracking.TrackingServiceService>;
  readonly rows: GrpcClient<typeof analytics.RowsServiceService>;
  readonly features: GrpcClient<typeof analytics.FeaturesServiceService>;
  readonly segments: GrpcClient<typeof analytics.SegmentsServiceService>;
  readonly namedFilters: GrpcClient<typeof analytics.NamedFiltersServiceService>;
  readonly exclusions: GrpcClient<typeof analytics.ExclusionsServiceService>;
  readonly dimensions: GrpcClient<typeof analytics.DimensionsServiceService>;
  readonly exportJobs: GrpcClient<typeof exportsV1.ExportJobsServiceService>;
  readonly destinations: GrpcClient<typeof destinationsV1.DestinationsServiceService>;
  readonly automaticExports: GrpcClient<typeof schedulesV1.AutomaticExportsServiceService>;
  readonly exportSchedules: GrpcClient<typeof schedulesV1.ExportSchedulesServiceService>;
  readonly coveoSchedules: GrpcClient<typeof schedulesV1.CoveoSchedulesServiceService>;
  readonly notifications: GrpcClient<typeof notifications.NotificationsServiceService>;
  readonly webhookEndpoints: GrpcClient<typeof notifications.WebhookEndpointsServiceService>;
  readonly privacyRequests: GrpcClient<typeof privacy.PrivacyRequestsServiceService>;
  readonly retention: GrpcClient<typeof privacy.RetentionServiceService>;
  /** Health clients by service name, for /healthz. */
  readonly health: Record<'ingestion' | 'aggregation' | 'export-job' | 'notification', GrpcClient<typeof health.HealthService>>;

  constructor(@Inject('GATEWAY_ENV') env: GatewayEnv) {
    const at = (address: string) => ({ address, internalToken: env.INTERNAL_TOKEN });
    this.apps = createGrpcClient(tenancy.AppsServiceService, at(env.INGESTION_GRPC_ADDR));
    this.tracking = createGrpcClient(tracking.TrackingServiceService, at(env.INGESTION_GRPC_ADDR));
    this.rows = createGrpcClient(analytics.RowsServiceService, at(env.AGGREGATION_GRPC_ADDR));
    this.features = createGrpcClient(analytics.FeaturesServiceService, at(env.AGGREGATION_GRPC_ADDR));
    this.segments = createGrpcClient(analytics.SegmentsServiceService, at(env.AGGREGATION_GRPC_ADDR));
    this.namedFilters = createGrpcClient(analytics.NamedFiltersServiceService, at(env.AGGREGATION_GRPC_ADDR));
    this.exclusions = createGrpcClient(analytics.ExclusionsServiceService, at(env.AGGREGATION_GRPC_ADDR));
    this.dimensions = createGrpcClient(analytics.DimensionsServiceService, at(env.AGGREGATION_GRPC_ADDR));
    this.exportJobs = createGrpcClient(exportsV1.ExportJobsServiceService, at(env.EXPORT_JOB_GRPC_ADDR));
    this.destinations = createGrpcClient(destinationsV1.DestinationsServiceService, at(env.EXPORT_JOB_GRPC_ADDR));
    this.automaticExports = createGrpcClient(schedulesV1.AutomaticExportsServiceService, at(env.EXPORT_JOB_GRPC_ADDR));
    this.exportSchedules = createGrpcClient(schedulesV1.ExportSchedulesServiceService, at(env.EXPORT_JOB_GRPC_ADDR));
    this.coveoSchedules = createGrpcClient(schedulesV1.CoveoSchedulesServiceService, at(env.EXPORT_JOB_GRPC_ADDR));
    this.notifications = createGrpcClient(notifications.NotificationsServiceService, at(env.NOTIFICATION_GRPC_ADDR));
    this.webhookEndpoints = createGrpcClient(notifications.WebhookEndpointsServiceService, at(env.NOTIFICATION_GRPC_ADDR));
    this.privacyRequests = createGrpcClient(privacy.PrivacyRequestsServiceService, at(env.EXPORT_JOB_GRPC_ADDR));
    this.retention = createGrpcClient(privacy.RetentionServiceService, at(env.INGESTION_GRPC_ADDR));
    const healthAt = (address: string) =>
      createGrpcClient(health.HealthService, { ...at(address), timeoutMs: 2_000, waitForReady: true });
    this.health = {
      ingestion: healthAt(env.INGESTION_GRPC_ADDR),
      aggregation: healthAt(env.AGGREGATION_GRPC_ADDR),
      'export-job': healthAt(env.EXPORT_JOB_GRPC_ADDR),
      notification: healthAt(env.NOTIFICATION_GRPC_ADDR),
    };
  }

  onApplicationShutdown(): void {
    for (const client of [
      this.apps,
      this.tracking,
      this.rows,
      this.features,
      this.segments,
      this.namedFilters,
      this.exclusions,
      this.dimensions,
      this.exportJobs,
      this.destinations,
      this.automaticExports,
      this.exportSchedules,
      this.coveoSchedules,
      this.notifications,
      this.webhookEndpoints,
      this.privacyRequests,
      this.retention,
      ...Object.values(this.health),
    ]) {
      client.close();
    }
  }
}

@Global()
@Module({})
export class GrpcClientsModule {
  static forRoot(env: GatewayEnv): DynamicModule {
    return {
      module: GrpcClientsModule,
      providers: [{ provide: 'GATEWAY_ENV', useValue: env }, ServiceClients],
      exports: [ServiceClients, 'GATEWAY_ENV'],
    };
  }
}

import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { CompanyUsageServiceService } from '@exportd/contracts/generated/analytics/v1/company_usage';
import { createGrpcClient, GrpcClient } from '@exportd/grpc';
import { GatewayEnv } from '../config/env';

/** The client of analytics.v1.CompanyUsageService (aggregation). */
@Injectable()
export class CompanyUsageClient implements OnApplicationShutdown {
  readonly client: GrpcClient<typeof CompanyUsageServiceService>;

  constructor(@Inject('GATEWAY_ENV') env: GatewayEnv) {
    this.client = createGrpcClient(CompanyUsageServiceService, {
      address: env.AGGREGATION_GRPC_ADDR,
      internalToken: env.INTERNAL_TOKEN,
    });
  }

  onApplicationShutdown(): void {
    this.client.close();
  }
}

import { DynamicModule, Module } from '@nestjs/common';
import { AdminController } from './admin/admin.controller';
import { GatewayEnv } from './config/env';
import { GrpcClientsModule } from './grpc-clients/grpc-clients.module';
import { HealthController } from './health/health.controller';
import { TrackingModule } from './tracking/tracking.module';

@Module({})
export class GatewayModule {
  static forRoot(env: GatewayEnv): DynamicModule {
    return {
      module: GatewayModule,
      imports: [GrpcClientsModule.forRoot(env), TrackingModule],
      controllers: [HealthController, AdminController],
    };
  }
}

import { DynamicModule, Global, Module } from '@nestjs/common';
import { GrpcHealthController } from '@exportd/grpc';
import { Clock, MongoModule, SystemClock } from '@exportd/runtime';
import { ExportJobEnv } from './config/env';

@Global()
@Module({})
export class ExportJobModule {
  static forRoot(env: ExportJobEnv, clock: Clock = new SystemClock()): DynamicModule {
    return {
      module: ExportJobModule,
      imports: [MongoModule.forRoot(env.MONGO_URL)],
      controllers: [GrpcHealthController],
      providers: [{ provide: Clock, useValue: clock }],
      exports: [Clock],
    };
  }
}

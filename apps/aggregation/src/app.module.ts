import { DynamicModule, Global, Module } from '@nestjs/common';
import { GrpcHealthController } from '@exportd/grpc';
import { Clock, MongoModule, SystemClock } from '@exportd/runtime';
import { AggregationEnv } from './config/env';

@Global()
@Module({})
export class AggregationModule {
  static forRoot(env: AggregationEnv, clock: Clock = new SystemClock()): DynamicModule {
    return {
      module: AggregationModule,
      imports: [MongoModule.forRoot(env.MONGO_URL)],
      controllers: [GrpcHealthController],
      providers: [{ provide: Clock, useValue: clock }],
      exports: [Clock],
    };
  }
}

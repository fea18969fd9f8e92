import { DynamicModule, Global, Module } from '@nestjs/common';
import { GrpcHealthController } from '@exportd/grpc';
import { Clock, MongoModule, SystemClock } from '@exportd/runtime';
import { AggregationEnv } from './config/env';
import { RowsModule } from './rows/rows.module';

@Global()
@Module({})
export class AggregationModule {
  static forRoot(env: AggregationEnv, clock: Clock = new SystemClock()): DynamicModule {
    return {
      module: AggregationModule,
      imports: [MongoModule.forRoot(env.MONGO_URL), RowsModule],
      controllers: [GrpcHealthController],
      providers: [{ provide: Clock, useValue: clock }],
      exports: [Clock],
    };
  }
}

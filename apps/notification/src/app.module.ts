import { DynamicModule, Global, Module } from '@nestjs/common';
import { GrpcHealthController } from '@exportd/grpc';
import { Clock, MongoModule, SystemClock } from '@exportd/runtime';
import { NotificationEnv } from './config/env';

@Global()
@Module({})
export class NotificationModule {
  static forRoot(env: NotificationEnv, clock: Clock = new SystemClock()): DynamicModule {
    return {
      module: NotificationModule,
      imports: [MongoModule.forRoot(env.MONGO_URL)],
      controllers: [GrpcHealthController],
      providers: [{ provide: Clock, useValue: clock }],
      exports: [Clock],
    };
  }
}

import { DynamicModule, Global, Module } from '@nestjs/common';
import { GrpcHealthController } from '@exportd/grpc';
import { Clock, MongoModule, SystemClock } from '@exportd/runtime';
import { EXPORT_JOB_ENV, ExportJobEnv } from './config/env';
import { DestinationsModule } from './destinations';
import { ExportJobsModule } from './jobs/export-jobs.module';
import { PrivacyModule } from './privacy/privacy.module';
import { SchedulesModule } from './scheduler/schedules.module';

@Global()
@Module({})
export class ExportJobModule {
  static forRoot(env: ExportJobEnv, clock: Clock = new SystemClock()): DynamicModule {
    return {
      module: ExportJobModule,
      imports: [MongoModule.forRoot(env.MONGO_URL), ExportJobsModule, DestinationsModule, SchedulesModule, PrivacyModule],
      controllers: [GrpcHealthController],
      providers: [
        { provide: Clock, useValue: clock },
        { provide: EXPORT_JOB_ENV, useValue: env },
      ],
      exports: [Clock, EXPORT_JOB_ENV],
    };
  }
}

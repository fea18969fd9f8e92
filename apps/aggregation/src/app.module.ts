import { DynamicModule, Global, Module } from '@nestjs/common';
import { GrpcHealthController } from '@exportd/grpc';
import { Clock, MongoModule, SystemClock } from '@exportd/runtime';
import { CompanyUsageModule } from './company-usage/company-usage.module';
import { AggregationEnv } from './config/env';
import { RowsModule } from './rows/rows.module';
import { FeaturesModule } from './features/features.module';
import { SegmentsModule } from './segments/segments.module';
import { NamedFiltersModule } from './named-filters/named-filters.module';
import { ExclusionsModule } from './exclusions/exclusions.module';
import { DimensionsModule } from './dimensions/dimensions.module';
import { PrivacyModule } from './privacy/privacy.module';

@Global()
@Module({})
export class AggregationModule {
  static forRoot(env: AggregationEnv, clock: Clock = new SystemClock()): DynamicModule {
    return {
      module: AggregationModule,
      imports: [
        MongoModule.forRoot(env.MONGO_URL),
        RowsModule,
        FeaturesModule,
        SegmentsModule,
        NamedFiltersModule,
        ExclusionsModule,
        CompanyUsageModule,
        DimensionsModule,
        PrivacyModule,
      ],
      controllers: [GrpcHealthController],
      providers: [{ provide: Clock, useValue: clock }],
      exports: [Clock],
    };
  }
}

import { Module } from '@nestjs/common';
import { CompanyUsageModule } from '../company-usage/company-usage.module';
import { ExclusionsModule } from '../exclusions/exclusions.module';
import { FeaturesModule } from '../features/features.module';
import { NamedFiltersModule } from '../named-filters/named-filters.module';
import { SegmentsModule } from '../segments/segments.module';
import { LookupsService } from './lookups.service';
import { RowsController } from './rows.controller';
import { RowsRepository } from './rows.repository';
import { RowsService } from './rows.service';

@Module({
  imports: [CompanyUsageModule, SegmentsModule, NamedFiltersModule, ExclusionsModule, FeaturesModule],
  controllers: [RowsController],
  providers: [RowsService, RowsRepository, LookupsService],
})
export class RowsModule {}

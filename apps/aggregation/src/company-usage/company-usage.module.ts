import { Module } from '@nestjs/common';
import { FeaturesModule } from '../features/features.module';
import { SegmentsModule } from '../segments/segments.module';
import { CompanyUsageRepository } from './company-usage.repository';
import { CompanyUsageService } from './company-usage.service';

/** Company-by-feature metrics; served as the company_features data type of analytics.v1.RowsService. */
@Module({
  imports: [FeaturesModule, SegmentsModule],
  providers: [CompanyUsageService, CompanyUsageRepository],
  exports: [CompanyUsageService],
})
export class CompanyUsageModule {}

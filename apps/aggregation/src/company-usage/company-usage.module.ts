import { Module } from '@nestjs/common';
import { FeaturesModule } from '../features/features.module';
import { SegmentsModule } from '../segments/segments.module';
import { CompanyUsageController } from './company-usage.controller';
import { CompanyUsageRepository } from './company-usage.repository';
import { CompanyUsageService } from './company-usage.service';

@Module({
  imports: [FeaturesModule, SegmentsModule],
  controllers: [CompanyUsageController],
  providers: [CompanyUsageService, CompanyUsageRepository],
  exports: [CompanyUsageService],
})
export class CompanyUsageModule {}

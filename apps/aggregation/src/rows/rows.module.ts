import { Module } from '@nestjs/common';
import { CompanyUsageModule } from '../company-usage/company-usage.module';
import { SegmentsModule } from '../segments/segments.module';
import { ExclusionsRepository } from './exclusions.repository';
import { LookupsService } from './lookups.service';
import { RowsController } from './rows.controller';
import { RowsRepository } from './rows.repository';
import { RowsService } from './rows.service';

@Module({
  imports: [CompanyUsageModule, SegmentsModule],
  controllers: [RowsController],
  providers: [RowsService, RowsRepository, ExclusionsRepository, LookupsService],
  exports: [ExclusionsRepository],
})
export class RowsModule {}

import { Module } from '@nestjs/common';
import { LookupsService } from '../rows/lookups.service';
import { SegmentsModule } from '../segments/segments.module';
import { DimensionsController } from './dimensions.controller';
import { DimensionsService } from './dimensions.service';

@Module({
  // LookupsService is stateless; RowsModule does not export it, so this module provides its own.
  imports: [SegmentsModule],
  controllers: [DimensionsController],
  providers: [DimensionsService, LookupsService],
})
export class DimensionsModule {}

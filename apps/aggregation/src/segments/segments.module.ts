import { Module } from '@nestjs/common';
import { NamedFiltersModule } from '../named-filters/named-filters.module';
import { SegmentRepository } from './segment.repository';
import { SegmentsController } from './segments.controller';
import { SegmentsService } from './segments.service';

@Module({
  imports: [NamedFiltersModule],
  controllers: [SegmentsController],
  providers: [SegmentsService, SegmentRepository],
  exports: [SegmentsService],
})
export class SegmentsModule {}

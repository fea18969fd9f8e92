import { Module } from '@nestjs/common';
import { SegmentRepository } from './segment.repository';
import { SegmentsController } from './segments.controller';
import { SegmentsService } from './segments.service';

@Module({ controllers: [SegmentsController], providers: [SegmentsService, SegmentRepository], exports: [SegmentsService] })
export class SegmentsModule {}

import { Module } from '@nestjs/common';
import { SuppressionList } from './suppression-list';
import { SuppressionRepository } from './suppression.repository';
import { TrackingController } from './tracking.controller';
import { TrackingProjector } from './tracking.projector';
import { TrackingRepository } from './tracking.repository';
import { TrackingService } from './tracking.service';
import { WritePriority } from './write-priority';

const providers = [TrackingService, TrackingProjector, TrackingRepository, WritePriority, SuppressionList, SuppressionRepository];

@Module({ controllers: [TrackingController], providers, exports: providers })
export class TrackingModule {}

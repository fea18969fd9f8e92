import { Module } from '@nestjs/common';
import { AppsModule } from '../apps/apps.module';
import { SuppressionList } from './suppression-list';
import { SuppressionRepository } from './suppression.repository';
import { TrackingController } from './tracking.controller';
import { TrackingProjector } from './tracking.projector';
import { TrackingRepository } from './tracking.repository';
import { TrackingService } from './tracking.service';
import { UsageDaysBackfill } from './usage-days-backfill';
import { WritePriority } from './write-priority';

const providers = [TrackingService, TrackingProjector, TrackingRepository, WritePriority, SuppressionList, SuppressionRepository];

@Module({
  imports: [AppsModule],
  controllers: [TrackingController],
  providers: [...providers, UsageDaysBackfill],
  exports: providers,
})
export class TrackingModule {}

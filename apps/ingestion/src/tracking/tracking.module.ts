import { Module } from '@nestjs/common';
import { TrackingController } from './tracking.controller';
import { TrackingProjector } from './tracking.projector';
import { TrackingRepository } from './tracking.repository';
import { TrackingService } from './tracking.service';

@Module({ controllers: [TrackingController], providers: [TrackingService, TrackingProjector, TrackingRepository] })
export class TrackingModule {}

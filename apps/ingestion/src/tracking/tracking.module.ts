import { Module } from '@nestjs/common';
import { TrackingController } from './tracking.controller';
import { TrackingProjector } from './tracking.projector';
import { TrackingRepository } from './tracking.repository';
import { TrackingService } from './tracking.service';
import { WritePriority } from './write-priority';

@Module({ controllers: [TrackingController], providers: [TrackingService, TrackingProjector, TrackingRepository, WritePriority] })
export class TrackingModule {}
